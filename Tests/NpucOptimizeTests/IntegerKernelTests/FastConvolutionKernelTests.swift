// FastConvolution's paths against ReferenceKernels.convolution, bit for bit: the register-blocked
// IntegerConvolutionKernel (with the ISA's pair multiply-add and with its portable twin) and
// FastConvolution's own loops. Compared on the raw Int32 accumulators (an identity epilogue, so a
// clamp cannot hide a wrong sum) over many small shapes — odd widths (tails), channel counts that
// are not multiples of the pair or the block of four, groups, depthwise, strides, dilations,
// asymmetric padding, zero points 0 and 255, weights −128 and ±127/128, 1-D — and through real
// epilogues in the emulator.

import NpucGraph
import NpucKernels
@testable import NpucOptimize
import Testing

/// One convolution to check; the values are drawn from `seed`.
struct KernelShape: CustomStringConvertible, Sendable {
    var name: String
    var batch = 1
    var inChannels = 4
    var outChannels = 4
    var group = 1
    var spatial = [5, 19]
    var kernel = [3, 3]
    var strides = [1, 1]
    var dilations = [1, 1]
    var padsBegin = [1, 1]
    var padsEnd = [1, 1]
    var zeroPoint = 128
    /// Weights are drawn from these values (first ones forced in, so each extreme occurs).
    var weightValues = Array(-127...127)
    var biasRange = -5000...5000
    var seed: UInt64 = 1

    var description: String { name }
}

@Suite("Fast integer convolution kernels vs the reference convolution")
struct FastConvolutionKernelTests {
    /// Extremes first: the weights every case contains.
    static let extremeWeights = [-128, 128, 127, -127, 0, 1, -1] + Array(-126...126)

