// The two rounding rules of docs/QUANTIZATION.md, by name. RoundHalfAway is used only at
// quantization time (Double); RSH, the rounding right shift with ties toward +∞, is the only
// rounding at inference time and is computed exactly (64-bit, or 128-bit when a product needs it).

public enum Rounding {
    /// RoundHalfAway(x): the nearest integer, ties away from zero.
    @inline(__always)
    public static func roundHalfAway(_ x: Double) -> Double {
        x.rounded(.toNearestOrAwayFromZero)
    }

    /// RoundHalfAway(x) clamped to `range`, as an integer: the form every quantization-time
    /// rounding takes. NaN gives `nan` (callers say what a NaN means for them); ±∞ clamp.
    public static func roundHalfAway(_ x: Double, clampedTo range: ClosedRange<Int64>, nan: Int64) -> Int64 {
        if x.isNaN { return nan }
        let r = roundHalfAway(x)
        if r <= Double(range.lowerBound) { return range.lowerBound }
        if r >= Double(range.upperBound) { return range.upperBound }
        return Int64(r)
    }

    /// RSH(v, s) = ⌊(v + 2^(s−1)) / 2^s⌋ for s ≥ 1, v for s = 0. Written as the floor shift
    /// plus bit s−1 of v (which is exactly whether the discarded part reaches one half), so no
    /// intermediate overflows for any Int64 `v`. `s` must be in 0...63.
    @inline(__always)
    public static func rsh(_ v: Int64, _ s: Int) -> Int64 {
        s == 0 ? v : (v >> Int64(s)) &+ ((v >> Int64(s - 1)) & 1)
    }

    /// Results of `rshProduct` are exact up to this magnitude and saturate to it beyond: every
    /// consumer clamps to bounds far inside (|q| ≤ 2^16), so the saturation never shows.
    public static let productSaturation: Int64 = 1 << 62

    /// RSH(v · m, s), exact: the product is held in 64 bits when it fits and in 128 bits
    /// otherwise. The result saturates at ±2^62 (see `productSaturation`). `s` in 0...63.
    @inline(__always)
    public static func rshProduct(_ v: Int64, _ m: Int64, _ s: Int) -> Int64 {
        let (p, overflow) = v.multipliedReportingOverflow(by: m)
        if !overflow { return saturate(rsh(p, s)) }
        return rshProductWide(v, m, s)
    }

    @inline(__always)
    static func saturate(_ v: Int64) -> Int64 {
        v > productSaturation ? productSaturation : (v < -productSaturation ? -productSaturation : v)
    }

    /// The 128-bit path of `rshProduct`.
    @inline(never)
    static func rshProductWide(_ v: Int64, _ m: Int64, _ s: Int) -> Int64 {
        let (high, low) = v.multipliedFullWidth(by: m)
        // floor(p / 2^s) as a 128-bit (qHigh, qLow), then + bit s−1 of p.
        let qLow: UInt64, qHigh: Int64, roundBit: UInt64
        if s == 0 {
            qLow = low
            qHigh = high
            roundBit = 0
        } else {
            qLow = (low >> UInt64(s)) | (UInt64(bitPattern: high) << UInt64(64 - s))
            qHigh = high >> Int64(s)
            roundBit = (low >> UInt64(s - 1)) & 1
        }
        // The quotient fits in Int64 when qHigh is the sign extension of qLow.
        let lowAsSigned = Int64(bitPattern: qLow)
        guard qHigh == (lowAsSigned >> 63) else { return qHigh < 0 ? -productSaturation : productSaturation }
        let (sum, o) = lowAsSigned.addingReportingOverflow(Int64(roundBit))
        return o ? productSaturation : saturate(sum)
    }
}
