// Cross-layer equalization: for conv → (homogeneous activation) → conv pairs, the per-channel
// weight ranges of both convolutions become equal channel by channel, the first layer's ranges
// become far more even, and outputs are unchanged within 1e-5 of their largest magnitude. Pairs
// through SiLU or ReLU6 are reported as skipped and left alone.

import NpucGraph
import NpucOptimize
import Testing

@Suite("CrossLayerEqualization")
struct EqualizationTests {
    /// Output-channel ranges (largest |w|) of a conv's weights.
    static func outputRanges(_ graph: Graph, _ node: String) -> [Double] {
        let n = graph[graph.node(named: node)!]
        let w = graph.constants[n.inputs[1]]!
        let m = w.shape[0], per = w.elementCount / m
        let f = w.floats
        return (0..<m).map { i in Double(f[(i * per)..<((i + 1) * per)].map { abs($0) }.max()!) }
    }

    /// Input-channel ranges of a group-1 conv's weights.
    static func inputRanges(_ graph: Graph, _ node: String) -> [Double] {
        let n = graph[graph.node(named: node)!]
        let w = graph.constants[n.inputs[1]]!
        let c = w.shape[1], taps = w.shape.dropFirst(2).reduce(1, *)
        let f = w.floats
        return (0..<c).map { ci in
            var r: Float = 0
            for o in 0..<w.shape[0] { for t in 0..<taps { r = max(r, abs(f[(o * c + ci) * taps + t])) } }
            return Double(r)
        }
    }

    static func spread(_ r: [Double]) -> Double { r.max()! / r.min()! }

    /// conv1 with channel scales spanning 1000× → activation → conv2.
    static func pair(_ activation: Activation.Function?) throws -> Graph {
        var b = NetBuilder(seed: 31)
        let x = b.input("x", [1, 3, 8, 8])
        let c1 = try b.conv("conv1", x, out: 6, channelScales: [0.01, 0.1, 1, 10, 0.05, 3])
        let a = try activation.map { f in try b.activation("act", f, c1) } ?? c1
        b.output(try b.conv("conv2", a, out: 5))
        return b.graph
    }

    @Test("ReLU, leaky ReLU, unbounded clip and no activation: ranges equalized, outputs unchanged",
          arguments: [Activation.Function.relu, .leakyRelu(alpha: 0.1), .clip(min: 0, max: .infinity), nil])
    func equalizes(_ activation: Activation.Function?) throws {
        let graph = try Self.pair(activation)
        let pairs = CrossLayerEqualization.pairs(in: graph)
        #expect(pairs.count == 1 && pairs[0].skipReason == nil, "\(pairs)")
        let equalized = try CrossLayerEqualization().apply(to: graph)
        let r1 = Self.outputRanges(equalized, "conv1"), r2 = Self.inputRanges(equalized, "conv2")
        for i in r1.indices { #expect(abs(r1[i] - r2[i]) <= 1e-5 * r1[i], "channel \(i): \(r1[i]) vs \(r2[i])") }
        let before = Self.spread(Self.outputRanges(graph, "conv1")), after = Self.spread(r1)
        #expect(before > 300 && after < before / 10, "conv1 range spread \(before) → \(after)")
        let diff = try largestRelativeDifference(graph, equalized, seededInputs(graph, seed: 5))
        #expect(diff <= 1e-5, "relative difference \(diff)")
    }

    @Test("PReLU with per-channel slopes is homogeneous too")
    func prelu() throws {
        var b = NetBuilder(seed: 41)
        let x = b.input("x", [1, 2, 6, 6])
        let c1 = try b.conv("conv1", x, out: 4, channelScales: [0.02, 5, 1, 0.3])
        let slope = b.constant("slope", [4, 1, 1], [0.1, 0.2, 0.3, 0.25])
        let a = try b.node("prelu", .prelu(PRelu()), [c1, slope])
        b.output(try b.conv("conv2", a, out: 3, group: 1))
        let equalized = try CrossLayerEqualization().apply(to: b.graph)
        #expect(Self.spread(Self.outputRanges(equalized, "conv1")) < Self.spread(Self.outputRanges(b.graph, "conv1")) / 10)
        let diff = try largestRelativeDifference(b.graph, equalized, seededInputs(b.graph, seed: 6))
        #expect(diff <= 1e-5, "relative difference \(diff)")
    }

    @Test("a chain of three convolutions with depthwise in the middle converges and keeps the function")
    func chain() throws {
        var b = NetBuilder(seed: 51)
        let x = b.input("x", [1, 3, 8, 8])
        let c1 = try b.conv("conv1", x, out: 4, channelScales: [0.01, 1, 8, 0.2])
        let a1 = try b.activation("relu1", .relu, c1)
        let c2 = try b.conv("dw2", a1, out: 4, group: 4, channelScales: [3, 0.05, 1, 0.5])
        let a2 = try b.activation("relu2", .relu, c2)
        b.output(try b.conv("conv3", a2, out: 2))
        let equalized = try CrossLayerEqualization().apply(to: b.graph)
        #expect(CrossLayerEqualization.pairs(in: b.graph).filter { $0.skipReason == nil }.count == 2)
        #expect(Self.spread(Self.outputRanges(equalized, "conv1")) < Self.spread(Self.outputRanges(b.graph, "conv1")))
        let diff = try largestRelativeDifference(b.graph, equalized, seededInputs(b.graph, seed: 8))
        #expect(diff <= 1e-5, "relative difference \(diff)")
    }

    @Test("SiLU and ReLU6 pairs are skipped with the reason, and the weights stay as they were",
          arguments: [(Activation.Function.silu, "not positively homogeneous"), (.clip(min: 0, max: 6), "bound per channel")])
    func skipped(_ activation: Activation.Function, _ reason: String) throws {
        let graph = try Self.pair(activation)
        let pairs = CrossLayerEqualization.pairs(in: graph)
        #expect(pairs.count == 1)
        #expect(pairs.first?.skipReason?.contains(reason) == true, "\(pairs)")
        let result = try CrossLayerEqualization().apply(to: graph)
        #expect(result == graph.pruned())
    }
}
