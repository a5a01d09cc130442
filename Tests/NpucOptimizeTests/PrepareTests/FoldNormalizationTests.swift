// Normalization folding: the folded graph on raw pixels computes what the original computed on
// (pixel − mean) / std, within 1e-5 of the largest output magnitude (float32, reference kernels),
// whatever the padding; the structure shows which of the three strategies was used.

import NpucGraph
import NpucOptimize
import Testing

@Suite("FoldNormalization")
struct FoldNormalizationTests {
    static let tolerance = 1e-5

    /// Raw pixels for the folded graph and the normalized tensor the original graph expects.
    static func pixels(_ graph: Graph, mean: [Float], std: [Float], seed: UInt64) -> (raw: [String: Tensor], normalized: [String: Tensor]) {
        let raw = seededInputs(graph, seed: seed, range: 0...255)
        var normalized: [String: Tensor] = [:]
        for (name, t) in raw {
            let c = t.shape[1], plane = t.elementCount / (t.shape[0] * c)
            let v = t.floats.enumerated().map { i, x in
                let ch = (i / plane) % c
                return (x - mean[ch]) / std[ch]
            }
            normalized[name] = Tensor(shape: t.shape, float32: v)
        }
        return (raw, normalized)
    }

    static func check(_ graph: Graph, _ folded: Graph, mean: [Float], std: [Float]) throws {
        let (raw, normalized) = pixels(graph, mean: mean, std: std, seed: 21)
        let diff = try largestRelativeDifference(graph, folded, normalized, raw)
        #expect(diff <= tolerance, "relative difference \(diff)")
    }

    static func network(pad: Int, seed: UInt64 = 1) throws -> Graph {
        var b = NetBuilder(seed: seed)
        let x = b.input("images", [1, 3, 8, 8])
        let c = try b.conv("conv1", x, out: 4, stride: 2, pad: pad)
        b.output(try b.activation("silu1", .silu, c))
        return b.graph
    }

    @Test("no padding: per-channel mean and std fold exactly into the first conv, no layer added")
    func noPadding() throws {
        let graph = try Self.network(pad: 0)
        let mean: [Float] = [123.675, 116.28, 103.53], std: [Float] = [58.395, 57.12, 57.375]
        let folded = try FoldNormalization(mean: mean.map(Double.init), std: std.map(Double.init)).apply(to: graph)
        #expect(opKinds(folded) == ["conv", "activation"])
        #expect(folded.nodes[0].sourceNames == ["onnx/conv1"])
        try Self.check(graph, folded, mean: mean, std: std)
    }

    @Test("padding with zero mean (divide by 255): folds exactly, no layer added")
    func zeroMean() throws {
        let graph = try Self.network(pad: 1)
        let folded = try FoldNormalization(mean: [0, 0, 0], std: [255, 255, 255]).apply(to: graph)
        #expect(opKinds(folded) == ["conv", "activation"])
        try Self.check(graph, folded, mean: [0, 0, 0], std: [255, 255, 255])
    }

