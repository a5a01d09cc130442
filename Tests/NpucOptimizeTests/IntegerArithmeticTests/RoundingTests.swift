// RSH and RoundHalfAway against second derivations: RSH over every shift count from the floor
// quotient and remainder, the exact product shift against 128-bit integer arithmetic, and the
// saturation beyond 2^62.

import NpucOptimize
import Testing

@Suite("Integer rounding")
struct RoundingTests {
    /// ⌊(v + 2^(s−1)) / 2^s⌋ derived from the floor quotient and its remainder: round up when
    /// the remainder is at least half of 2^s.
    static func rshByRemainder(_ v: Int64, _ s: Int) -> Int64 {
        if s == 0 { return v }
        if s == 63 { return v >= 0 ? (v >= (1 << 62) ? 1 : 0) : (v >= -(1 << 62) ? 0 : -1) }
        let d = Int64(1) << Int64(s)
        var q = v / d, r = v % d
        if r < 0 {
            q -= 1
            r += d
        }
        return r >= d / 2 ? q + 1 : q
    }

    @Test("RSH equals the floor-and-remainder derivation for every shift 0…63")
    func rshEveryShift() {
        var rng = IntegerTestRandom(seed: 1)
        let edges: [Int64] = [0, 1, -1, 2, -2, 3, -3, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 1 << 40, -(1 << 40)]
        for s in 0...63 {
            var values = edges
            let half = s == 0 ? 0 : Int64(1) << Int64(s - 1)
            values += [half, -half, half - 1, -half - 1, half + 1, -half + 1, 3 &* half, -3 &* half]
            values += (0..<200).map { _ in Int64(bitPattern: rng.next()) >> Int64(rng.int(0...62)) }
            for v in values {
                #expect(Rounding.rsh(v, s) == Self.rshByRemainder(v, s), "RSH(\(v), \(s))")
            }
        }
    }

    @Test("RSH rounds ties toward +∞ (2.5 → 3, −2.5 → −2, −0.5 → 0)")
    func rshTies() {
        #expect(Rounding.rsh(5, 1) == 3)
        #expect(Rounding.rsh(-5, 1) == -2)
        #expect(Rounding.rsh(-1, 1) == 0)
        #expect(Rounding.rsh(-3, 1) == -1)
        #expect(Rounding.rsh(-6, 2) == -1)   // −1.5 → −1
        #expect(Rounding.rsh(-7, 2) == -2)   // −1.75 → −2
    }

    @Test("RoundHalfAway rounds ties away from zero")
    func roundHalfAway() {
        #expect(Rounding.roundHalfAway(2.5) == 3)
        #expect(Rounding.roundHalfAway(-2.5) == -3)
        #expect(Rounding.roundHalfAway(-0.5) == -1)
        #expect(Rounding.roundHalfAway(0.49999999999999994) == 0)
        #expect(Rounding.roundHalfAway(.nan, clampedTo: 0...255, nan: 7) == 7)
        #expect(Rounding.roundHalfAway(.infinity, clampedTo: 0...255, nan: 7) == 255)
        #expect(Rounding.roundHalfAway(-1e300, clampedTo: -5...5, nan: 0) == -5)
    }

    @Test("RSH(v · m, s) is exact against 128-bit arithmetic, including products beyond 64 bits")
    func productShiftExact() throws {
        guard #available(macOS 15, *) else { return }
        var rng = IntegerTestRandom(seed: 2)
        let limit = Int128(1) << 62
        for _ in 0..<20_000 {
            let v = Int64(bitPattern: rng.next()) >> Int64(rng.int(0...40))
            let m = Int64(Int32(truncatingIfNeeded: rng.next()))
            let s = rng.int(0...62)
            let p = Int128(v) * Int128(m)
            let exact: Int128 = s == 0 ? p : (p + (Int128(1) << (s - 1))) >> s
            let expected = exact > limit ? limit : (exact < -limit ? -limit : exact)
            #expect(Int128(Rounding.rshProduct(v, m, s)) == expected, "RSH(\(v) · \(m), \(s))")
        }
    }

    @Test("products whose result exceeds 2^62 saturate at ±2^62")
    func productSaturates() {
        #expect(Rounding.rshProduct(Int64.max, Int64(Int32.max), 0) == Rounding.productSaturation)
        #expect(Rounding.rshProduct(Int64.min, Int64(Int32.max), 1) == -Rounding.productSaturation)
        #expect(Rounding.rshProduct(1 << 62, 1 << 30, 30) == Rounding.productSaturation)
        #expect(Rounding.rshProduct(-(1 << 62), 1 << 30, 31) == -(1 << 61))
    }
}
