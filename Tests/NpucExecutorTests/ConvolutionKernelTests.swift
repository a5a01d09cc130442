// The fast convolution (NpucKernels) against the reference convolution on random geometries
// with fixed seeds, and on chosen ones that reach each of its paths (1×1 convolutions reading the
// input directly, partial output-channel blocks, several bands and tile groups, long channel
// sums): bit-identical outputs, with and without a fused activation.

import NpucExecutor
import NpucGraph
import NpucKernels
import Testing

struct RandomConvolution {
    var op: Convolution
    var inputShape: [Int], weightShape: [Int], outputShape: [Int]
    var input: [Float], weights: [Float], bias: [Float]?

    init(seed: UInt64, depthwise: Bool = false, spatialRank: Int = 2) {
        var rng = SeededRandom(seed: seed)
        while true {
            let batch = rng.int(1...2)
            let groups = depthwise ? rng.int(1...6) : (rng.int(0...3) == 0 ? rng.int(2...3) : 1)
            let channelsPerGroup = depthwise ? 1 : rng.int(1...7)
            let outputsPerGroup = depthwise ? rng.int(1...2) : rng.int(1...14)
            let kernel = (0..<spatialRank).map { _ in rng.int(1...5) }
            let strides = (0..<spatialRank).map { _ in rng.int(1...3) }
            let dilations = (0..<spatialRank).map { _ in rng.int(1...2) }
            let padsBegin = (0..<spatialRank).map { _ in rng.int(0...2) }
            let padsEnd = (0..<spatialRank).map { _ in rng.int(0...2) }
            let spatial = (0..<spatialRank).map { _ in rng.int(1...14) }
            op = Convolution(kernelShape: kernel, strides: strides, dilations: dilations, padsBegin: padsBegin,
                             padsEnd: padsEnd, group: groups)
            inputShape = [batch, groups * channelsPerGroup] + spatial
            weightShape = [groups * outputsPerGroup, channelsPerGroup] + kernel
            let hasBias = rng.bool()
            var types = [TensorType.float32(inputShape), .float32(weightShape)]
            if hasBias { types.append(.float32([groups * outputsPerGroup])) }
            guard let out = try? op.inferOutputTypes(types) else { continue }
            outputShape = out[0].shape
            input = rng.floats(inputShape.reduce(1, *), in: -2...2)
            weights = rng.floats(weightShape.reduce(1, *))
            bias = hasBias ? rng.floats(groups * outputsPerGroup) : nil
            return
        }
    }

    /// A convolution of the given geometry (square kernel, stride and padding) with random data.
    init(seed: UInt64, batch: Int, channels c: Int, height: Int, width: Int, outputs m: Int, kernel k: Int, stride: Int,
         pad: Int, groups: Int = 1) {
        var rng = SeededRandom(seed: seed)
        op = Convolution(kernelShape: [k, k], strides: [stride, stride], dilations: [1, 1], padsBegin: [pad, pad],
                         padsEnd: [pad, pad], group: groups)
        inputShape = [batch, c, height, width]
        weightShape = [m, c / groups, k, k]
        outputShape = try! op.inferOutputTypes([.float32(inputShape), .float32(weightShape)])[0].shape
        input = rng.floats(inputShape.reduce(1, *), in: -3...3)
        weights = rng.floats(weightShape.reduce(1, *), in: -0.5...0.5)
        bias = rng.floats(m)
    }

    var reference: [Float] {
        var inputs = [(input, inputShape), (weights, weightShape)]
        if let bias { inputs.append((bias, [bias.count])) }
        return withViews(inputs, outputShape: outputShape) { v, y in
            ReferenceKernels.convolution(op, x: v[0], w: v[1], b: v.count > 2 ? v[2] : nil, y: y)
        }
    }