    @Test("padding with one mean for all channels: the padding becomes a constant Pad of the mean, then folds exactly")
    func uniformMean() throws {
        let graph = try Self.network(pad: 1)
        let folded = try FoldNormalization(mean: [127.5], std: [127.5]).apply(to: graph)
        #expect(opKinds(folded) == ["pad", "conv", "activation"])
        guard case .pad(let pad) = folded.nodes[0].op, case .conv(let conv) = folded.nodes[1].op else {
            Issue.record("unexpected nodes \(opKinds(folded))")
            return
        }
        #expect(pad.mode == .constant && pad.value == 127.5 && pad.padsBegin == [0, 0, 1, 1])
        #expect(conv.padsBegin == [0, 0] && conv.padsEnd == [0, 0])
        try Self.check(graph, folded, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5])
    }

    @Test("padding with per-channel means cannot fold exactly: an explicit depthwise normalization layer is inserted")
    func perChannelMeanWithPadding() throws {
        let graph = try Self.network(pad: 1)
        let mean: [Float] = [123.675, 116.28, 103.53], std: [Float] = [58.395, 57.12, 57.375]
        let folded = try FoldNormalization(mean: mean.map(Double.init), std: std.map(Double.init)).apply(to: graph)
        #expect(opKinds(folded) == ["conv", "conv", "activation"])
        #expect(folded.nodes[0].name == "normalization1")
        guard case .conv(let layer) = folded.nodes[0].op else { return }
        #expect(layer.group == 3 && layer.kernelShape == [1, 1])
        // The original convolution is untouched.
        #expect(folded.constants[folded.nodes[1].inputs[1]] == graph.constants[graph.nodes[0].inputs[1]])
        try Self.check(graph, folded, mean: mean, std: std)
    }

    @Test("an input read by a conv and by another op: the conv folds, the other op reads a normalization layer")
    func mixedReaders() throws {
        var b = NetBuilder(seed: 4)
        let x = b.input("images", [1, 3, 6, 6])
        let c = try b.conv("conv1", x, out: 3, kernel: 1, pad: 0)
        b.output(try b.node("concat", .concat(Concat(axis: 1)), [c, x]))
        let folded = try FoldNormalization(mean: [0.5, 0.25, 0], std: [2, 4, 8]).apply(to: b.graph)
        #expect(opKinds(folded) == ["conv", "conv", "concat"])
        #expect(folded.nodes.map(\.name) == ["normalization1", "conv1", "concat"])
        #expect(folded.nodes[1].inputs[0] == folded.inputs[0])
        try Self.check(b.graph, folded, mean: [0.5, 0.25, 0], std: [2, 4, 8])
    }

    @Test("bad parameters are refused with the input named")
    func badParameters() throws {
        let graph = try Self.network(pad: 0)
        #expect(throws: PreparationError.channelCountMismatch(pass: "fold_normalization", input: "images", expected: 3, got: 2)) {
            try FoldNormalization(mean: [0, 0], std: [1, 1]).apply(to: graph)
        }
        #expect(throws: PreparationError.self) { try FoldNormalization(mean: [0, 0, 0], std: [1, 0, 1]).apply(to: graph) }
        #expect(throws: PreparationError.unknownInput(name: "input", graphInputs: ["images"])) {
            try FoldNormalization(mean: [0], std: [1], input: "input").apply(to: graph)
        }
    }
}

@Suite("InputConversion")
struct InputConversionTests {
    /// The same tensor with channels 0 and 2 exchanged.
    static func swapped(_ inputs: [String: Tensor]) -> [String: Tensor] {
        inputs.mapValues { t in
            let plane = t.elementCount / 3
            let f = t.floats
            return Tensor(shape: t.shape, float32: (0..<f.count).map { i in f[(2 - i / plane) * plane + i % plane] })
        }
    }

    @Test("bgr_to_rgb permutes the first conv's input channels: the network on BGR equals the original on RGB (1e-6: only the summation order changes)")
    func permutesConv() throws {
        let graph = try FoldNormalizationTests.network(pad: 1, seed: 8)
        let converted = try InputConversion(.bgrToRgb).apply(to: graph)
        #expect(opKinds(converted) == ["conv", "activation"])
        let rgb = seededInputs(graph, seed: 3)
        let diff = try largestRelativeDifference(graph, converted, rgb, Self.swapped(rgb))
        #expect(diff <= 1e-6, "relative difference \(diff)")
    }

    @Test("a depthwise first layer gets an explicit 1×1 permutation layer (exact)")
    func depthwise() throws {
        var b = NetBuilder(seed: 2)
        let x = b.input("images", [1, 3, 5, 5])
        b.output(try b.conv("dw", x, out: 3, group: 3))
        let converted = try InputConversion().apply(to: b.graph)
        #expect(converted.nodes.map(\.name) == ["input_conversion1", "dw"])
        let rgb = seededInputs(b.graph, seed: 5)
        let diff = try largestRelativeDifference(b.graph, converted, rgb, Self.swapped(rgb))
        #expect(diff == 0, "a 1×1 permutation (x·1 + y·0 + z·0) is exact; difference \(diff)")
    }

    @Test("normalization then conversion: BGR raw pixels give what the original gave on normalized RGB")
    func afterNormalization() throws {
        let graph = try FoldNormalizationTests.network(pad: 0, seed: 6)
        let mean: [Float] = [10, 20, 30], std: [Float] = [2, 3, 4]
        let prepared = try graph.applying([FoldNormalization(mean: mean.map(Double.init), std: std.map(Double.init)),
                                           InputConversion()])
        let (raw, normalized) = FoldNormalizationTests.pixels(graph, mean: mean, std: std, seed: 9)
        let diff = try largestRelativeDifference(graph, prepared, normalized, Self.swapped(raw))
        #expect(diff <= 1e-5, "relative difference \(diff)")
    }

    @Test("an input without three channels is refused")
    func wrongChannels() throws {
        var b = NetBuilder()
        let x = b.input("x", [1, 4, 4, 4])
        b.output(try b.conv("conv1", x, out: 2))
        #expect(throws: PreparationError.self) { try InputConversion().apply(to: b.graph) }
    }
}
