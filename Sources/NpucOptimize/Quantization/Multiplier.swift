// Fixed-point multipliers (docs/QUANTIZATION.md, "Multipliers"): a real factor M stored as
// (m, s) with 2^30 ≤ |m| < 2^31 and M ≈ m · 2^−s, applied as RSH(v · m, s); and the common
// precision P of a linear combination of several terms.

public struct Multiplier: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The integer factor: 2^30 ≤ |m| < 2^31 for an encoded real, 0 for a negligible one (1 for
    /// the identity of a linear combination's epilogue).
    public var m: Int32
    /// The right shift, 0...62.
    public var s: Int

    public init(m: Int32, s: Int) {
        self.m = m
        self.s = s
    }

    /// (0, 0): a factor of zero or one below 2^−32 that the rules store as zero.
    public static let zero = Multiplier(m: 0, s: 0)
    /// (1, 0): RSH(v · 1, 0) = v, the epilogue multiplier of adds (whose factors are applied by
    /// the linear combination).
    public static let identity = Multiplier(m: 1, s: 0)

    /// Encodes `real`: |M| = f · 2^e with f ∈ [0.5, 1), m = sign(M) · RoundHalfAway(f · 2^31),
    /// s = 31 − e; |m| = 2^31 is halved with s − 1. Refuses s < 1 (|M| ≥ 2^30) and non-finite
    /// factors; s > 62 (and M = 0) give `zero`. `what` names the factor in errors.
    public init(encoding real: Double, what: @autoclosure () -> String = "a multiplier") throws(QuantizationError) {
        guard real.isFinite else {
            throw QuantizationError("\(what()) is \(real); the scales it is made of are invalid (check the calibrated ranges and weights for NaN, infinity or zero)")
        }
        if real == 0 {
            self = .zero
            return
        }
        let magnitude = real.magnitude
        let f = magnitude.significand / 2           // significand ∈ [1, 2) → f ∈ [0.5, 1)
        let e = Int(magnitude.exponent) + 1
        var mm = Rounding.roundHalfAway(f * 2_147_483_648.0)
        var shift = 31 - e
        if mm == 2_147_483_648.0 {
            mm /= 2
            shift -= 1
        }
        guard shift >= 1 else {
            throw QuantizationError("\(what()) is \(real), too large to encode (the factor must be below 2^30); the output range is probably degenerate — force a wider range for it")
        }
        if shift > 62 {
            self = .zero
            return
        }
        m = Int32(real < 0 ? -mm : mm)
        s = shift
    }

    /// m · 2^−s.
    public var realValue: Double { Double(m) * Double(sign: .plus, exponent: -s, significand: 1) }

    /// RSH(v · m, s), exact (saturating at ±2^62, see `Rounding.rshProduct`).
    @inline(__always)
    public func apply(_ v: Int64) -> Int64 { Rounding.rshProduct(v, Int64(m), s) }

    public var description: String { "(\(m), \(s))" }
}

/// A linear combination's common precision: P is the largest integer in [0, 40] with
/// RoundHalfAway(max|M_i| · 2^P) < 2^31, and I_i = RoundHalfAway(M_i · 2^P); the combination of
/// integer terms t_i is RSH(Σ t_i · I_i, P).
public struct LinearCombination: Hashable, Sendable, Codable {
    public static let maximumPrecision = 40

    public var precision: Int
    public var factors: [Int64]

    public init(precision: Int, factors: [Int64]) {
        self.precision = precision
        self.factors = factors
    }

    /// Encodes real factors (any sign); `what` names the combination in errors.
    public init(encoding reals: [Double], what: @autoclosure () -> String = "a linear combination") throws(QuantizationError) {
        guard reals.allSatisfy({ $0.isFinite }) else {
            throw QuantizationError("\(what()) has a factor \(reals.first { !$0.isFinite }!); the scales it is made of are invalid")
        }
        let largest = reals.map(\.magnitude).max() ?? 0
        var chosen: Int?
        for p in stride(from: Self.maximumPrecision, through: 0, by: -1)
        where Rounding.roundHalfAway(largest * Double(sign: .plus, exponent: p, significand: 1)) < 2_147_483_648.0 {
            chosen = p
            break
        }
        guard let p = chosen else {
            throw QuantizationError("\(what()) has a factor \(largest) of 2^31 or more, too large to encode; the output range is probably degenerate — force a wider range for it")
        }
        precision = p
        let scale = Double(sign: .plus, exponent: p, significand: 1)
        factors = reals.map { Int64(Rounding.roundHalfAway($0 * scale)) }
    }
}