    func fast(_ activation: PointwiseFunction = .identity) -> [Float] {
        let two = op.spatialRank == 2
        let g = Conv2DGeometry(
            batch: inputShape[0], inputChannels: inputShape[1], inputHeight: two ? inputShape[2] : 1,
            inputWidth: inputShape.last!, outputChannels: outputShape[1], outputHeight: two ? outputShape[2] : 1,
            outputWidth: outputShape.last!, kernelHeight: two ? op.kernelShape[0] : 1, kernelWidth: op.kernelShape.last!,
            strideY: two ? op.strides[0] : 1, strideX: op.strides.last!, dilationY: two ? op.dilations[0] : 1,
            dilationX: op.dilations.last!, padTop: two ? op.padsBegin[0] : 0, padLeft: op.padsBegin.last!,
            padBottom: two ? op.padsEnd[0] : 0, padRight: op.padsEnd.last!, groups: op.group)
        let packed = weights.withUnsafeBufferPointer { w in
            if let bias {
                return bias.withUnsafeBufferPointer { PackedConvolution2D(geometry: g, weights: w.baseAddress!, bias: $0.baseAddress!) }
            }
            return PackedConvolution2D(geometry: g, weights: w.baseAddress!, bias: nil)
        }
        let padded = input
        var scratch = [Float](repeating: .nan, count: max(packed.scratchCount, 1))
        var output = [Float](repeating: .nan, count: outputShape.reduce(1, *))
        padded.withUnsafeBufferPointer { x in
            scratch.withUnsafeMutableBufferPointer { s in
                output.withUnsafeMutableBufferPointer { y in
                    packed.run(input: x.baseAddress!, output: y.baseAddress!, scratch: s.baseAddress!, activation: activation)
                }
            }
        }
        return output
    }
}

@Suite("Fast convolution vs reference")
struct ConvolutionKernelTests {
    @Test("2-D dense and grouped convolutions are bit-identical", arguments: 0..<60)
    func dense2D(seed: Int) {
        let c = RandomConvolution(seed: UInt64(seed) &+ 1000)
        let (fast, reference) = (c.fast(), c.reference)
        #expect(bitIdentical(fast, reference), "seed \(seed) \(c.op) x \(c.inputShape) w \(c.weightShape): \(firstDifference(fast, reference))")
    }

    @Test("depthwise convolutions are bit-identical", arguments: 0..<30)
    func depthwise(seed: Int) {
        let c = RandomConvolution(seed: UInt64(seed) &+ 2000, depthwise: true)
        let (fast, reference) = (c.fast(), c.reference)
        #expect(bitIdentical(fast, reference), "seed \(seed) \(c.op) x \(c.inputShape) w \(c.weightShape): \(firstDifference(fast, reference))")
    }

    @Test("1-D convolutions are bit-identical", arguments: 0..<20)
    func oneDimensional(seed: Int) {
        let c = RandomConvolution(seed: UInt64(seed) &+ 3000, spatialRank: 1)
        let (fast, reference) = (c.fast(), c.reference)
        #expect(bitIdentical(fast, reference), "seed \(seed) \(c.op) x \(c.inputShape): \(firstDifference(fast, reference))")
    }

    @Test("YOLO-sized layers (3×3 s1/s2, 1×1, many channels) are bit-identical",
          arguments: [(16, 20, 24, 3, 1, 1), (8, 33, 32, 3, 2, 1), (40, 9, 17, 1, 1, 0), (3, 41, 16, 3, 2, 1), (64, 7, 13, 3, 1, 1)])
    func yoloShapes(c: Int, size: Int, m: Int, k: Int, s: Int, p: Int) {
        var rng = SeededRandom(seed: UInt64(c * 1000 + size))
        let op = Convolution(kernelShape: [k, k], strides: [s, s], dilations: [1, 1], padsBegin: [p, p], padsEnd: [p, p], group: 1)
        var conv = RandomConvolution(seed: 1)
        conv.op = op
        conv.inputShape = [1, c, size, size]
        conv.weightShape = [m, c, k, k]
        conv.outputShape = try! op.inferOutputTypes([.float32(conv.inputShape), .float32(conv.weightShape)])[0].shape
        conv.input = rng.floats(c * size * size, in: -3...3)
        conv.weights = rng.floats(m * c * k * k, in: -0.5...0.5)
        conv.bias = rng.floats(m)
        let (fast, reference) = (conv.fast(), conv.reference)
        #expect(bitIdentical(fast, reference), "\(firstDifference(fast, reference))")
    }

