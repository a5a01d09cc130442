// Vectorized transcendental functions on SIMD8<Float> (exp of non-positive arguments, sigmoid,
// SiLU) for the activation fast paths. Accuracy is stated and tested against the float
// definition in NpucGraph (`Activation.apply`, computed in Double): within 3 ulp (sigmoid) and
// 4 ulp (SiLU) of it, or 1e-40 absolute for x < −87.3, where sigmoid is subnormal.

public typealias Float8 = SIMD8<Float>

public enum VectorMath {
    /// e^x for x ≤ 0, down to the subnormal range (arguments below −104 give 0).
    /// Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, then a degree-7 polynomial (Cephes' expf coefficients) for e^r and
    /// the exponent bits for 2^n. Rounding to n uses the 1.5·2^23 trick, which is exact in the
    /// default rounding mode and needs no rounding instruction.
    @inline(__always)
    public static func expOfNonPositive(_ x: Float8) -> Float8 {
        let v = x.replacing(with: -104, where: x .< -104)
        let magic: Float = 12_582_912 // 1.5 · 2^23
        let shifted = v * 1.442_695_04 + magic
        let n = shifted - magic
        // r = v − n·ln2 in two steps: ln2 = 0.693359375 − 2.12194440e-4 (first part exact in few bits).
        var r = v.addingProduct(n, Float8(repeating: -0.693_359_375))
        r = r.addingProduct(n, Float8(repeating: 2.121_944_4e-4))
        var p = Float8(repeating: 1.987_569_15e-4)
        p = Float8(repeating: 1.398_199_95e-3).addingProduct(p, r)
        p = Float8(repeating: 8.333_451_9e-3).addingProduct(p, r)
        p = Float8(repeating: 4.166_579_6e-2).addingProduct(p, r)
        p = Float8(repeating: 1.666_666_55e-1).addingProduct(p, r)
        p = Float8(repeating: 5.000_000_1e-1).addingProduct(p, r)
        let er = r.addingProduct(p, r * r) + 1
        let nBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(Float8(repeating: magic), to: SIMD8<Int32>.self)
        // 2^n for n ∈ [−150, 0] as two normal factors, so subnormal results round once.
        let half = nBits &>> 1
        let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: Float8.self)
        let scale2 = unsafeBitCast((nBits &- half &+ 127) &<< 23, to: Float8.self)
        return er * scale1 * scale2
    }

    /// 1 / (1 + e^−x), evaluated as s = 1/(1 + e^−|x|) and e^−|x|·s for negative x so that no
    /// exponential overflows. NaN stays NaN.
    @inline(__always)
    public static func sigmoid(_ x: Float8) -> Float8 {
        let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
        let e = expOfNonPositive(-magnitude)
        let s = 1 / (1 + e)
        var y = s.replacing(with: e * s, where: x .< 0)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// x · sigmoid(x).
    @inline(__always)
    public static func silu(_ x: Float8) -> Float8 {
        x * sigmoid(x)
    }
}
