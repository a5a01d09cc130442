// Integer convolution, transposed convolution and dense layers against a float-then-round
// oracle: the inputs, weights and bias are dequantized, the real result is computed in Double
// here, and quantized with the doc's rules. When every factor Sx · Sw[c] / S_out is a power of
// two, the multiplier (m, s) represents it exactly, RSH(acc · m, s) is exactly ⌊acc · M + ½⌋,
// and the Double oracle is exact too — so the outputs must be EQUAL. With arbitrary scales
// m · 2^−s differs from M by up to 2^−31 relative, which can move a result that sits within that
// distance of a rounding boundary by one step: there we demand |difference| ≤ 1.

import Foundation
import NpucGraph
import NpucOptimize
import Testing

/// One test configuration of a convolution-like layer.
struct ConvCase: CustomStringConvertible {
    var name: String
    var batch = 1
    var inChannels = 3
    var outChannels = 4
    var group = 1
    var spatial = [6, 7]
    var kernel = [3, 3]
    var strides = [1, 1]
    var dilations = [1, 1]
    var padsBegin = [1, 1]
    var padsEnd = [1, 1]
    var outputPadding = [0, 0]
    var input = pow2Domain(exponent: -4, zeroPoint: 128)
    var output = pow2Domain(exponent: 0, zeroPoint: 100)
    var weightBits = 8
    /// log2 of each channel's weight scale (exact case) — cycled over channels.
    var weightScaleExponents = [-6, -7, -5]
    /// Arbitrary scales instead (inexact case).
    var inexact = false
    var activation: Activation?
    /// log2 of S_pre for lookup epilogues.
    var preScaleExponent = -9
    var biasRange = -3000...3000
    var seed: UInt64 = 1

    var description: String { name }
}

@Suite("Integer convolution, transposed convolution and dense vs the float-then-round oracle")
struct ConvolutionOracleTests {
    /// The layer's epilogue target scale, bounds and (for lookup) table.
    static func epilogue(_ c: ConvCase, channelScales: [Double]) throws -> (IntegerEpilogue, preScale: Double?) {
        let out = c.output
        if let a = c.activation, !Self.isClamping(a) {
            let sPre = c.inexact ? 0.0021 : Double(sign: .plus, exponent: c.preScaleExponent, significand: 1)
            let m = try channelScales.map { try Multiplier(encoding: c.input.scale * $0 / sPre) }
            return (.lookup(LookupEpilogue(multipliers: m, table: LookupTables.epilogueTable(a, preActivationScale: sPre, output: out))), sPre)
        }
        var lo = 0, hi = out.maxQ
        if case .relu = c.activation?.function { lo = out.quantize(0) }
        if case .clip(let a, let b) = c.activation?.function {
            lo = out.quantize(Double(a))
            hi = out.quantize(Double(b))
        }
        let m = try channelScales.map { try Multiplier(encoding: c.input.scale * $0 / out.scale) }
        return (.requantize(RequantizeEpilogue(multipliers: m, lo: lo, hi: hi)), nil)
    }

    static func isClamping(_ a: Activation) -> Bool {
        switch a.function {
        case .relu, .clip: return true
        default: return false
        }
    }

    /// The oracle's quantization of a real pre-activation result y.
    static func expected(_ y: Double, _ c: ConvCase, preScale: Double?) -> Int {
        let out = c.output
        guard let a = c.activation else { return oracleQuantize(y, out) }
        if let sPre = preScale {
            // Lookup: y rounded into the int16 pre-activation domain, then f, then RoundHalfAway.
            let p = min(max(halfUp(y / sPre), -32768), 32767)
            let f = a.applyDouble(sPre * Double(p))
            return min(max(out.zeroPoint + roundHalfAway(f.isNaN ? 0 : f / out.scale), 0), out.maxQ)
        }
        return oracleQuantize(a.applyDouble(y), out)
    }