    static let shapes: [KernelShape] = [
        KernelShape(name: "3×3, 5 channels (two pairs and a lone channel), 6 outputs (a block of four and a partial one), width 19",
              inChannels: 5, outChannels: 6, spatial: [7, 19], kernel: [3, 3], padsBegin: [1, 1], padsEnd: [1, 1], seed: 1),
        KernelShape(name: "1×1, 7 channels, 9 outputs, width 37 (two 16-position tiles and a tail of 5)",
              inChannels: 7, outChannels: 9, spatial: [4, 37], kernel: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], seed: 2),
        KernelShape(name: "1×1, 1 input channel, 1 output, width 1", inChannels: 1, outChannels: 1, spatial: [3, 1], kernel: [1, 1],
              padsBegin: [0, 0], padsEnd: [0, 0], seed: 3),
        KernelShape(name: "3×3, 16 → 16, width 48 (whole tiles only)", inChannels: 16, outChannels: 16, spatial: [4, 48], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], seed: 4),
        KernelShape(name: "3×3, 2 → 3, width 8 (one tile of exactly eight)", inChannels: 2, outChannels: 3, spatial: [3, 8], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], seed: 5),
        KernelShape(name: "3×3, width 9 (one position past a vector)", inChannels: 3, outChannels: 5, spatial: [3, 9], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], seed: 6),
        KernelShape(name: "stride 2, 3×3, padding 1, width 21", inChannels: 4, outChannels: 5, spatial: [9, 21], kernel: [3, 3],
              strides: [2, 2], padsBegin: [1, 1], padsEnd: [1, 1], seed: 7),
        KernelShape(name: "stride (2, 3), dilation (2, 1), 3×2", inChannels: 6, outChannels: 7, spatial: [11, 23], kernel: [3, 2],
              strides: [2, 3], dilations: [2, 1], padsBegin: [2, 0], padsEnd: [1, 2], seed: 8),
        KernelShape(name: "dilation 2, 3×3, padding 2", inChannels: 3, outChannels: 4, spatial: [8, 17], kernel: [3, 3],
              dilations: [2, 2], padsBegin: [2, 2], padsEnd: [2, 2], seed: 9),
        KernelShape(name: "asymmetric padding (0, 3) before, (3, 1) after, 2×4", inChannels: 5, outChannels: 5, spatial: [6, 13], kernel: [2, 4],
              padsBegin: [0, 3], padsEnd: [3, 1], seed: 10),
        KernelShape(name: "2×2 stride 2 without padding (odd width 15 drops a column)", inChannels: 8, outChannels: 12, spatial: [8, 15],
              kernel: [2, 2], strides: [2, 2], padsBegin: [0, 0], padsEnd: [0, 0], seed: 11),
        KernelShape(name: "kernel wider than the input, reached through padding", inChannels: 2, outChannels: 4, spatial: [2, 3], kernel: [3, 5],
              padsBegin: [1, 2], padsEnd: [1, 2], seed: 12),
        KernelShape(name: "groups 2: 3 channels and 5 outputs per group", inChannels: 6, outChannels: 10, group: 2, spatial: [5, 18],
              kernel: [3, 3], padsBegin: [1, 1], padsEnd: [1, 1], seed: 13),
        KernelShape(name: "groups 3: 2 channels and 3 outputs per group, stride 2", inChannels: 6, outChannels: 9, group: 3, spatial: [7, 25],
              kernel: [3, 3], strides: [2, 2], padsBegin: [1, 1], padsEnd: [0, 1], seed: 14),
        KernelShape(name: "groups 4: 4 channels and 8 outputs per group, 1×1", inChannels: 16, outChannels: 32, group: 4, spatial: [3, 20],
              kernel: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], seed: 15),
        KernelShape(name: "depthwise 3×3, width 45 (a 32-position tile, a vector and a tail)", inChannels: 6, outChannels: 6, group: 6,
              spatial: [5, 45], kernel: [3, 3], padsBegin: [1, 1], padsEnd: [1, 1], seed: 16),
        KernelShape(name: "depthwise with multiplier 2", inChannels: 3, outChannels: 6, group: 3, spatial: [6, 33], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], seed: 17),
        KernelShape(name: "depthwise 5×5, stride 2, dilation 2, asymmetric padding", inChannels: 5, outChannels: 5, group: 5, spatial: [15, 37],
              kernel: [5, 5], strides: [2, 2], dilations: [2, 2], padsBegin: [4, 3], padsEnd: [2, 4], seed: 18),
        KernelShape(name: "depthwise width 3", inChannels: 4, outChannels: 4, group: 4, spatial: [4, 3], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], seed: 19),
        KernelShape(name: "zero point 0: q − Z up to +255", inChannels: 5, outChannels: 6, spatial: [5, 21], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], zeroPoint: 0, weightValues: extremeWeights, seed: 20),
        KernelShape(name: "zero point 255: q − Z down to −255", inChannels: 5, outChannels: 6, spatial: [5, 21], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], zeroPoint: 255, weightValues: extremeWeights, seed: 21),
        KernelShape(name: "weights only ±128 and ±127, zero point 255", inChannels: 4, outChannels: 4, spatial: [4, 17], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], zeroPoint: 255, weightValues: [-128, 128, 127, -127], seed: 22),
        KernelShape(name: "depthwise, weights ±128, zero point 0", inChannels: 3, outChannels: 3, group: 3, spatial: [4, 41], kernel: [3, 3],
              padsBegin: [1, 1], padsEnd: [1, 1], zeroPoint: 0, weightValues: [-128, 128, 127, -127], seed: 23),
        KernelShape(name: "1-D, kernel 3, stride 2, padding (1, 2), width 29", inChannels: 5, outChannels: 7, spatial: [29], kernel: [3],
                    strides: [2], dilations: [1], padsBegin: [1], padsEnd: [2], seed: 24),
        KernelShape(name: "1-D, dilation 3, zero point 255", inChannels: 2, outChannels: 5, spatial: [40], kernel: [4], strides: [1],
                    dilations: [3], padsBegin: [0], padsEnd: [3], zeroPoint: 255, seed: 25),
        KernelShape(name: "1-D depthwise, kernel 5", inChannels: 4, outChannels: 4, group: 4, spatial: [70], kernel: [5], strides: [1],
                    dilations: [1], padsBegin: [2], padsEnd: [2], seed: 26),
        KernelShape(name: "batch 3", batch: 3, inChannels: 3, outChannels: 5, spatial: [4, 11], seed: 27),
        KernelShape(name: "bias near ±2^31 with small sums", inChannels: 2, outChannels: 4, spatial: [3, 10], kernel: [1, 1],
                    padsBegin: [0, 0], padsEnd: [0, 0], weightValues: [-1, 0, 1], biasRange: 2_147_000_000...2_147_000_000, seed: 28),
    ]

    /// The kernel choices FastConvolution can make on this machine: its own loops (nil), and
    /// IntegerConvolutionKernel with the ISA's and the portable instructions where the fast
    /// kernels may run.
    static var instructionChoices: [IntegerConvolutionKernel.Instructions?] {
        KernelSupport.fastKernels ? [nil, .best, .portable] : [nil]
    }

    /// The layer of `shape` with an identity epilogue (the outputs are the accumulators), its
    /// input and output value infos, and its input.
    static func layer(_ shape: KernelShape) throws -> (IntegerConvolution, QuantizedValueInfo, QuantizedValueInfo, IntValue) {
        var rng = IntegerTestRandom(seed: shape.seed)
        let attributes = Convolution(kernelShape: shape.kernel, strides: shape.strides, dilations: shape.dilations,
                                     padsBegin: shape.padsBegin, padsEnd: shape.padsEnd, group: shape.group)
        let xShape = [shape.batch, shape.inChannels] + shape.spatial
        let wShape = [shape.outChannels, shape.inChannels / shape.group] + shape.kernel
        let outShape = try #require(try attributes.inferOutputTypes([.float32(xShape), .float32(wShape)]).first).shape
        let xd = QuantDomain(bits: 8, scale: 1.0 / 64, zeroPoint: shape.zeroPoint)
        let x = randomQ(xShape.reduce(1, *), xd, &rng)
        var w = (0..<wShape.reduce(1, *)).map { _ in shape.weightValues[rng.int(0...(shape.weightValues.count - 1))] }
        for (i, v) in shape.weightValues.prefix(4).enumerated() where i < w.count { w[i] = v }
        let bias = rng.ints(shape.outChannels, shape.biasRange)
        let weights = w.contains(where: { abs($0) > 127 }) ? Tensor(shape: wShape, storage: .int16(w.map { Int16($0) }))
            : ConvolutionOracleTests.weightTensor(wShape, w, bits: 8)
        let op = IntegerConvolution(attributes: attributes, weightBits: weights.dataType == .int16 ? 16 : 8, weights: weights,
                                    bias: ConvolutionOracleTests.biasTensor(bias, wide: false),
                                    epilogue: .requantize(RequantizeEpilogue(multipliers: [.identity], lo: Int(Int32.min), hi: Int(Int32.max))))
        let output = QuantizedValueInfo(shape: outShape, domain: QuantDomain(bits: 8, scale: 1, zeroPoint: 0))
        return (op, QuantizedValueInfo(shape: xShape, domain: xd), output, IntValue(shape: xShape, domain: xd, data: x.map { Int32($0) }))
    }

    /// Every path's accumulators, on 1 and 3 threads, equal the reference's.
    static func checkAccumulators(_ shape: KernelShape, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (op, input, output, x) = try layer(shape)
        let reference = ReferenceKernels.convolution(op, x: x, output: output)
        #expect(Set(reference).count > 1, "\(shape): the accumulators should vary", sourceLocation: sourceLocation)
        for instructions in instructionChoices {
            let fast = try #require(FastConvolution(op, input: input, output: output, integerKernel: instructions), sourceLocation: sourceLocation)
            #expect(fast.narrowProducts && !fast.wideAccumulator, "\(shape) should take the narrow path", sourceLocation: sourceLocation)
            #expect((fast.integerKernel != nil) == (instructions != nil), "\(shape): integer kernel used", sourceLocation: sourceLocation)
            for threads in [1, 3] {
                let got = fast.run(x, threads: threads)
                #expect(got.count == reference.count, sourceLocation: sourceLocation)
                if let i = reference.indices.first(where: { i in i < got.count && got[i] != reference[i] }) {
                    Issue.record("\(shape), \(instructions.map { "\($0)" } ?? "FastConvolution loops"), \(threads) threads: accumulator \(i) is \(got[i]), the reference says \(reference[i])",
                                 sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test("named shapes: accumulators equal the reference", arguments: shapes)
    func namedShapes(_ shape: KernelShape) throws {
        try Self.checkAccumulators(shape)
    }

    /// A random shape (rank, groups, depthwise, window, strides, dilations, padding, zero point,
    /// weights including the extremes).
    static func randomShape(_ i: Int, _ rng: inout IntegerTestRandom) -> KernelShape {
        let rank = rng.int(1...2)
        var s = KernelShape(name: "random shape \(i)")
        let kind = rng.int(0...5)
        if kind == 0 {
            s.group = rng.int(1...5)
            s.inChannels = s.group
            s.outChannels = s.group * rng.int(1...2)
        } else {
            s.group = [1, 1, 1, 2, 3][rng.int(0...4)]
            s.inChannels = s.group * rng.int(1...7)
            s.outChannels = s.group * rng.int(1...9)
        }
        s.batch = rng.int(1...2)
        s.kernel = (0..<rank).map { _ in rng.int(1...4) }
        s.strides = (0..<rank).map { _ in rng.int(1...3) }
        s.dilations = (0..<rank).map { _ in rng.int(1...2) }
        s.padsBegin = (0..<rank).map { _ in rng.int(0...3) }
        s.padsEnd = (0..<rank).map { _ in rng.int(0...3) }
        s.spatial = (0..<rank).map { k in max(rank == 2 && k == 0 ? rng.int(1...6) : rng.int(1...40), (s.kernel[k] - 1) * s.dilations[k] + 1) }
        s.zeroPoint = [0, 255, rng.int(0...255)][rng.int(0...2)]
        s.weightValues = extremeWeights
        s.seed = UInt64(500 + i)
        s.name += " (\(s.batch)×\(s.inChannels)×\(s.spatial) → \(s.outChannels), groups \(s.group), kernel \(s.kernel), strides \(s.strides), dilations \(s.dilations), pads \(s.padsBegin)/\(s.padsEnd), Z \(s.zeroPoint))"
        return s
    }

    @Test("80 random shapes: accumulators equal the reference")
    func randomShapes() throws {
        var rng = IntegerTestRandom(seed: 2024)
        for i in 0..<80 {
            try Self.checkAccumulators(Self.randomShape(i, &rng))
        }
    }

    @Test("a weight of magnitude 129 keeps FastConvolution's own loops (wide products), still equal to the reference")
    func weightBeyondPairRange() throws {
        var shape = KernelShape(name: "weights up to ±129", inChannels: 3, outChannels: 5, spatial: [4, 13])
        shape.weightValues = [129, -129] + Array(-100...100)
        let (op, input, output, x) = try Self.layer(shape)
        let fast = try #require(FastConvolution(op, input: input, output: output, integerKernel: KernelSupport.fastKernels ? .best : nil))
        #expect(!fast.narrowProducts && fast.integerKernel == nil)
        #expect(fast.run(x, threads: 2) == ReferenceKernels.convolution(op, x: x, output: output))
    }

    @Test("the integer kernel refuses weights beyond ±128 and inconsistent geometry")
    func kernelRefusals() {
        let geometry = Conv2DGeometry(batch: 1, inputChannels: 2, inputHeight: 4, inputWidth: 6, outputChannels: 1, outputHeight: 4,
                                      outputWidth: 6, kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1,
                                      dilationY: 1, dilationX: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 1)
        #expect(geometry.isConsistent)
        var weights = [Int16](repeating: 128, count: 18)
        #expect(IntegerConvolutionKernel(geometry: geometry, weights: weights, bias: [0], instructions: .portable) != nil)
        weights[17] = -129
        #expect(IntegerConvolutionKernel(geometry: geometry, weights: weights, bias: [0], instructions: .portable) == nil)
        var wrongWidth = geometry
        wrongWidth.outputWidth = 7
        #expect(!wrongWidth.isConsistent)
        #expect(IntegerConvolutionKernel(geometry: wrongWidth, weights: [Int16](repeating: 1, count: 18), bias: [0]) == nil)
        #expect(IntegerConvolutionKernel(geometry: geometry, weights: [Int16](repeating: 1, count: 17), bias: [0]) == nil)
    }

    @Test("random shapes with requantize and lookup epilogues: the emulator's fast kernels equal the reference kernels")
    func throughTheEmulator() throws {
        var rng = IntegerTestRandom(seed: 77)
        for i in 0..<16 {
            let shape = Self.randomShape(i, &rng)
            var c = ConvCase(name: shape.name)
            c.batch = shape.batch
            c.inChannels = shape.inChannels
            c.outChannels = shape.outChannels
            c.group = shape.group
            c.spatial = shape.spatial
            c.kernel = shape.kernel
            c.strides = shape.strides
            c.dilations = shape.dilations
            c.padsBegin = shape.padsBegin
            c.padsEnd = shape.padsEnd
            c.input = pow2Domain(exponent: -4, zeroPoint: shape.zeroPoint)
            c.output = pow2Domain(exponent: -1, zeroPoint: 128)
            c.activation = [nil, Activation(.relu), Activation(.silu)][i % 3]
            c.seed = shape.seed
            let (network, x) = try ConvolutionOracleTests.network(for: c)
            let got = try runEveryWay(network, ["x": x])["y0"] ?? []
            #expect(!got.isEmpty)
        }
    }
}
