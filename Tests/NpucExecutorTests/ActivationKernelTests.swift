// Vectorized activations (NpucKernels) against the float definitions in NpucGraph
// (`Activation.apply`, computed in Double): exact for ReLU, leaky ReLU and clip; within the
// stated ulp bound for sigmoid and SiLU over a dense sweep and at the special values.

import NpucExecutor
import NpucGraph
import NpucKernels
import Testing

@Suite("Vectorized activations vs their float definitions")
struct ActivationKernelTests {
    /// Every float in [-100, 100] on a fine grid, plus special values and a random sample.
    static let sweep: [Float] = {
        var values: [Float] = stride(from: Float(-100), through: 100, by: 0.001).map { $0 }
        values += [0, -0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                   .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 88.7, -88.7, 87.3, -87.3, 1e-20, -1e-20]
        var rng = SeededRandom(seed: 7)
        values += rng.floats(100_000, in: -20...20)
        return values
    }()

    static func vectorized(_ f: PointwiseFunction, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { i in
            y.withUnsafeMutableBufferPointer { o in
                ActivationKernels.apply(f, input: i.baseAddress!, output: o.baseAddress!, count: x.count)
            }
        }
        return y
    }

    @Test("ReLU, leaky ReLU and clip are bit-identical (NaN and signed zeros included)")
    func exactFunctions() {
        let x = Self.sweep
        for (function, pointwise) in [(Activation.Function.relu, PointwiseFunction.relu),
                                      (.leakyRelu(alpha: 0.01), .leakyRelu(alpha: 0.01)),
                                      (.leakyRelu(alpha: 3.3), .leakyRelu(alpha: 3.3)),
                                      (.clip(min: 0, max: 6), .clip(min: 0, max: 6)),
                                      (.clip(min: -1.5, max: 2.25), .clip(min: -1.5, max: 2.25))] {
            let expected = x.map { Activation(function).apply($0) }
            let got = Self.vectorized(pointwise, x)
            #expect(bitIdentical(got, expected), "\(function): \(firstDifference(got, expected))")
        }
    }

    @Test("sigmoid and SiLU are within 4 ulp (or 1e-35 absolute for the tiny results of x < −80)")
    func transcendentalFunctions() {
        let x = Self.sweep
        for (function, pointwise, bound) in [(Activation.Function.sigmoid, PointwiseFunction.sigmoid, 4),
                                             (.silu, .silu, 4)] {
            let expected = x.map { Activation(function).apply($0) }
            let got = Self.vectorized(pointwise, x)
            var worst = 0
            var worstAt: Float = 0
            for i in x.indices {
                let e = expected[i], g = got[i]
                if e.isNaN || g.isNaN {
                    #expect(e.isNaN && g.isNaN, "\(function)(\(x[i])) = \(g), expected \(e)")
                    continue
                }
                // For x < −80 results are below 1e-33 (sigmoid even subnormal); there the
                // accuracy is absolute.
                if abs(g - e) <= 1e-35 { continue }
                let d = ulpDistance(g, e)
                if d > worst { worst = d; worstAt = x[i] }
            }
            print("vectorized \(function): worst \(worst) ulp at x = \(worstAt)")
            #expect(worst <= bound, "\(function): \(worst) ulp at x = \(worstAt)")
        }
    }

    @Test("tails shorter than 8 lanes are computed like full vectors")
    func tails() {
        for count in 1...17 {
            let x = (0..<count).map { Float($0) * 0.37 - 2 }
            let all = Self.vectorized(.silu, x + [Float](repeating: 1, count: 8))
            #expect(Self.vectorized(.silu, x) == Array(all.prefix(count)))
        }
    }
}