    static func channelScales(_ c: ConvCase, _ rng: inout IntegerTestRandom) -> [Double] {
        (0..<c.outChannels).map { i in
            c.inexact ? rng.double(0.0005...0.02) : Double(sign: .plus, exponent: c.weightScaleExponents[i % c.weightScaleExponents.count], significand: 1)
        }
    }

    static func randomWeights(_ count: Int, bits: Int, _ rng: inout IntegerTestRandom) -> [Int] {
        let qw = (1 << (bits - 1)) - 1
        var w = rng.ints(count, -qw...qw)
        if count >= 3 {
            w[0] = qw
            w[1] = -qw
            w[2] = 0
        }
        return w
    }

    static func weightTensor(_ shape: [Int], _ w: [Int], bits: Int) -> Tensor {
        bits == 16 ? Tensor(shape: shape, storage: .int16(w.map { Int16($0) })) : Tensor(shape: shape, storage: .int8(w.map { Int8($0) }))
    }

    static func biasTensor(_ b: [Int], wide: Bool) -> Tensor {
        wide ? Tensor(shape: [b.count], storage: .int64(b.map { Int64($0) })) : Tensor(shape: [b.count], storage: .int32(b.map { Int32($0) }))
    }

    /// Runs a convolution case and compares with the oracle; returns (differing, total).
    @discardableResult
    static func checkConvolution(_ c: ConvCase) throws -> (Int, Int) {
        var rng = IntegerTestRandom(seed: c.seed)
        let r = c.kernel.count
        let attributes = Convolution(kernelShape: c.kernel, strides: c.strides, dilations: c.dilations, padsBegin: c.padsBegin,
                                     padsEnd: c.padsEnd, group: c.group)
        let xShape = [c.batch, c.inChannels] + c.spatial
        let cg = c.inChannels / c.group, mg = c.outChannels / c.group
        let wShape = [c.outChannels, cg] + c.kernel
        let outType = try #require(try attributes.inferOutputTypes([.float32(xShape), .float32(wShape)]).first)
        let x = randomQ(xShape.reduce(1, *), c.input, &rng)
        let w = randomWeights(wShape.reduce(1, *), bits: c.weightBits, &rng)
        let b = rng.ints(c.outChannels, c.biasRange)
        let sw = channelScales(c, &rng)
        let (epilogue, preScale) = try epilogue(c, channelScales: sw)
        let wide = c.input.bits == 16 || c.output.bits == 16 || c.weightBits == 16
        let op = IntegerConvolution(attributes: attributes, weightBits: c.weightBits, weights: weightTensor(wShape, w, bits: c.weightBits),
                                    bias: biasTensor(b, wide: wide), epilogue: epilogue)
        let network = oneLayerNetwork(.conv(op), inputs: [("x", xShape, c.input)], output: (outType.shape, c.output))
        let got = try runEveryWay(network, ["x": quantizedTensor(xShape, x, c.input)])["y0"] ?? []

        // Oracle: dequantize, convolve in Double, quantize.
        let xr = x.map { c.input.dequantize($0) }
        let outSpatial = Array(outType.shape[2...])
        let taps = allIndices(c.kernel)
        var expected = [Int]()
        for n in 0..<c.batch {
            for m in 0..<c.outChannels {
                let g = m / mg
                for o in allIndices(outSpatial) {
                    var y = c.input.scale * sw[m] * Double(b[m])
                    for ci in 0..<cg {
                        for (t, k) in taps.enumerated() {
                            let i = (0..<r).map { o[$0] * c.strides[$0] - c.padsBegin[$0] + k[$0] * c.dilations[$0] }
                            guard (0..<r).allSatisfy({ i[$0] >= 0 && i[$0] < c.spatial[$0] }) else { continue }
                            let xi = flatIndex([n, g * cg + ci] + i, xShape)
                            y += xr[xi] * (sw[m] * Double(w[(m * cg + ci) * taps.count + t]))
                        }
                    }
                    expected.append(Self.expected(y, c, preScale: preScale))
                }
            }
        }
        let differing = expectClose(got, expected, tolerance: c.inexact ? 1 : 0, c.name)
        // A case whose every output saturates would test little.
        #expect(expected.contains { $0 > 0 && $0 < c.output.maxQ }, "\(c.name): every output saturates")
        return (differing, expected.count)
    }

