// Integer concat, pooling, reductions and resizing against the float executor's reference
// kernels (ONNX semantics) applied to the dequantized inputs, then quantized: the oracle for how
// windows, divisors, padding, ceil mode and coordinate transformations are read. Max pooling and
// nearest resizing copy integers (always equal); averages and bilinear interpolation are equal
// when their factors are powers of two (windows of 2×2, power-of-two scale ratios and 10-bit-exact
// interpolation weights), otherwise within 1.

import Foundation
import NpucGraph
import NpucOptimize
import Testing

@Suite("Integer concat, pooling, reductions and resize vs the float reference")
struct PoolingResizeOracleTests {
    @Test("concat along channels and along a spatial axis; equal domains are exact copies")
    func concat() throws {
        var rng = IntegerTestRandom(seed: 31)
        for axis in [1, 2, 3] {
            for exactCase in [true, false] {
                let domains = exactCase
                    ? [pow2Domain(exponent: -4, zeroPoint: 0), pow2Domain(exponent: -2, zeroPoint: 255), pow2Domain(exponent: -3, zeroPoint: 100)]
                    : [QuantDomain(bits: 8, scale: 0.011, zeroPoint: 3), QuantDomain(bits: 8, scale: 0.07, zeroPoint: 250), QuantDomain(bits: 8, scale: 0.03, zeroPoint: 100)]
                let out = domains[2]
                var shapes = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]
                for i in 0..<3 { shapes[i][axis] = i + 1 }
                let values = shapes.enumerated().map { randomQ($1.reduce(1, *), domains[$0], &rng) }
                let combinations = try domains.map { try LinearCombination(encoding: [$0.scale / out.scale]) }
                let reference = try floatReference(.concat(Concat(axis: axis)),
                                                   inputs: shapes.enumerated().map { ($1, dequantizedFloats(values[$0], domains[$0])) })[0]
                var outShape = shapes[0]
                outShape[axis] = 6
                let network = oneLayerNetwork(.concat(IntegerConcat(axis: axis, combinations: combinations)),
                                              inputs: (0..<3).map { ("x\($0)", shapes[$0], domains[$0]) }, output: (outShape, out))
                var feeds = [String: Tensor]()
                for i in 0..<3 { feeds["x\(i)"] = quantizedTensor(shapes[i], values[i], domains[i]) }
                let got = try runEveryWay(network, feeds)["y0"] ?? []
                expectClose(got, reference.map { oracleQuantize(Double($0), out) }, tolerance: exactCase ? 0 : 1, "concat axis \(axis) exact \(exactCase)")
                // The input already in the output domain is copied unchanged.
                let copied = allIndices(outShape).enumerated().filter { $0.element[axis] >= 3 }.map { got[$0.offset] }
                #expect(copied == values[2], "concat axis \(axis): the third input is not an exact copy")
            }
        }
    }

    @Test("concat of inputs large enough for the fast kernel's tables: 8- and 16-bit inputs, the same integers as the reference")
    func largeConcat() throws {
        var rng = IntegerTestRandom(seed: 34)
        let domains = [QuantDomain(bits: 8, scale: 0.011, zeroPoint: 3), QuantDomain(bits: 16, scale: 0.0007, zeroPoint: 30000),
                       QuantDomain(bits: 8, scale: 0.07, zeroPoint: 255), QuantDomain(bits: 8, scale: 0.03, zeroPoint: 100)]
        let out = domains[3]
        let shapes = [[2, 8, 16, 16], [2, 3, 16, 16], [2, 5, 16, 16], [2, 4, 16, 16]]
        let values = shapes.enumerated().map { randomQ($1.reduce(1, *), domains[$0], &rng) }
        let combinations = try domains.map { try LinearCombination(encoding: [$0.scale / out.scale]) }
        let network = oneLayerNetwork(.concat(IntegerConcat(axis: 1, combinations: combinations)),
                                      inputs: (0..<4).map { ("x\($0)", shapes[$0], domains[$0]) }, output: ([2, 20, 16, 16], out))
        var feeds = [String: Tensor]()
        for i in 0..<4 { feeds["x\(i)"] = quantizedTensor(shapes[i], values[i], domains[i]) }
        let got = try runEveryWay(network, feeds)["y0"] ?? []
        #expect(got.count == 2 * 20 * 16 * 16)
        // The input in the output's domain comes through unchanged (batch 1, channels 16..<20).
        let plane = 16 * 16, start: Int = (20 + 16) * plane
        let copied: [Int] = Array(got[start..<(start + 4 * plane)])
        let expected: [Int] = Array(values[3][(4 * plane)...])
        #expect(copied == expected)
    }

    static let poolings: [Pooling] = [
        Pooling(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], ceilMode: false, countIncludePad: false),
        Pooling(kernelShape: [3, 3], strides: [2, 2], dilations: [1, 1], padsBegin: [1, 0], padsEnd: [2, 1], ceilMode: false, countIncludePad: false),
        Pooling(kernelShape: [3, 3], strides: [2, 2], dilations: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], ceilMode: true, countIncludePad: true),
        Pooling(kernelShape: [3, 2], strides: [2, 3], dilations: [1, 1], padsBegin: [0, 1], padsEnd: [2, 1], ceilMode: true, countIncludePad: false),
        Pooling(kernelShape: [5, 5], strides: [1, 1], dilations: [1, 1], padsBegin: [2, 2], padsEnd: [2, 2], ceilMode: false, countIncludePad: false),
        Pooling(kernelShape: [2, 2], strides: [1, 2], dilations: [2, 2], padsBegin: [1, 0], padsEnd: [0, 1], ceilMode: false, countIncludePad: true),
        Pooling(kernelShape: [3], strides: [2], dilations: [1], padsBegin: [1], padsEnd: [2], ceilMode: true, countIncludePad: true),
    ]

    @Test("max pooling copies the largest integer of each window (padding ignored)", arguments: poolings)
    func maxPool(_ a: Pooling) throws {
        var rng = IntegerTestRandom(seed: 32)
        let d = pow2Domain(exponent: -4, zeroPoint: 77)
        let shape = a.kernelShape.count == 2 ? [2, 3, 7, 8] : [1, 3, 9]
        let x = randomQ(shape.reduce(1, *), d, &rng)
        let reference = try floatReference(.maxPool(a), inputs: [(shape, dequantizedFloats(x, d))])[0]
        let outShape = try a.inferOutputTypes([.float32(shape)])[0].shape
        let got = try runEveryWay(oneLayerNetwork(.maxPool(a), inputs: [("x", shape, d)], output: (outShape, d)), ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
        expectClose(got, reference.map { oracleQuantize(Double($0), d) }, tolerance: 0, "max pool \(a.kernelShape)")
    }

    @Test("average pooling: divisor per position (count_include_pad, ceil mode)", arguments: poolings)
    func averagePool(_ a: Pooling) throws {
        var rng = IntegerTestRandom(seed: 33)
        let d = pow2Domain(exponent: -4, zeroPoint: 200), od = pow2Domain(exponent: -5, zeroPoint: 60)
        let shape = a.kernelShape.count == 2 ? [2, 3, 7, 8] : [1, 3, 9]
        let x = randomQ(shape.reduce(1, *), d, &rng)
        let reference = try floatReference(.averagePool(a), inputs: [(shape, dequantizedFloats(x, d))])[0]
        let outShape = try a.inferOutputTypes([.float32(shape)])[0].shape
        let area = a.kernelShape.reduce(1, *)
        let divisors = try (1...area).map { try Multiplier(encoding: d.scale / (od.scale * Double($0))) }
        let op = IntegerAveragePool(attributes: a, divisors: divisors)
        let got = try runEveryWay(oneLayerNetwork(.averagePool(op), inputs: [("x", shape, d)], output: (outShape, od)),
                                  ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
        // Only 2×2 windows without padding have a power-of-two divisor everywhere.
        let exact = a.kernelShape == [2, 2] && a.padsBegin == [0, 0] && a.padsEnd == [0, 0]
        expectClose(got, reference.map { oracleQuantize(Double($0), od) }, tolerance: exact ? 0 : 1, "average pool \(a)")
    }

    @Test("global max and average pooling, reduce-mean over spatial axes and over channels")
    func globalAndReduce() throws {
        var rng = IntegerTestRandom(seed: 34)
        let d = pow2Domain(exponent: -4, zeroPoint: 30), od = pow2Domain(exponent: -6, zeroPoint: 128)
        let shape = [2, 3, 4, 8]
        let x = randomQ(192, d, &rng)
        let feeds = ["x": quantizedTensor(shape, x, d)]
        let floats = dequantizedFloats(x, d)
        let gmax = try runEveryWay(oneLayerNetwork(.globalMaxPool(GlobalPooling()), inputs: [("x", shape, d)], output: ([2, 3, 1, 1], d)), feeds)["y0"] ?? []
        let gmaxRef = try floatReference(.globalMaxPool(GlobalPooling()), inputs: [(shape, floats)])[0]
        expectClose(gmax, gmaxRef.map { oracleQuantize(Double($0), d) }, tolerance: 0, "global max pool")
        // 32 positions: a power-of-two divisor, exact.
        let gavg = IntegerGlobalAveragePool(multiplier: try Multiplier(encoding: d.scale / (od.scale * 32)))
        let gotAvg = try runEveryWay(oneLayerNetwork(.globalAveragePool(gavg), inputs: [("x", shape, d)], output: ([2, 3, 1, 1], od)), feeds)["y0"] ?? []
        let avgRef = try floatReference(.globalAveragePool(GlobalPooling()), inputs: [(shape, floats)])[0]
        expectClose(gotAvg, avgRef.map { oracleQuantize(Double($0), od) }, tolerance: 0, "global average pool")
        for (axes, keep, n) in [([2, 3], true, 32), ([1], false, 3), ([1, 3], true, 24)] {
            let r = Reduce(function: .mean, axes: axes, keepDims: keep)
            let outShape = try r.inferOutputTypes([.float32(shape)])[0].shape
            let op = IntegerReduceMean(axes: axes, keepDims: keep, multiplier: try Multiplier(encoding: d.scale / (od.scale * Double(n))))
            let got = try runEveryWay(oneLayerNetwork(.reduceMean(op), inputs: [("x", shape, d)], output: (outShape, od)), feeds)["y0"] ?? []
            let reference = try floatReference(.reduce(r), inputs: [(shape, floats)])[0]
            expectClose(got, reference.map { oracleQuantize(Double($0), od) }, tolerance: n == 32 ? 0 : 1, "reduce mean \(axes)")
        }
    }

    static func resize(_ mode: Resize.Mode, _ transform: Resize.CoordinateTransformation, _ nearest: Resize.NearestMode,
                       input: [Int], output: [Int]) -> Resize {
        Resize(mode: mode, coordinateTransformation: transform, nearestMode: nearest,
               scales: zip(input, output).map { Double($1) / Double($0) }, outputShape: output)
    }

    static let nearestCases: [Resize] = [
        resize(.nearest, .asymmetric, .floor, input: [1, 2, 3, 4], output: [1, 2, 6, 8]),
        resize(.nearest, .halfPixel, .roundPreferFloor, input: [1, 2, 3, 4], output: [1, 2, 7, 9]),
        resize(.nearest, .alignCorners, .roundPreferCeil, input: [1, 2, 5, 4], output: [1, 2, 3, 7]),
        resize(.nearest, .pytorchHalfPixel, .ceil, input: [1, 2, 6, 6], output: [1, 2, 4, 1]),
        resize(.nearest, .halfPixelSymmetric, .roundPreferFloor, input: [1, 2, 3, 5], output: [1, 2, 5, 12]),
        resize(.nearest, .halfPixel, .floor, input: [1, 2, 7], output: [1, 2, 3]),
    ]

    @Test("nearest resize copies the input position ONNX's formulas give", arguments: nearestCases)
    func resizeNearest(_ a: Resize) throws {
        var rng = IntegerTestRandom(seed: 35)
        let d = pow2Domain(exponent: -3, zeroPoint: 128)
        let shape = zip(a.outputShape, a.scales).map { Int((Double($0) / $1).rounded()) }
        let x = randomQ(shape.reduce(1, *), d, &rng)
        let reference = try floatReference(.resize(a), inputs: [(shape, dequantizedFloats(x, d))])[0]
        let got = try runEveryWay(oneLayerNetwork(.resizeNearest(a), inputs: [("x", shape, d)], output: (a.outputShape, d)),
                                  ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
        expectClose(got, reference.map { oracleQuantize(Double($0), d) }, tolerance: 0, "nearest \(a.coordinateTransformation) \(a.nearestMode)")
    }

    static let bilinearCases: [(Resize, Bool)] = [
        (resize(.linear, .halfPixel, .floor, input: [1, 2, 3, 4], output: [1, 2, 6, 8]), true),
        (resize(.linear, .asymmetric, .floor, input: [1, 2, 3, 4], output: [1, 2, 12, 8]), true),
        (resize(.linear, .alignCorners, .floor, input: [1, 2, 5, 3], output: [1, 2, 9, 5]), true),
        (resize(.linear, .pytorchHalfPixel, .floor, input: [1, 2, 8, 8], output: [1, 2, 4, 2]), true),
        (resize(.linear, .alignCorners, .floor, input: [1, 2, 4, 5], output: [1, 2, 7, 3]), false),
        (resize(.linear, .halfPixel, .floor, input: [1, 2, 3, 4], output: [1, 2, 5, 7]), false),
        (resize(.linear, .halfPixel, .floor, input: [1, 3, 5], output: [1, 3, 10]), true),
    ]

    @Test("bilinear resize: 10-bit weights, exact when the fractions are multiples of 2^−10", arguments: bilinearCases)
    func resizeBilinear(_ c: (Resize, Bool)) throws {
        let (a, exact) = c
        var rng = IntegerTestRandom(seed: 36)
        let d = pow2Domain(exponent: -3, zeroPoint: 128)
        let shape = zip(a.outputShape, a.scales).map { Int((Double($0) / $1).rounded()) }
        let x = randomQ(shape.reduce(1, *), d, &rng)
        let reference = try floatReference(.resize(a), inputs: [(shape, dequantizedFloats(x, d))])[0]
        for od in [d, pow2Domain(exponent: -5, zeroPoint: 10)] {
            let op = IntegerResizeBilinear(attributes: a, multiplier: try Multiplier(encoding: d.scale / (od.scale * 1_048_576)))
            let got = try runEveryWay(oneLayerNetwork(.resizeBilinear(op), inputs: [("x", shape, d)], output: (a.outputShape, od)),
                                      ["x": quantizedTensor(shape, x, d)])["y0"] ?? []
            expectClose(got, reference.map { oracleQuantize(Double($0), od) }, tolerance: exact ? 0 : 1,
                        "bilinear \(a.coordinateTransformation) \(shape) → \(a.outputShape) into \(od)")
        }
    }
}
