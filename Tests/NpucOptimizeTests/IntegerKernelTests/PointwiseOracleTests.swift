// Integer data movement (copies, so equal to the float reference), standalone activations (a
// table that IS the doc's quantize-f-of-dequantize, so equal everywhere), PReLU (exact for
// power-of-two slopes and scales) and softmax (never exact: its fixed-point exponentials and
// rounded reciprocal approximate the real ratio, so within 1).

import Foundation
import NpucGraph
import NpucOptimize
import Testing

@Suite("Integer data movement, activations, PReLU and softmax vs the float reference")
struct PointwiseOracleTests {
    static func checkMovement(_ op: Op, _ integer: IntegerOp, shape: [Int], domain: QuantDomain = pow2Domain(exponent: -4, zeroPoint: 99),
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        var rng = IntegerTestRandom(seed: 41)
        let x = randomQ(shape.reduce(1, *), domain, &rng)
        let references = try floatReference(op, inputs: [(shape, dequantizedFloats(x, domain))])
        let outShapes = try op.inferOutputTypes([.float32(shape)]).map(\.shape)
        let network = oneLayerNetwork(integer, inputs: [("x", shape, domain)], output: (outShapes[0], domain),
                                      extraOutputs: outShapes.dropFirst().map { ($0, domain) })
        let got = try runEveryWay(network, ["x": quantizedTensor(shape, x, domain)])
        for (i, reference) in references.enumerated() {
            expectClose(got["y\(i)"] ?? [], reference.map { oracleQuantize(Double($0), domain) }, tolerance: 0,
                        "\(integer.kind.rawValue) output \(i)", sourceLocation: sourceLocation)
        }
    }

    @Test("slice, split, reshape, transpose, depth-to-space, space-to-depth and pad copy integers")
    func dataMovement() throws {
        let s = Slice(starts: [0, 2, 1, 5], ends: [2, -1, 4, 0], steps: [1, -1, 2, -2])
        try Self.checkMovement(.slice(s), .slice(s), shape: [2, 3, 4, 6])
        let split = Split(axis: 1, sizes: [1, 3, 2])
        try Self.checkMovement(.split(split), .split(split), shape: [2, 6, 3, 2])
        let split3 = Split(axis: 3, sizes: [2, 2])
        try Self.checkMovement(.split(split3), .split(split3), shape: [1, 2, 3, 4])
        let reshape = Reshape(shape: [2, 12, 3])
        try Self.checkMovement(.reshape(reshape), .reshape(reshape), shape: [2, 3, 4, 3])
        for perm in [[0, 1, 3, 2], [0, 3, 1, 2], [3, 2, 1, 0]] {
            let t = Transpose(permutation: perm)
            try Self.checkMovement(.transpose(t), .transpose(t), shape: [2, 3, 4, 5])
        }
        for mode in [DepthToSpace.Mode.dcr, .crd] {
            let d2s = DepthToSpace(blockSize: 2, mode: mode)
            try Self.checkMovement(.depthToSpace(d2s), .depthToSpace(d2s), shape: [1, 8, 2, 3])
        }
        let s2d = SpaceToDepth(blockSize: 2)
        try Self.checkMovement(.spaceToDepth(s2d), .spaceToDepth(s2d), shape: [2, 3, 4, 6])
        let domain = pow2Domain(exponent: -4, zeroPoint: 99)
        for (mode, value) in [(Pad.Mode.constant, Float(1.5)), (.edge, 0), (.reflect, 0), (.constant, -7)] {
            let pad = Pad(mode: mode, padsBegin: [0, 1, 2, 3], padsEnd: [0, 0, 3, 1], value: value)
            let integer = IntegerPad(mode: mode, padsBegin: pad.padsBegin, padsEnd: pad.padsEnd, value: domain.quantize(Double(value)))
            try Self.checkMovement(.pad(pad), .pad(integer), shape: [1, 2, 4, 5], domain: domain)
        }
        let crop = Pad(mode: .constant, padsBegin: [0, 0, -1, 2], padsEnd: [0, 0, 1, -2], value: 0)
        try Self.checkMovement(.pad(crop), .pad(IntegerPad(mode: .constant, padsBegin: crop.padsBegin, padsEnd: crop.padsEnd, value: 99)), shape: [1, 2, 4, 5])
    }

