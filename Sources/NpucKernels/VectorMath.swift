// Vectorized transcendental functions on SIMD8<Float> (exp, sigmoid, SiLU) for the activation
// fast paths. Accuracy is stated and tested against the float definition in NpucGraph
// (`Activation.apply`, computed in Double): within 4 ulp of it, or within 1e-35 absolute for the
// results below that size (x < −80; e^−x overflows past x = −88.7 and they become ±0).

public typealias Float8 = SIMD8<Float>

/// The functions are `@_transparent` so they are always inlined: called out of line, the SIMD8
/// value crosses the call in two halves and the long dependency chains of consecutive vectors
/// cannot overlap, which costs more than half of the throughput.
public enum VectorMath {
    /// e^v for v ∈ [−86.6, 89]: arguments below give e^−86.6 ≈ 2.5e-38, above 88.72 give +∞ (as
    /// e^v overflows). Cody–Waite reduction v = n·ln2 + r, |r| ≤ ln2/2, a degree-7 polynomial for
    /// e^r (Cephes' expf coefficients), and the exponent bits for 2^n; rounding to n uses the
    /// 1.5·2^23 trick, which is exact in the default rounding mode and needs no rounding
    /// instruction. NaN stays NaN.
    @_transparent
    public static func exp(clamped x: Float8) -> Float8 {
        var v = x.replacing(with: -86.6, where: x .< -86.6)
        v.replace(with: 89, where: v .> 89)
        let magic: Float = 12_582_912 // 1.5 · 2^23
        let shifted = Float8(repeating: magic).addingProduct(v, Float8(repeating: 1.442_695_04))
        let n = shifted - magic
        // r = v − n·ln2 in two steps: ln2 = 0.693359375 − 2.12194440e-4 (first part exact in few bits).
        var r = v.addingProduct(n, Float8(repeating: -0.693_359_375))
        r = r.addingProduct(n, Float8(repeating: 2.121_944_4e-4))
        // Estrin's scheme: shorter dependency chains than Horner's.
        let r2 = r * r
        let p01 = Float8(repeating: 5.000_000_1e-1).addingProduct(r, Float8(repeating: 1.666_666_55e-1))
        let p23 = Float8(repeating: 4.166_579_6e-2).addingProduct(r, Float8(repeating: 8.333_451_9e-3))
        let p45 = Float8(repeating: 1.398_199_95e-3).addingProduct(r, Float8(repeating: 1.987_569_15e-4))
        let p = p01.addingProduct(r2, p23.addingProduct(r2, p45))
        let er = r.addingProduct(p, r2) + 1
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(Float8(repeating: magic), to: SIMD8<Int32>.self)
        // 2·2^(n−1): n ∈ [−125, 128], so 2^(n−1) is a normal float and e^v up to 2^128 is exact.
        return (er + er) * unsafeBitCast((nBits &+ 126) &<< 23, to: Float8.self)
    }

    /// 1 / (1 + e^−x): e^−x overflows to +∞ for x < −88.7, giving 0. NaN stays NaN.
    @_transparent
    public static func sigmoid(_ x: Float8) -> Float8 {
        1 / (1 + exp(clamped: -x))
    }

    /// x / (1 + e^−x) (= x · sigmoid(x)); −∞ gives NaN as x · sigmoid(x) does.
    @_transparent
    public static func silu(_ x: Float8) -> Float8 {
        x / (1 + exp(clamped: -x))
    }
}
