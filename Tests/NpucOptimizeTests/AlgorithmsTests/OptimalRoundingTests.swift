// Data-driven weight rounding: the factor of H⁻¹ it uses, that it falls back to plain rounding
// when the inputs are uncorrelated, that it lowers the output error on correlated inputs, and that
// the input statistics (Gram matrices of convolution patches) equal a direct computation.

import Foundation
import NpucGraph
@testable import NpucOptimize
import Testing

@Suite("Data-driven weight rounding")
struct OptimalRoundingTests {
    /// X: `count` input vectors of `k` columns with strongly correlated columns (a few factors
    /// plus a little noise), column-major by vector: x[p * k + i].
    static func correlatedInputs(_ k: Int, count: Int, seed: UInt64) -> [Double] {
        var random = PrepRandom(seed: seed)
        let factors = 3
        let loadings = random.gaussian(k * factors).map(Double.init)
        var x = [Double](repeating: 0, count: count * k)
        for p in 0..<count {
            let f = random.gaussian(factors).map(Double.init)
            let noise = random.gaussian(k, std: 0.05).map(Double.init)
            for i in 0..<k {
                var v = noise[i]
                for j in 0..<factors { v += loadings[i * factors + j] * f[j] }
                x[p * k + i] = v
            }
        }
        return x
    }

    static func gram(_ x: [Double], k: Int) -> [Double] {
        let count = x.count / k
        var h = [Double](repeating: 0, count: k * k)
        for p in 0..<count { for i in 0..<k { for j in 0..<k { h[i * k + j] += x[p * k + i] * x[p * k + j] } } }
        return h
    }

    static func nearest(_ w: [Double], rows: Int, k: Int, scales: [Double], qmax: Double) -> [Int32] {
        (0..<(rows * k)).map { i in Int32(min(max((w[i] / scales[i / k]).rounded(.toNearestOrAwayFromZero), -qmax), qmax)) }
    }

    /// Σ over inputs and rows of ((Ŵ − W) x)².
    static func outputError(_ q: [Int32], _ w: [Double], rows: Int, k: Int, scales: [Double], x: [Double]) -> Double {
        var total = 0.0
        for p in 0..<(x.count / k) {
            for r in 0..<rows {
                var e = 0.0
                for i in 0..<k { e += (Double(q[r * k + i]) * scales[r] - w[r * k + i]) * x[p * k + i] }
                total += e * e
            }
        }
        return total
    }

    @Test("the factor U satisfies Uᵀ U H = I and is upper triangular")
    func inverseFactor() throws {
        let k = 9
        let h = Self.gram(Self.correlatedInputs(k, count: 40, seed: 5), k: k)
        var damped = h
        for i in 0..<k { damped[i * k + i] += 0.1 }
        let u = try #require(OptimalRounding.inverseUpperFactor(damped, k))
        for a in 0..<k { for b in 0..<a { #expect(u[a * k + b] == 0) } }
        for i in 0..<k {
            for j in 0..<k {
                // (Uᵀ U H)[i][j]
                var v = 0.0
                for t in 0..<k {
                    var utu = 0.0
                    for s in 0..<k { utu += u[s * k + i] * u[s * k + t] }
                    v += utu * damped[t * k + j]
                }
                #expect(abs(v - (i == j ? 1 : 0)) < 1e-8, "entry (\(i), \(j)) = \(v)")
            }
        }
    }

    @Test("a matrix that is not positive definite is refused, not factored")
    func notPositiveDefinite() {
        #expect(OptimalRounding.inverseUpperFactor([1, 2, 2, 1], 2) == nil)
    }

    @Test("uncorrelated inputs (diagonal H): the integers are plain rounding")
    func diagonalGramIsNearest() throws {
        var random = PrepRandom(seed: 11)
        let rows = 5, k = 12
        let w = random.gaussian(rows * k).map(Double.init)
        let scales = (0..<rows).map { r in (w[(r * k)..<((r + 1) * k)].map(abs).max() ?? 1) / 127 }
        var h = [Double](repeating: 0, count: k * k)
        for i in 0..<k { h[i * k + i] = Double(i + 1) }
        let q = try #require(OptimalRounding.round(weights: w, rows: rows, columns: k, scales: scales, maxMagnitude: 127, gram: h))
        #expect(q.integers == Self.nearest(w, rows: rows, k: k, scales: scales, qmax: 127))
    }

    @Test("correlated inputs: the output error is well below plain rounding's, at 8 and 4 bits", arguments: [(127, 8), (7, 4)])
    func lowersOutputError(_ qmax: Int32, bits: Int) throws {
        var random = PrepRandom(seed: 23)
        let rows = 8, k = 27
        let w = random.gaussian(rows * k).map(Double.init)
        let scales = (0..<rows).map { r in (w[(r * k)..<((r + 1) * k)].map(abs).max() ?? 1) / Double(qmax) }
        let calibration = Self.correlatedInputs(k, count: 400, seed: 31)
        let q = try #require(OptimalRounding.round(weights: w, rows: rows, columns: k, scales: scales, maxMagnitude: qmax,
                                                   gram: Self.gram(calibration, k: k))).integers
        #expect(q.allSatisfy { abs($0) <= qmax })
        let plain = Self.nearest(w, rows: rows, k: k, scales: scales, qmax: Double(qmax))
        let rounded = Self.outputError(q, w, rows: rows, k: k, scales: scales, x: calibration)
        let baseline = Self.outputError(plain, w, rows: rows, k: k, scales: scales, x: calibration)
        #expect(rounded < 0.5 * baseline, "\(bits)-bit: data-driven \(rounded) vs plain \(baseline)")
    }