    @Test("a standalone activation is the table over every input integer",
          arguments: [Activation(.silu), Activation(.sigmoid), Activation(.relu), Activation(.leakyRelu(alpha: 0.1)),
                      Activation(.hardSwish), Activation(.gelu(tanhApproximation: false)), Activation(.exp), Activation(.log)])
    func activation(_ f: Activation) throws {
        for (input, output) in [(QuantDomain(bits: 8, scale: 0.05, zeroPoint: 128), QuantDomain(bits: 8, scale: 0.03, zeroPoint: 40)),
                                (QuantDomain(bits: 16, scale: 0.0002, zeroPoint: 65535), QuantDomain(bits: 8, scale: 0.02, zeroPoint: 255)),
                                (QuantDomain(bits: 8, scale: 0.04, zeroPoint: 0), QuantDomain(bits: 16, scale: 0.0001, zeroPoint: 0))] {
            let count = input.maxQ + 1
            let shape = [1, 1, count / 256, 256]
            let x = Array(0...input.maxQ)
            let op = IntegerActivation(function: f.function, table: LookupTables.activationTable(f, input: input, output: output))
            let got = try runEveryWay(oneLayerNetwork(.activation(op), inputs: [("x", shape, input)], output: (shape, output)),
                                      ["x": quantizedTensor(shape, x, input)])["y0"] ?? []
            let expected = x.map { q -> Int in
                let y = f.applyDouble(input.dequantize(q))
                return min(max(output.zeroPoint + (y.isNaN ? 0 : roundHalfAwayClamped(y / output.scale)), 0), output.maxQ)
            }
            expectClose(got, expected, tolerance: 0, "\(f.function.name) from \(input) to \(output)")
        }
    }

    func roundHalfAwayClamped(_ x: Double) -> Int { x.isFinite ? Int(max(min(x, 1e9), -1e9).rounded(.toNearestOrAwayFromZero)) : (x > 0 ? 1 << 30 : -(1 << 30)) }

    @Test("PReLU with per-channel and shared slopes")
    func prelu() throws {
        var rng = IntegerTestRandom(seed: 42)
        let shape = [2, 4, 3, 5]
        for (slopes, exactCase) in [([0.25, -0.5, 0.125, 1.0], true), ([0.0625], true), ([0.1, -0.3, 0.77, 0.01], false)] {
            let d = exactCase ? pow2Domain(exponent: -4, zeroPoint: 180) : QuantDomain(bits: 8, scale: 0.033, zeroPoint: 180)
            let od = exactCase ? pow2Domain(exponent: -4, zeroPoint: 60) : QuantDomain(bits: 8, scale: 0.029, zeroPoint: 60)
            let x = randomQ(120, d, &rng)
            let c = try LinearCombination(encoding: [d.scale / od.scale] + slopes.map { d.scale * $0 / od.scale })
            let op = IntegerPRelu(precision: c.precision, positive: c.factors[0], negative: Array(c.factors.dropFirst()))
            let got = try runEveryWay(oneLayerNetwork(.prelu(op), inputs: [("x", shape, d)], output: (shape, od)), ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
            let expected = allIndices(shape).enumerated().map { i, index -> Int in
                let v = d.dequantize(x[i])
                return oracleQuantize(v >= 0 ? v : v * slopes[slopes.count == 1 ? 0 : index[1]], od)
            }
            expectClose(got, expected, tolerance: exactCase ? 0 : 1, "PReLU slopes \(slopes)")
        }
    }

    @Test("softmax along the channel axis and along the last axis, 8- and 16-bit", arguments: [1, 3])
    func softmax(_ axis: Int) throws {
        var rng = IntegerTestRandom(seed: 43)
        let shape = [2, 5, 3, 7]
        for (d, od) in [(QuantDomain(bits: 8, scale: 0.06, zeroPoint: 128), QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0)),
                        (QuantDomain(bits: 8, scale: 0.2, zeroPoint: 255), QuantDomain(bits: 8, scale: 1.0 / 200, zeroPoint: 30)),
                        (QuantDomain(bits: 16, scale: 0.0003, zeroPoint: 30000), QuantDomain(bits: 16, scale: 1.0 / 65535, zeroPoint: 0))] {
            let x = randomQ(210, d, &rng)
            let op = IntegerSoftmax(axis: axis, exponentials: LookupTables.softmaxExponentials(input: d, outputBits: od.bits),
                                    reciprocal: try LookupTables.softmaxReciprocal(output: od, layer: "softmax"))
            let got = try runEveryWay(oneLayerNetwork(.softmax(op), inputs: [("x", shape, d)], output: (shape, od)), ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
            let reference = try floatReference(.softmax(Softmax(axis: axis)), inputs: [(shape, x.map { Float(d.dequantize($0)) })])[0]
            // Recompute the reference in Double (the float executor rounds to Float).
            let outer = shape[..<axis].reduce(1, *), length = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
            var expected = [Int](repeating: 0, count: 210)
            for o in 0..<outer {
                for i in 0..<inner {
                    let idx = (0..<length).map { o * length * inner + $0 * inner + i }
                    let v = idx.map { d.dequantize(x[$0]) }
                    let top = v.max()!
                    let sum = v.reduce(0) { $0 + exp($1 - top) }
                    for (k, j) in idx.enumerated() { expected[j] = oracleQuantize(exp(v[k] - top) / sum, od) }
                }
            }
            expectClose(got, expected, tolerance: 1, "softmax axis \(axis) \(d) → \(od)")
            expectClose(got, reference.map { oracleQuantize(Double($0), od) }, tolerance: 1, "softmax vs the float executor")
        }
    }
}
