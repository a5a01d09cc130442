// Lane shuffles of SIMD8<Float> that Swift's SIMD types do not name: the 128-bit-lane unpacks of
// AVX (vunpcklps/vunpckhps and their 64-bit forms), from `_Builtin_intrinsics` on x86-64 and
// spelled out element by element elsewhere (the compiler turns those into the ISA's shuffles).

#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

enum SIMDShuffles {
    /// [a0 b0 a1 b1 | a4 b4 a5 b5]
    @_transparent
    static func unpackLow(_ a: Float8, _ b: Float8) -> Float8 {
        #if arch(x86_64)
        return _mm256_unpacklo_ps(a, b)
        #else
        return Float8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
        #endif
    }

    /// [a2 b2 a3 b3 | a6 b6 a7 b7]
    @_transparent
    static func unpackHigh(_ a: Float8, _ b: Float8) -> Float8 {
        #if arch(x86_64)
        return _mm256_unpackhi_ps(a, b)
        #else
        return Float8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
        #endif
    }

    /// [a0 a1 b0 b1 | a4 a5 b4 b5] (pairs of floats as 64-bit units)
    @_transparent
    static func unpackLowPairs(_ a: Float8, _ b: Float8) -> Float8 {
        #if arch(x86_64)
        return unsafeBitCast(_mm256_unpacklo_pd(unsafeBitCast(a, to: SIMD4<Double>.self), unsafeBitCast(b, to: SIMD4<Double>.self)),
                             to: Float8.self)
        #else
        return Float8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
        #endif
    }

    /// [a2 a3 b2 b3 | a6 a7 b6 b7]
    @_transparent
    static func unpackHighPairs(_ a: Float8, _ b: Float8) -> Float8 {
        #if arch(x86_64)
        return unsafeBitCast(_mm256_unpackhi_pd(unsafeBitCast(a, to: SIMD4<Double>.self), unsafeBitCast(b, to: SIMD4<Double>.self)),
                             to: Float8.self)
        #else
        return Float8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
        #endif
    }
}