    static let exactCases: [ConvCase] = {
        var cases = [ConvCase]()
        cases.append(ConvCase(name: "3×3, pad 1, Zx 128, Zout 100"))
        cases.append(ConvCase(name: "Zx 0, Zout 255 (saturates at Q)", input: pow2Domain(exponent: -4, zeroPoint: 0),
                              output: pow2Domain(exponent: 0, zeroPoint: 255)))
        cases.append(ConvCase(name: "Zx 255, Zout 0 (saturates at 0)", input: pow2Domain(exponent: -4, zeroPoint: 255),
                              output: pow2Domain(exponent: 0, zeroPoint: 0)))
        cases.append(ConvCase(name: "asymmetric odd padding larger than half the kernel, strides 2×1, dilations 1×2", spatial: [7, 8],
                              strides: [2, 1], dilations: [1, 2], padsBegin: [2, 0], padsEnd: [1, 3]))
        cases.append(ConvCase(name: "padding beyond the kernel (windows entirely in padding)", spatial: [3, 4], kernel: [2, 2],
                              strides: [2, 3], padsBegin: [3, 2], padsEnd: [2, 4]))
        cases.append(ConvCase(name: "2 groups, stride 2, 5×3 kernel", inChannels: 4, outChannels: 6, group: 2, spatial: [9, 6],
                              kernel: [5, 3], strides: [2, 2], padsBegin: [2, 1], padsEnd: [2, 0]))
        cases.append(ConvCase(name: "depthwise, stride 3, dilation 2", inChannels: 5, outChannels: 5, group: 5, spatial: [9, 9],
                              strides: [3, 3], dilations: [2, 2], padsBegin: [2, 2], padsEnd: [1, 2]))
        cases.append(ConvCase(name: "depthwise with channel multiplier 2", inChannels: 3, outChannels: 6, group: 3, spatial: [5, 5]))
        cases.append(ConvCase(name: "1-D, stride 2, odd padding", inChannels: 3, outChannels: 5, spatial: [11], kernel: [4], strides: [2],
                              dilations: [1], padsBegin: [3], padsEnd: [0]))
        cases.append(ConvCase(name: "batch 2, 1×1", batch: 2, inChannels: 6, outChannels: 3, spatial: [4, 5], kernel: [1, 1],
                              padsBegin: [0, 0], padsEnd: [0, 0]))
        cases.append(ConvCase(name: "multipliers > 1 (M = 2, 1, 4)", inChannels: 1, spatial: [9, 9], kernel: [1, 1], padsBegin: [0, 0],
                              padsEnd: [0, 0], input: pow2Domain(exponent: -2, zeroPoint: 128), output: pow2Domain(exponent: -5, zeroPoint: 128),
                              weightBits: 4, weightScaleExponents: [-2, -3, -1], biasRange: -3...3))
        cases.append(ConvCase(name: "multipliers < 2^−20 (M = 2^−23, 2^−24, 2^−22)", input: pow2Domain(exponent: -4, zeroPoint: 128),
                              output: pow2Domain(exponent: 12, zeroPoint: 128), weightScaleExponents: [-7, -8, -6],
                              biasRange: -20_000_000...20_000_000))
        cases.append(ConvCase(name: "fused ReLU (bounds [Z, Q])", activation: Activation(.relu)))
        cases.append(ConvCase(name: "fused clip(−2, 3) (bounds inside [0, Q])", output: pow2Domain(exponent: -4, zeroPoint: 64),
                              weightScaleExponents: [-10, -11, -9], activation: Activation(.clip(min: -2, max: 3))))
        cases.append(ConvCase(name: "lookup epilogue: SiLU", output: pow2Domain(exponent: -1, zeroPoint: 20), activation: Activation(.silu)))
        cases.append(ConvCase(name: "lookup epilogue: sigmoid, pre-activation saturating at ±32767",
                              output: QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0), weightScaleExponents: [-10, -11, -9],
                              activation: Activation(.sigmoid), preScaleExponent: -14))
        cases.append(ConvCase(name: "16-bit input Z 65535, 16-bit output Z 0, 16-bit weights (64-bit accumulator)",
                              input: pow2Domain(bits: 16, exponent: -12, zeroPoint: 65535), output: pow2Domain(bits: 16, exponent: -10, zeroPoint: 0),
                              weightBits: 16, weightScaleExponents: [-14, -15], biasRange: -1_000_000...1_000_000))
        cases.append(ConvCase(name: "16-bit input Z 0, 16-bit output Z 65535, 8-bit weights",
                              input: pow2Domain(bits: 16, exponent: -12, zeroPoint: 0), output: pow2Domain(bits: 16, exponent: -8, zeroPoint: 65535)))
        cases.append(ConvCase(name: "16-bit input, 8-bit output with lookup (tanh)", input: pow2Domain(bits: 16, exponent: -12, zeroPoint: 30000),
                              output: pow2Domain(exponent: -7, zeroPoint: 128), activation: Activation(.tanh), preScaleExponent: -8))
        cases.append(ConvCase(name: "16-bit output with lookup (hard-swish, uint16 table)", output: pow2Domain(bits: 16, exponent: -11, zeroPoint: 1000),
                              activation: Activation(.hardSwish)))
        cases.append(ConvCase(name: "4-bit weights", weightBits: 4, weightScaleExponents: [-2, -3], biasRange: -300...300))
        return cases
    }()

    @Test("exactly representable factors: outputs equal the oracle", arguments: exactCases)
    func exact(_ c: ConvCase) throws {
        try Self.checkConvolution(c)
    }

    @Test("outputs reach both 0 and Q when the output domain is narrower than the results")
    func saturation() throws {
        let c = ConvCase(name: "narrow output", output: pow2Domain(exponent: -7, zeroPoint: 128))
        let (_, total) = try Self.checkConvolution(c)
        #expect(total > 0)
        let (network, x) = try Self.network(for: c)
        let out = try IntegerEmulator(network).run(["x": x])["y0"].map(intValues) ?? []
        #expect(out.contains(0) && out.contains(255))
    }

    @Test("ties round toward +∞: M = 1/2 on every accumulator from −128 to 127")
    func ties() throws {
        let xd = pow2Domain(exponent: -3, zeroPoint: 128), od = pow2Domain(exponent: -8, zeroPoint: 128)
        // Sx · Sw / S_out = 2^−3 · 2^−6 / 2^−8 = 1/2 with the single weight 1: acc = x − 128.
        let a = Convolution(kernelShape: [1, 1], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], group: 1)
        let m = try Multiplier(encoding: xd.scale * 0x1p-6 / od.scale)
        #expect(m == Multiplier(m: 1 << 30, s: 31))
        let op = IntegerConvolution(attributes: a, weightBits: 8, weights: Tensor(shape: [1, 1, 1, 1], storage: .int8([1])),
                                    bias: Tensor(shape: [1], storage: .int32([0])),
                                    epilogue: .requantize(RequantizeEpilogue(multipliers: [m], lo: 0, hi: 255)))
        let network = oneLayerNetwork(.conv(op), inputs: [("x", [1, 1, 16, 16], xd)], output: ([1, 1, 16, 16], od))
        let got = try runEveryWay(network, ["x": quantizedTensor([1, 1, 16, 16], Array(0...255), xd)])["y0"] ?? []
        #expect(got == (0...255).map { 128 + halfUp(Double($0 - 128) / 2) })
        #expect(got[125] == 127 && got[127] == 128 && got[129] == 129)   // −1.5 → −1, −0.5 → 0, 0.5 → 1
    }

    @Test("products at the 8-bit extremes (|w| = 127, |q − Z| = 255) in the fast kernel's Int16-lane path equal the reference",
          arguments: [0, 255])
    func int16Products(zeroPoint: Int) throws {
        var rng = IntegerTestRandom(seed: UInt64(7 + zeroPoint))
        let xd = pow2Domain(exponent: -4, zeroPoint: zeroPoint), od = pow2Domain(exponent: -2, zeroPoint: 128)
        // 6 output channels (a block of four, then two single ones), 19 columns (two 8-lane runs and a tail).
        let xShape = [1, 5, 7, 19], wShape = [6, 5, 3, 3]
        let a = Convolution(kernelShape: [3, 3], strides: [1, 1], dilations: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], group: 1)
        let w = (0..<wShape.reduce(1, *)).map { _ in [-127, 127, -126, 0, 1][rng.int(0...4)] }
        let x = (0..<xShape.reduce(1, *)).map { _ in rng.int(0...3) == 0 ? 128 : 255 - zeroPoint }
        let op = IntegerConvolution(attributes: a, weightBits: 8, weights: Tensor(shape: wShape, storage: .int8(w.map { Int8($0) })),
                                    bias: Tensor(shape: [6], storage: .int32([0, 5, -7, 100_000, -3, 1])),
                                    epilogue: .requantize(RequantizeEpilogue(multipliers: [try Multiplier(encoding: 0x1p-13)], lo: 0, hi: 255)))
        let network = oneLayerNetwork(.conv(op), inputs: [("x", xShape, xd)], output: ([1, 6, 7, 19], od))
        let got = try runEveryWay(network, ["x": quantizedTensor(xShape, x, xd)])["y0"] ?? []
        #expect(got.count == 6 * 7 * 19)
        #expect(Set(got).count > 20, "outputs should spread over the domain, got \(Set(got).sorted())")
    }

    /// The network and input of a case (same seeded values as `checkConvolution`).
    static func network(for c: ConvCase) throws -> (QuantizedNetwork, Tensor) {
        var rng = IntegerTestRandom(seed: c.seed)
        let attributes = Convolution(kernelShape: c.kernel, strides: c.strides, dilations: c.dilations, padsBegin: c.padsBegin,
                                     padsEnd: c.padsEnd, group: c.group)
        let xShape = [c.batch, c.inChannels] + c.spatial
        let wShape = [c.outChannels, c.inChannels / c.group] + c.kernel
        let outType = try attributes.inferOutputTypes([.float32(xShape), .float32(wShape)])[0]
        let x = randomQ(xShape.reduce(1, *), c.input, &rng)
        let w = randomWeights(wShape.reduce(1, *), bits: c.weightBits, &rng)
        let b = rng.ints(c.outChannels, c.biasRange)
        let (epilogue, _) = try epilogue(c, channelScales: channelScales(c, &rng))
        let op = IntegerConvolution(attributes: attributes, weightBits: c.weightBits, weights: weightTensor(wShape, w, bits: c.weightBits),
                                    bias: biasTensor(b, wide: false), epilogue: epilogue)
        return (oneLayerNetwork(.conv(op), inputs: [("x", xShape, c.input)], output: (outType.shape, c.output)),
                quantizedTensor(xShape, x, c.input))
    }

    @Test("arbitrary scales and random geometry: |difference| ≤ 1, and differences are rare")
    func randomGeometry() throws {
        var rng = IntegerTestRandom(seed: 99)
        var differing = 0, total = 0
        for i in 0..<24 {
            let rank = rng.int(1...2)
            let group = [1, 1, 2, 3][rng.int(0...3)]
            var c = ConvCase(name: "random case \(i)")
            c.inChannels = group * rng.int(1...3)
            c.outChannels = group * rng.int(1...6)
            c.group = group
            c.kernel = (0..<rank).map { _ in rng.int(1...4) }
            c.strides = (0..<rank).map { _ in rng.int(1...3) }
            c.dilations = (0..<rank).map { _ in rng.int(1...2) }
            c.padsBegin = (0..<rank).map { _ in rng.int(0...3) }
            c.padsEnd = (0..<rank).map { _ in rng.int(0...3) }
            c.spatial = (0..<rank).map { k in max(rng.int(2...8), (c.kernel[k] - 1) * c.dilations[k] + 1) }
            c.input = QuantDomain(bits: 8, scale: rng.double(0.001...0.1), zeroPoint: rng.int(0...255))
            // About 40 output steps per standard deviation of the result.
            let k = Double(c.inChannels / c.group * c.kernel.reduce(1, *))
            c.output = QuantDomain(bits: 8, scale: c.input.scale * 0.0105 * k.squareRoot() * 5400 / rng.double(20...60), zeroPoint: rng.int(0...255))
            c.inexact = true
            c.activation = [nil, Activation(.relu), Activation(.silu), Activation(.leakyRelu(alpha: 0.1))][rng.int(0...3)]
            c.seed = UInt64(1000 + i)
            let (d, t) = try Self.checkConvolution(c)
            differing += d
            total += t
        }
        // Off-by-one results need an exact result within 2^−31 relative of a rounding boundary.
        #expect(differing * 100 <= total, "\(differing) of \(total) outputs differ from the oracle")
    }

    // MARK: Transposed convolution

    @Test("transposed convolution equals a scatter-form oracle", arguments: [
        (kernel: [3, 3], strides: [2, 2], dilations: [1, 1], pads: ([1, 1], [1, 1]), outputPadding: [1, 1], group: 1),
        (kernel: [2, 3], strides: [2, 3], dilations: [1, 1], pads: ([0, 2], [1, 0]), outputPadding: [0, 2], group: 1),
        (kernel: [3, 3], strides: [1, 2], dilations: [2, 1], pads: ([2, 0], [0, 1]), outputPadding: [0, 0], group: 2),
        (kernel: [4], strides: [3], dilations: [1], pads: ([1], [2]), outputPadding: [1], group: 1),
    ] as [([Int], [Int], [Int], ([Int], [Int]), [Int], Int)])
    func convTranspose(_ g: ([Int], [Int], [Int], ([Int], [Int]), [Int], Int)) throws {
        let (kernel, strides, dilations, pads, outputPadding, group) = g
        var rng = IntegerTestRandom(seed: 7)
        let r = kernel.count
        let cIn = 2 * group, mg = 2
        let spatial = r == 2 ? [3, 4] : [5]
        let xShape = [1, cIn] + spatial, wShape = [cIn, mg] + kernel
        let a = ConvTranspose(kernelShape: kernel, strides: strides, dilations: dilations, padsBegin: pads.0, padsEnd: pads.1,
                              outputPadding: outputPadding, group: group)
        let outShape = try a.inferOutputTypes([.float32(xShape), .float32(wShape)])[0].shape
        let outChannels = mg * group
        for exactCase in [true, false] {
            let xd = exactCase ? pow2Domain(exponent: -4, zeroPoint: 77) : QuantDomain(bits: 8, scale: 0.013, zeroPoint: 77)
            let od = exactCase ? pow2Domain(exponent: -3, zeroPoint: 140) : QuantDomain(bits: 8, scale: 0.021, zeroPoint: 140)
            let sw = (0..<outChannels).map { exactCase ? Double(sign: .plus, exponent: -6 - $0 % 2, significand: 1) : 0.004 + 0.001 * Double($0) }
            let x = randomQ(xShape.reduce(1, *), xd, &rng)
            let w = Self.randomWeights(wShape.reduce(1, *), bits: 8, &rng)
            let b = rng.ints(outChannels, -2000...2000)
            let m = try sw.map { try Multiplier(encoding: xd.scale * $0 / od.scale) }
            let op = IntegerConvTranspose(attributes: a, weightBits: 8, weights: Self.weightTensor(wShape, w, bits: 8),
                                          bias: Self.biasTensor(b, wide: false),
                                          epilogue: .requantize(RequantizeEpilogue(multipliers: m, lo: 0, hi: 255)))
            let network = oneLayerNetwork(.convTranspose(op), inputs: [("x", xShape, xd)], output: (outShape, od))
            let got = try runEveryWay(network, ["x": quantizedTensor(xShape, x, xd)])["y0"] ?? []
            // Scatter: every input element and tap adds to output i·s − pad + k·d.
            var y = [Double](repeating: 0, count: outShape.reduce(1, *))
            let outSpatial = Array(outShape[2...])
            for mIndex in 0..<outChannels {
                for o in allIndices(outSpatial) { y[flatIndex([0, mIndex] + o, outShape)] = xd.scale * sw[mIndex] * Double(b[mIndex]) }
            }
            let taps = allIndices(kernel)
            for c in 0..<cIn {
                let groupIndex = c / (cIn / group)
                for i in allIndices(spatial) {
                    let xr = xd.dequantize(x[flatIndex([0, c] + i, xShape)])
                    for j in 0..<mg {
                        let mIndex = groupIndex * mg + j
                        for (t, k) in taps.enumerated() {
                            let o = (0..<r).map { i[$0] * strides[$0] - pads.0[$0] + k[$0] * dilations[$0] }
                            guard (0..<r).allSatisfy({ o[$0] >= 0 && o[$0] < outSpatial[$0] }) else { continue }
                            y[flatIndex([0, mIndex] + o, outShape)] += xr * sw[mIndex] * Double(w[(c * mg + j) * taps.count + t])
                        }
                    }
                }
            }
            expectClose(got, y.map { oracleQuantize($0, od) }, tolerance: exactCase ? 0 : 1, "transposed convolution \(kernel) exact: \(exactCase)")
        }
    }

    // MARK: Dense

    @Test("dense equals the oracle (exact scales), within 1 with arbitrary scales")
    func dense() throws {
        var rng = IntegerTestRandom(seed: 11)
        for exactCase in [true, false] {
            let (n, k, m) = (3, 17, 5)
            let xd = exactCase ? pow2Domain(exponent: -5, zeroPoint: 255) : QuantDomain(bits: 8, scale: 0.0137, zeroPoint: 3)
            let od = exactCase ? pow2Domain(exponent: -2, zeroPoint: 0) : QuantDomain(bits: 8, scale: 0.05, zeroPoint: 200)
            let sw = (0..<m).map { exactCase ? Double(sign: .plus, exponent: -7 + $0 % 3, significand: 1) : 0.003 * Double($0 + 1) }
            let x = randomQ(n * k, xd, &rng)
            let w = Self.randomWeights(m * k, bits: 8, &rng)
            let b = rng.ints(m, -9000...9000)
            let mult = try sw.map { try Multiplier(encoding: xd.scale * $0 / od.scale) }
            let op = IntegerDense(weightBits: 8, weights: Self.weightTensor([m, k], w, bits: 8), bias: Self.biasTensor(b, wide: false),
                                  epilogue: .requantize(RequantizeEpilogue(multipliers: mult, lo: 0, hi: 255)))
            let network = oneLayerNetwork(.dense(op), inputs: [("x", [n, k], xd)], output: ([n, m], od))
            let got = try runEveryWay(network, ["x": quantizedTensor([n, k], x, xd)])["y0"] ?? []
            var expected = [Int]()
            for row in 0..<n {
                for col in 0..<m {
                    var y = xd.scale * sw[col] * Double(b[col])
                    for i in 0..<k { y += xd.dequantize(x[row * k + i]) * sw[col] * Double(w[col * k + i]) }
                    expected.append(oracleQuantize(y, od))
                }
            }
            expectClose(got, expected, tolerance: exactCase ? 0 : 1, "dense exact: \(exactCase)")
        }
    }
}
