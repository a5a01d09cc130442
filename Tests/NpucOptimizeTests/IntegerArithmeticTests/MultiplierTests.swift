// Multipliers and linear combinations: the encoding rules of docs/QUANTIZATION.md on exact
// values, their normalization and error bound on random factors, and every refusal.

import NpucOptimize
import Testing

@Suite("Multipliers")
struct MultiplierTests {
    @Test("powers of two encode exactly as (±2^30, s)")
    func powersOfTwo() throws {
        for e in -30...29 {
            let m = try Multiplier(encoding: Double(sign: .plus, exponent: e, significand: 1))
            #expect(m == Multiplier(m: 1 << 30, s: 30 - e), "2^\(e)")
            let n = try Multiplier(encoding: -Double(sign: .plus, exponent: e, significand: 1))
            #expect(n == Multiplier(m: -(1 << 30), s: 30 - e), "−2^\(e)")
        }
    }

    @Test("m is normalized to [2^30, 2^31) and m · 2^−s is within 2^−31 relative of M")
    func normalizationAndError() throws {
        var rng = IntegerTestRandom(seed: 3)
        for _ in 0..<5000 {
            let real = rng.double(0.5...1) * Double(sign: .plus, exponent: rng.int(-31...29), significand: 1) * (rng.int(0...1) == 0 ? 1 : -1)
            let m = try Multiplier(encoding: real)
            #expect(((1 << 30)...((1 << 31) - 1)).contains(Int64(m.m).magnitude), "m of \(real)")
            #expect(abs(m.realValue - real) <= abs(real) * 0x1p-31, "error of \(real)")
            // s = 31 − e with |M| = f · 2^e, f ∈ [0.5, 1).
            #expect(m.s == 31 - (Int(real.magnitude.exponent) + 1) || m.s == 30 - Int(real.magnitude.exponent))
        }
    }

    @Test("a mantissa rounding up to 2^31 is halved with s − 1")
    func roundingToTwoPow31() throws {
        let real = 1 - 0x1p-40            // f · 2^31 rounds to 2^31
        let m = try Multiplier(encoding: real)
        #expect(m == Multiplier(m: 1 << 30, s: 30))
    }

    @Test("zero and factors below 2^−32 are (0, 0); 2^30 and beyond, NaN and ∞ are refused")
    func limits() throws {
        #expect(try Multiplier(encoding: 0) == .zero)
        #expect(try Multiplier(encoding: 0x1p-33) == .zero)
        #expect(try Multiplier(encoding: 0x1.8p-33) == .zero)
        #expect(try Multiplier(encoding: 0x1p-32).s == 62)
        #expect(try Multiplier(encoding: 0x1p29).s == 1)
        #expect(throws: QuantizationError.self) { try Multiplier(encoding: 0x1p30) }
        #expect(throws: QuantizationError.self) { try Multiplier(encoding: -0x1.fffffffffp29 * 2) }
        #expect(throws: QuantizationError.self) { try Multiplier(encoding: .nan) }
        #expect(throws: QuantizationError.self) { try Multiplier(encoding: .infinity) }
    }

    @Test("apply is RSH(v · m, s): 3 · 0.5 = 1.5 → 2, −3 · 0.5 = −1.5 → −1, 7 · (−0.25) = −1.75 → −2")
    func apply() throws {
        let half = try Multiplier(encoding: 0.5)
        #expect(half.apply(3) == 2)
        #expect(half.apply(-3) == -1)
        #expect(try Multiplier(encoding: -0.25).apply(7) == -2)
        #expect(try Multiplier(encoding: 3).apply(-5) == -15)
        #expect(Multiplier.identity.apply(-12345) == -12345)
    }

    @Test("linear combinations: P is the largest in [0, 40] with RoundHalfAway(max|M| · 2^P) < 2^31")
    func linearCombination() throws {
        let one = try LinearCombination(encoding: [1])
        #expect(one.precision == 30 && one.factors == [1 << 30])
        let mixed = try LinearCombination(encoding: [0.5, -0.25])
        #expect(mixed.precision == 31 && mixed.factors == [1 << 30, -(1 << 29)])
        let tiny = try LinearCombination(encoding: [1e-6, 3e-7])
        #expect(tiny.precision == 40)
        #expect(tiny.factors == [Int64((1e-6 * 0x1p40).rounded(.toNearestOrAwayFromZero)), Int64((3e-7 * 0x1p40).rounded(.toNearestOrAwayFromZero))])
        // 2^31 − 0.5 rounds to 2^31 at P = 0: refused; just below is accepted at P = 0.
        #expect(throws: QuantizationError.self) { try LinearCombination(encoding: [2_147_483_647.5]) }
        #expect(try LinearCombination(encoding: [2_147_483_647.4]).precision == 0)
        let big = try LinearCombination(encoding: [3.0, 1.0])
        #expect(big.precision == 29 && big.factors == [3 << 29, 1 << 29])
        // Every factor keeps |I| < 2^31 and P cannot be raised.
        var rng = IntegerTestRandom(seed: 4)
        for _ in 0..<1000 {
            let reals = (0..<3).map { _ in rng.double(-4...4) * Double(sign: .plus, exponent: rng.int(-20...10), significand: 1) }
            let c = try LinearCombination(encoding: reals)
            #expect(c.factors.allSatisfy { $0.magnitude < 1 << 31 })
            let largest = reals.map(\.magnitude).max()!
            if c.precision < 40 {
                #expect((largest * Double(sign: .plus, exponent: c.precision + 1, significand: 1)).rounded(.toNearestOrAwayFromZero) >= 0x1p31)
            }
        }
    }
}