    @Test("fused ReLU, leaky ReLU and clip equal the reference activation applied afterwards, bit for bit", arguments: 0..<8)
    func fusedExactActivations(seed: Int) {
        let c = RandomConvolution(seed: UInt64(seed) &+ 4000)
        let reference = c.reference
        for (function, pointwise) in [(Activation.Function.relu, PointwiseFunction.relu),
                                      (.leakyRelu(alpha: 0.1), .leakyRelu(alpha: 0.1)),
                                      (.clip(min: -0.5, max: 0.75), .clip(min: -0.5, max: 0.75))] {
            let expected = reference.map { Activation(function).apply($0) }
            let fused = c.fast(pointwise)
            #expect(bitIdentical(fused, expected), "\(function): \(firstDifference(fused, expected))")
        }
    }

    @Test("fused SiLU and sigmoid are within 4 ulp of the reference activation", arguments: 0..<8)
    func fusedTranscendentalActivations(seed: Int) {
        let c = RandomConvolution(seed: UInt64(seed) &+ 5000)
        let reference = c.reference
        for (function, pointwise) in [(Activation.Function.silu, PointwiseFunction.silu), (.sigmoid, .sigmoid)] {
            let expected = reference.map { Activation(function).apply($0) }
            let fused = c.fast(pointwise)
            let worst = zip(fused, expected).map { ulpDistance($0, $1) }.max() ?? 0
            #expect(worst <= 4, "\(function): worst \(worst) ulp")
        }
    }

    @Test("1×1 stride-1 convolutions (input read in place) are bit-identical: planes ending mid-tile, groups, batch 2",
          arguments: [(1, 5, 7, 9, 13, 1), (2, 6, 3, 5, 4, 2), (1, 32, 11, 13, 7, 1), (2, 9, 1, 17, 6, 3), (1, 64, 45, 47, 20, 1)])
    func pointwise(batch: Int, c: Int, h: Int, w: Int, m: Int, groups: Int) {
        let conv = RandomConvolution(seed: UInt64(c * 100 + h), batch: batch, channels: c, height: h, width: w, outputs: m,
                                     kernel: 1, stride: 1, pad: 0, groups: groups)
        let (fast, reference) = (conv.fast(), conv.reference)
        #expect(bitIdentical(fast, reference), "\(conv.inputShape) → \(conv.outputShape): \(firstDifference(fast, reference))")
    }

    @Test("every output-channel count 1...13 (blocks of 6 with a last block of 1-5) with a fused ReLU is bit-identical",
          arguments: 1...13)
    func partialBlocks(outputs m: Int) {
        for (k, stride, pad) in [(3, 2, 1), (1, 1, 0), (3, 1, 1)] {
            let conv = RandomConvolution(seed: UInt64(m), batch: 1, channels: 3, height: 17, width: 23, outputs: m,
                                         kernel: k, stride: stride, pad: pad)
            let expected = conv.reference.map { Activation(.relu).apply($0) }
            let fused = conv.fast(.relu)
            #expect(bitIdentical(fused, expected), "\(k)×\(k) s\(stride), \(m) outputs: \(firstDifference(fused, expected))")
        }
    }

    @Test("wide maps (several bands and tile groups, tiles across row ends) and long channel sums are bit-identical",
          arguments: [(24, 41, 53, 20, 3, 2, 1, 1), (16, 37, 61, 12, 3, 1, 1, 2), (10, 64, 19, 9, 5, 2, 2, 1),
                      (100, 9, 9, 7, 3, 1, 1, 1), (300, 5, 6, 8, 1, 1, 0, 1)])
    func wideAndDeep(c: Int, h: Int, w: Int, m: Int, k: Int, stride: Int, pad: Int, groups: Int) {
        let conv = RandomConvolution(seed: UInt64(c + h + w), batch: 1, channels: c, height: h, width: w, outputs: m,
                                     kernel: k, stride: stride, pad: pad, groups: groups)
        let (fast, reference) = (conv.fast(), conv.reference)
        #expect(bitIdentical(fast, reference), "\(conv.op) \(conv.inputShape) → \(conv.outputShape): \(firstDifference(fast, reference))")
    }
}
