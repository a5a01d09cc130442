// The quantizer on small float graphs: which nodes fuse, which domains each value gets (from its
// range, forced, explicit, or kept from the input), per-layer precision, constants, and every
// refusal with a message naming what is wrong; then a graph using every integer layer kind,
// whose emulated outputs must track the float outputs.

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

@Suite("Quantizer")
struct QuantizerTests {
    /// x [1, 2, 5, 5] → conv 3×3 → activation (or none) → optional second reader of the conv.
    static func convGraph(activation: Activation.Function?, secondReader: Bool = false, convIsOutput: Bool = false) throws -> Graph {
        var g = Graph(name: "conv")
        let x = g.addValue(name: "x", type: .float32([1, 2, 5, 5]))
        g.inputs = [x]
        let w = g.addConstant(name: "w", tensor: Tensor(shape: [3, 2, 3, 3], float32: (0..<54).map { Float($0 % 7) * 0.1 - 0.3 }))
        let b = g.addConstant(name: "b", tensor: Tensor(shape: [3], float32: [0.1, -0.2, 0.05]))
        let conv = Convolution(kernelShape: [3, 3], strides: [1, 1], dilations: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], group: 1)
        let y = try g.addNode(name: "conv1", sourceNames: ["/c/Conv"], op: .conv(conv), inputs: [x, w, b], outputNames: ["y"])[0]
        var outputs = [ValueID]()
        if let activation {
            outputs.append(try g.addNode(name: "act1", sourceNames: ["/c/Act"], op: .activation(Activation(activation)), inputs: [y],
                                         outputNames: ["z"])[0])
        }
        if secondReader {
            outputs.append(try g.addNode(name: "maxpool1", sourceNames: ["/c/Pool"],
                                         op: .maxPool(Pooling(kernelShape: [2, 2], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0],
                                                              padsEnd: [0, 0], ceilMode: false, countIncludePad: false)),
                                         inputs: [y], outputNames: ["p"])[0])
        }
        if convIsOutput || outputs.isEmpty { outputs.insert(y, at: 0) }
        g.outputs = outputs
        return g
    }

    static let ranges: [String: ClosedRange<Double>] = ["x": -1...1, "y": -3...5, "z": -0.3...5, "p": -2...4]

    @Test("a convolution read only by SiLU becomes one layer with a lookup epilogue over the pre-activation range")
    func fusesLookup() throws {
        let g = try Self.convGraph(activation: .silu)
        let network = try Quantizer.quantize(g, ranges: Self.ranges)
        #expect(network.layers.count == 1)
        let layer = try #require(network.layers.first)
        #expect(layer.name == "conv1" && layer.sourceNames == ["/c/Conv", "/c/Act"] && layer.outputs == ["z"])
        guard case .conv(let conv) = layer.op, case .lookup(let lookup) = conv.epilogue else {
            Issue.record("expected a convolution with a lookup epilogue, got \(layer.op.kind)")
            return
        }
        let out = try QuantDomain(range: -0.3...5, bits: 8)
        #expect(network.domain(of: "z") == out)
        #expect(network.domain(of: "y") == nil)
        #expect(lookup.table == LookupTables.epilogueTable(Activation(.silu), preActivationScale: 5.0 / 32767, output: out))
        #expect(Quantizer.requiredRanges(g) == ["x", "y", "z"])
    }

    @Test("ReLU and clip become requantize bounds")
    func fusesClamp() throws {
        for (function, bounds) in [(Activation.Function.relu, (0.0, nil as Double?)), (.clip(min: -0.25, max: 2.5), (-0.25, 2.5 as Double?))] {
            let network = try Quantizer.quantize(try Self.convGraph(activation: function), ranges: Self.ranges)
            let out = try #require(network.domain(of: "z"))
            guard case .conv(let conv) = network.layers[0].op, case .requantize(let r) = conv.epilogue else {
                Issue.record("expected a requantize epilogue for \(function.name)")
                continue
            }
            #expect(r.lo == out.quantize(bounds.0))
            #expect(r.hi == (bounds.1.map { out.quantize($0) } ?? 255))
            #expect(Quantizer.requiredRanges(try Self.convGraph(activation: function)) == ["x", "z"])
        }
    }

    @Test("no fusion when the convolution is a network output or has a second reader")
    func noFusion() throws {
        let asOutput = try Quantizer.quantize(try Self.convGraph(activation: .silu, convIsOutput: true), ranges: Self.ranges)
        #expect(asOutput.layers.map(\.op.kind) == [.conv, .activation])
        let shared = try Quantizer.quantize(try Self.convGraph(activation: .silu, secondReader: true), ranges: Self.ranges)
        #expect(shared.layers.map(\.op.kind) == [.conv, .activation, .maxPool])
        // The max pool keeps the convolution's domain; its own range is not used.
        #expect(shared.domain(of: "p") == shared.domain(of: "y"))
        #expect(shared.domain(of: "y") == (try QuantDomain(range: -3...5, bits: 8)))
    }

    @Test("precision modes: a16_w16 gives 16-bit outputs, int16 weights and int64 biases; a8_w4 gives weights in ±7")
    func precisionModes() throws {
        let g = try Self.convGraph(activation: nil)
        let sixteen = try Quantizer.quantize(g, ranges: Self.ranges, config: QuantizerConfig(layerPrecision: ["conv1": .a16_w16]))
        guard case .conv(let c16) = sixteen.layers[0].op else { Issue.record("no convolution"); return }
        #expect(sixteen.domain(of: "y")?.bits == 16 && c16.weights.dataType == .int16 && c16.bias.dataType == .int64 && c16.weightBits == 16)
        #expect(c16.weights.int64s.map(\.magnitude).max() == 32767)
        let four = try Quantizer.quantize(g, ranges: Self.ranges, config: QuantizerConfig(defaultPrecision: .a8_w4))
        guard case .conv(let c4) = four.layers[0].op else { Issue.record("no convolution"); return }
        #expect(c4.weightBits == 4 && c4.weights.dataType == .int8 && c4.bias.dataType == .int32)
        #expect(c4.weights.int64s.map(\.magnitude).max() == 7)
        let a16w8 = try Quantizer.quantize(g, ranges: Self.ranges, config: QuantizerConfig(defaultPrecision: .a16_w8))
        #expect(a16w8.domain(of: "y")?.bits == 16)
        if case .conv(let c) = a16w8.layers[0].op { #expect(c.weightBits == 8 && c.bias.dataType == .int64) }
    }

    @Test("forced ranges replace calibrated ones; explicit input domains are used as given")
    func forcedAndExplicit() throws {
        let g = try Self.convGraph(activation: nil)
        let pixels = QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0)
        let network = try Quantizer.quantize(g, ranges: ["y": -3...5], config: QuantizerConfig(forcedRanges: ["y": 0...1], inputDomains: ["x": pixels]))
        #expect(network.domain(of: "x") == pixels)
        #expect(network.domain(of: "y") == (try QuantDomain(range: 0...1, bits: 8)))
        #expect(Quantizer.requiredRanges(g, config: QuantizerConfig(inputDomains: ["x": pixels])) == ["y"])
    }

    @Test("refusals name the node, value or setting", arguments: [
        ("batch norm", "'bn1'"), ("missing range", "'y'"), ("unknown layer", "'conv9'"), ("unknown forced value", "'nope'"),
        ("forced range on a data-movement output", "keeps its input's domain"), ("16-bit max pool", "keeps its input's 8-bit domain"),
        ("NaN weights", "'conv1'"), ("unknown input domain", "'image'"),
    ])
    func refusals(_ c: (String, String)) throws {
        var g = try Self.convGraph(activation: nil, secondReader: true)
        var ranges = Self.ranges
        var config = QuantizerConfig()
        switch c.0 {
        case "batch norm":
            var bn = Graph(name: "bn")
            let x = bn.addValue(name: "x", type: .float32([1, 2, 3, 3]))
            bn.inputs = [x]
            let p = (0..<4).map { bn.addConstant(name: "p\($0)", tensor: Tensor(shape: [2], float32: [1, 1])) }
            bn.outputs = try bn.addNode(name: "bn1", sourceNames: ["/bn"], op: .batchNorm(BatchNorm(epsilon: 1e-5)), inputs: [x] + p, outputNames: ["y"])
            g = bn
        case "missing range": ranges["y"] = nil
        case "unknown layer": config.layerPrecision = ["conv9": .a16_w16]
        case "unknown forced value": config.forcedRanges = ["nope": 0...1]
        case "forced range on a data-movement output": config.forcedRanges = ["p": 0...1]
        case "16-bit max pool": config.layerPrecision = ["maxpool1": .a16_w16]
        case "NaN weights": g.constants[g.value(named: "w")!] = Tensor(shape: [3, 2, 3, 3], float32: [Float](repeating: .nan, count: 54))
        default: config.inputDomains = ["image": QuantDomain(bits: 8, scale: 1, zeroPoint: 0)]
        }
        do {
            _ = try Quantizer.quantize(g, ranges: ranges, config: config)
            Issue.record("\(c.0): accepted")
        } catch {
            #expect(error.message.contains(c.1), "\(c.0): \(error.message)")
        }
    }

    @Test("constant operands get their own 8-bit domain; a constant pad value rounds half away from zero")
    func constants() throws {
        var g = Graph(name: "k")
        let x = g.addValue(name: "x", type: .float32([1, 2, 2, 2]))
        g.inputs = [x]
        let k = g.addConstant(name: "k", tensor: Tensor(shape: [1, 2, 1, 1], float32: [-1, 3]))
        let y = try g.addNode(name: "ew_sub1", sourceNames: ["s"], op: .elementwise(Elementwise(.sub)), inputs: [k, x], outputNames: ["y"])[0]
        // S = 0.5 for the input range [−64, 63.5]: the pad value −1.25 is −2.5 steps → −3 → Z − 3.
        let z = try g.addNode(name: "pad1", sourceNames: ["p"], op: .pad(Pad(mode: .constant, padsBegin: [0, 0, 1, 0], padsEnd: [0, 0, 0, 0], value: -1.25)),
                              inputs: [x], outputNames: ["z"])[0]
        g.outputs = [y, z]
        let network = try Quantizer.quantize(g, ranges: ["x": -64...63.5, "y": -70...70],
                                             config: QuantizerConfig(inputDomains: ["x": QuantDomain(bits: 8, scale: 0.5, zeroPoint: 128)]))
        guard case .addSub(let sub) = network.layers[0].op, case .constant(let constant) = sub.operands[0], case .input(0) = sub.operands[1] else {
            Issue.record("expected sub(constant, input)")
            return
        }
        #expect(constant.domain == (try QuantDomain(range: -1...3, bits: 8)))
        #expect(constant.values.int64s == [0, 255].map(Int64.init))
        #expect(sub.combination.factors[1] < 0)
        guard case .pad(let pad) = network.layers[1].op else { Issue.record("expected a pad"); return }
        #expect(pad.value == 125)
    }

    @Test("division and multiplication by a constant scalar fold into the multiplier, with its sign")
    func scalarConstants() throws {
        var g = Graph(name: "s")
        let x = g.addValue(name: "x", type: .float32([1, 2, 2]))
        g.inputs = [x]
        let k = g.addConstant(name: "k", tensor: Tensor(shape: [], float32: [-4]))
        let y = try g.addNode(name: "ew_div1", sourceNames: ["d"], op: .elementwise(Elementwise(.div)), inputs: [x, k], outputNames: ["y"])[0]
        let z = try g.addNode(name: "ew_mult1", sourceNames: ["m"], op: .elementwise(Elementwise(.mul)), inputs: [k, y], outputNames: ["z"])[0]
        g.outputs = [z]
        let d = QuantDomain(bits: 8, scale: 1.0 / 16, zeroPoint: 128)
        let network = try Quantizer.quantize(g, ranges: ["y": -2...2, "z": -8...8], config: QuantizerConfig(inputDomains: ["x": d]))
        #expect(network.layers.map(\.op.kind) == [.scale, .scale])
        let sy = try #require(network.domain(of: "y")), sz = try #require(network.domain(of: "z"))
        #expect(network.layers[0].op.epilogue?.multipliers == [try Multiplier(encoding: -d.scale / 4 / sy.scale)])
        #expect(network.layers[1].op.epilogue?.multipliers == [try Multiplier(encoding: -4 * sy.scale / sz.scale)])
        let out = try IntegerEmulator(network).runDequantized(["x": Tensor(shape: [1, 2, 2], float32: [1, -2, 0.5, 7])])
        #expect(out["z"]!.floats.enumerated().allSatisfy { abs($1 - [1, -2, 0.5, 7][$0]) < 0.08 })
    }

    @Test("a graph using every integer layer kind: emulated outputs track the float outputs")
    func everyKind() throws {
        let g = try EveryKindNetwork.graph()
        let executor = try FloatExecutor(g, options: .init(kernels: .reference))
        let ranges = try IntegerTestCalibration.ranges(executor, (0..<8).map { ["x": EveryKindNetwork.input(seed: UInt64(100 + $0))] })
        let required = Quantizer.requiredRanges(g)
        let network = try Quantizer.quantize(g, ranges: ranges.filter { required.contains($0.key) })
        #expect(Set(network.layers.map(\.op.kind)) == Set(IntegerOpKind.allCases))
        let emulator = try IntegerEmulator(network)
        for seed in 200..<203 {
            let input = ["x": EveryKindNetwork.input(seed: UInt64(seed))]
            let float = try executor.run(input)
            let quantized = try emulator.runDequantized(input)
            for name in g.outputs.map({ g[$0].name }) {
                let snr = integerTestSNR(float[name]!.floats, quantized[name]!.floats)
                // Measured 21–31 dB over these seeds (8-bit activations through ~35 layers).
                #expect(snr > 15, "output \(name): SNR \(snr) dB")
            }
        }
    }
}