    @Test("a free bias column absorbs what rounding leaves: the error with the solved bias is below plain rounding's")
    func freeBiasColumn() throws {
        var random = PrepRandom(seed: 41)
        let rows = 6, inputs = 15, k = inputs + 1
        var x = Self.correlatedInputs(inputs, count: 300, seed: 43)
        // Append the constant input of the bias to every vector, and shift the inputs off zero.
        x = (0..<300).flatMap { p in x[(p * inputs)..<((p + 1) * inputs)].map { $0 + 2 } + [1] }
        var w = [Double]()
        for _ in 0..<rows { w += random.gaussian(inputs).map(Double.init) + [0.5] }
        let scales = (0..<rows).map { r in (w[(r * k)..<(r * k + inputs)].map(abs).max() ?? 1) / 7 }
        let solution = try #require(OptimalRounding.round(weights: w, rows: rows, columns: k, freeColumns: 1, scales: scales,
                                                          maxMagnitude: 7, gram: Self.gram(x, k: k)))
        #expect(solution.integers.count == rows * inputs && solution.free.count == rows)
        func error(_ integers: [Int32], bias: (Int) -> Double) -> Double {
            var total = 0.0
            for p in 0..<300 {
                for r in 0..<rows {
                    var e = bias(r) - w[r * k + inputs]
                    for i in 0..<inputs { e += (Double(integers[r * inputs + i]) * scales[r] - w[r * k + i]) * x[p * k + i] }
                    total += e * e
                }
            }
            return total
        }
        let plain = (0..<(rows * inputs)).map { i in
            Int32(min(max((w[(i / inputs) * k + i % inputs] / scales[i / inputs]).rounded(.toNearestOrAwayFromZero), -7), 7))
        }
        let solved = error(solution.integers) { solution.free[$0] }
        let baseline = error(plain) { w[$0 * k + inputs] }
        #expect(solved < 0.5 * baseline, "solved \(solved) vs plain \(baseline)")
    }

    @Test("Gram products of padded rows equal the direct sums, for sizes that leave partial tiles", arguments: [1, 4, 7, 9])
    func gramProducts(_ k: Int) {
        var random = PrepRandom(seed: UInt64(k))
        let n = 12
        let rows = random.uniform(k * n)
        var h = [Double](repeating: 0.5, count: k * k)
        rows.withUnsafeBufferPointer { r in
            h.withUnsafeMutableBufferPointer { LayerInputGram.addProducts(r.baseAddress!, columns: k, length: n, into: $0.baseAddress!) }
        }
        for i in 0..<k {
            for j in 0..<k {
                var direct = Float(0)
                for t in 0..<n { direct += rows[i * n + t] * rows[j * n + t] }
                #expect(abs(h[i * k + j] - 0.5 - Double(direct)) <= 1e-5 * max(1, abs(Double(direct))), "(\(i), \(j))")
            }
        }
    }

    @Test("convolution patches (stride 2, padding, two groups) give H = Σ x xᵀ of the explicit receptive fields")
    func convolutionPatches() throws {
        var random = PrepRandom(seed: 3)
        let c = 4, height = 5, width = 6
        let input = Tensor(shape: [1, c, height, width], float32: random.uniform(c * height * width))
        let geometry = LayerInputGram.Geometry(groups: 2, channelsPerGroup: 2, kernel: (3, 3), stride: (2, 2), dilation: (1, 1),
                                               padBegin: (1, 1), dense: false)
        let outH = 3, outW = 3
        let gram = LayerInputGram(geometry: geometry, patchesPerSample: 1000)
        gram.gather(input, outputSize: (outH, outW), sample: 0)
        gram.accumulate()
        #expect(gram.patchCount == outH * outW)
        let x = input.floats
        for group in 0..<2 {
            let k = geometry.columns
            var expected = [Double](repeating: 0, count: k * k)
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var patch = [Double](repeating: 0, count: k)
                    patch[k - 1] = 1
                    for cl in 0..<2 {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                patch[cl * 9 + ky * 3 + kx] = Double(x[((group * 2 + cl) * height + iy) * width + ix])
                            }
                        }
                    }
                    for i in 0..<k { for j in 0..<k { expected[i * k + j] += patch[i] * patch[j] } }
                }
            }
            for i in 0..<(k * k) { #expect(abs(gram.grams[group][i] - expected[i]) < 1e-5, "group \(group) entry \(i)") }
        }
    }

    @Test("a sample with more positions than the budget contributes exactly the budget, at distinct positions")
    func patchBudget() {
        let input = Tensor(shape: [1, 1, 40, 40], float32: (0..<1600).map { Float($0) })
        let geometry = LayerInputGram.Geometry(groups: 1, channelsPerGroup: 1, kernel: (1, 1), stride: (1, 1), dilation: (1, 1),
                                               padBegin: (0, 0), dense: false)
        let gram = LayerInputGram(geometry: geometry, patchesPerSample: 100)
        gram.gather(input, outputSize: (40, 40), sample: 2)
        gram.accumulate()
        #expect(gram.patchCount == 100)
        // The bias column: one per patch.
        #expect(gram.grams[0][3] == 100)
        // Σ x² over 100 distinct positions of 0…1599 lies strictly between the smallest and largest possible sums.
        let smallest = (0..<100).reduce(0.0) { $0 + Double($1 * $1) }
        let largest = (1500..<1600).reduce(0.0) { $0 + Double($1 * $1) }
        #expect(gram.grams[0][0] > smallest && gram.grams[0][0] < largest)
    }
}
