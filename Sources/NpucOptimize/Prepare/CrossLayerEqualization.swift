// Cross-layer equalization (Nagel et al., "Data-Free Quantization", 2019). For a convolution A
// whose output channel i feeds convolutions B through a positively homogeneous activation f
// (f(x/s) = f(x)/s for s > 0), dividing A's channel i (weights and bias) by s_i and multiplying
// every B's input channel i by s_i leaves the network's function unchanged. Choosing
// s_i = √(r1_i / r2_i), where r1_i is the largest |weight| of A's output channel i and r2_i the
// largest |weight| that any B applies to input channel i, makes both ranges √(r1_i · r2_i): the
// per-channel ranges of A become more equal, so per-tensor… and per-channel 8-bit grids lose less.
// Pairs are equalized in node order, repeated until the scales settle (chains A→B→C converge).
//
// Which activations qualify: none (A feeds B directly), ReLU, leaky ReLU, PReLU, and clip with
// min 0 and no upper bound. ReLU6 (clip 0…6) does not: its upper bound 6 would have to become
// 6/s_i per channel, which the IR's single clip bound cannot express, so those pairs are skipped.
// SiLU, sigmoid, tanh, hard-swish, GELU, … are not homogeneous (SiLU(x/s) ≠ SiLU(x)/s), so pairs
// through them are skipped too — on YOLOv8 (SiLU everywhere) equalization therefore changes
// nothing. A pair also needs constant weights, no other reader of A's output or of the
// activation's output, and neither of them being a graph output.

import Foundation
import NpucGraph

/// A convolution pair considered for equalization, and what became of it.
public struct EqualizationPair: Hashable, Sendable, CustomStringConvertible {
    /// The convolution whose output channels are scaled down.
    public var first: String
    /// The activation between them (npuc node name), if any.
    public var activation: String?
    /// The convolutions reading the (activated) output, whose input channels are scaled up.
    public var second: [String]
    /// Nil when equalized; otherwise why the pair was skipped.
    public var skipReason: String?

    public var description: String {
        let chain = ([first] + (activation.map { [$0] } ?? []) + [second.joined(separator: ", ")]).joined(separator: " → ")
        return skipReason.map { "\(chain): skipped, \($0)" } ?? "\(chain): equalized"
    }
}

public struct CrossLayerEqualization: GraphPass {
    /// Only pairs whose first convolution has one of these names (npuc or original); nil for all.
    public var layers: Set<String>?
    /// At most this many sweeps over the pairs.
    public var maxIterations: Int

    public var name: String { "equalization" }

    public init(layers: Set<String>? = nil, maxIterations: Int = 16) {
        self.layers = layers
        self.maxIterations = max(1, maxIterations)
    }

    /// Every convolution → (activation →) convolution pattern of `graph`, equalizable or not.
    public static func pairs(in graph: Graph) -> [EqualizationPair] {
        findPairs(GraphEditor(graph, pass: "equalization")).map(\.pair)
    }

    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        var editor = GraphEditor(graph, pass: name)
        let candidates = Self.findPairs(editor).filter { candidate in
            guard candidate.pair.skipReason == nil else { return false }
            guard let layers else { return true }
            let node = editor.nodes[candidate.first]
            return layers.contains(node.name) || node.sourceNames.contains { layers.contains($0) }
        }
        guard !candidates.isEmpty else { return try editor.build() }
        // Weight and bias constants owned by this pass (created once, then updated in place).
        var owned: [ValueID: ValueID] = [:]
        func ownedCopy(_ id: ValueID, _ editor: inout GraphEditor) -> ValueID {
            if let own = owned[id] { return own }
            let tensor = editor.constants[id]!
            let own = editor.addConstant(name: editor.valueName(id) + "_equalized", shape: tensor.shape,
                                         elements: tensor.floats.map(Double.init), dataType: tensor.dataType)
            if case .float64(let a) = tensor.storage { editor.constants[own] = Tensor(shape: tensor.shape, storage: .float64(a)) }
            owned[id] = own
            owned[own] = own
            return own
        }
        for _ in 0..<maxIterations {
            var largestChange = 0.0
            for candidate in candidates {
                let a = editor.nodes[candidate.first]
                guard case .conv = a.op else { continue }
                let w1ID = a.inputs[1]
                guard let w1 = try editor.doubles(of: w1ID, node: a.name) else { continue }
                let outChannels = editor.type(of: w1ID).shape[0]
                let perChannel = w1.count / max(outChannels, 1)
                var r1 = [Double](repeating: 0, count: outChannels), r2 = r1
                for i in 0..<outChannels {
                    for e in (i * perChannel)..<((i + 1) * perChannel) { r1[i] = max(r1[i], abs(w1[e])) }
                }
                for b in candidate.second {
                    let node = editor.nodes[b]
                    guard case .conv(let conv) = node.op, let w2 = try editor.doubles(of: node.inputs[1], node: node.name) else { continue }
                    let shape = editor.type(of: node.inputs[1]).shape
                    let layout = SecondLayout(shape: shape, group: conv.group)
                    for e in w2.indices { r2[layout.inputChannel(e)] = max(r2[layout.inputChannel(e)], abs(w2[e])) }
                }
                let s = (0..<outChannels).map { i -> Double in
                    r1[i] > 0 && r2[i] > 0 ? (r1[i] / r2[i]).squareRoot() : 1
                }
                largestChange = max(largestChange, s.map { abs(log($0)) }.max() ?? 0)
                // A: divide output channel i's weights and bias by s_i.
                let newW1 = ownedCopy(w1ID, &editor)
                var scaled = w1
                for e in scaled.indices { scaled[e] /= s[e / perChannel] }
                editor.constants[newW1] = GraphEditor.tensor(shape: editor.type(of: w1ID).shape, elements: scaled,
                                                             dataType: editor.type(of: w1ID).dataType)
                editor.nodes[candidate.first].inputs[1] = newW1
                if a.inputs.count == 3, let b1 = try editor.doubles(of: a.inputs[2], node: a.name) {
                    let newB1 = ownedCopy(a.inputs[2], &editor)
                    editor.constants[newB1] = GraphEditor.tensor(shape: [outChannels], elements: b1.indices.map { b1[$0] / s[$0] },
                                                                 dataType: editor.type(of: a.inputs[2]).dataType)
                    editor.nodes[candidate.first].inputs[2] = newB1
                }
                // Every B: multiply input channel i's weights by s_i.
                for b in candidate.second {
                    let node = editor.nodes[b]
                    guard case .conv(let conv) = node.op, let w2 = try editor.doubles(of: node.inputs[1], node: node.name) else { continue }
                    let type = editor.type(of: node.inputs[1])
                    let layout = SecondLayout(shape: type.shape, group: conv.group)
                    let newW2 = ownedCopy(node.inputs[1], &editor)
                    editor.constants[newW2] = GraphEditor.tensor(shape: type.shape, elements: w2.indices.map { w2[$0] * s[layout.inputChannel($0)] },
                                                                 dataType: type.dataType)
                    editor.nodes[b].inputs[1] = newW2
                }
            }
            if largestChange < 1e-6 { break }
        }
        return try editor.build()
    }

    /// Maps a weight element of a reading convolution [M2, C/g, k…] to the input channel it multiplies.
    struct SecondLayout {
        let perGroupIn: Int, taps: Int, outPerGroup: Int
        init(shape: [Int], group: Int) {
            perGroupIn = shape[1]
            taps = shape.dropFirst(2).reduce(1, *)
            outPerGroup = shape[0] / group
        }
        func inputChannel(_ e: Int) -> Int {
            let o = e / (perGroupIn * taps), ci = (e / taps) % perGroupIn
            return (o / outPerGroup) * perGroupIn + ci
        }
    }

    struct Candidate {
        var first: Int
        var second: [Int]
        var pair: EqualizationPair
    }

    static func findPairs(_ editor: GraphEditor) -> [Candidate] {
        let consumers = editor.consumers()
        let outputs = Set(editor.outputs)
        var result: [Candidate] = []
        func isConstantConv(_ node: Node, reading v: ValueID) -> Bool {
            guard case .conv = node.op, node.inputs[0] == v, !node.inputs.dropFirst().contains(v) else { return false }
            return node.inputs.dropFirst().allSatisfy { editor.isConstant($0) }
        }
        for (index, a) in editor.nodes.enumerated() {
            guard case .conv = a.op, a.inputs.dropFirst().allSatisfy({ editor.isConstant($0) }) else { continue }
            let y = a.outputs[0]
            let readers = consumers[y] ?? []
            guard !readers.isEmpty else { continue }
            var pair = EqualizationPair(first: a.name, activation: nil, second: [], skipReason: nil)
            var reach = y
            var second = readers
            if readers.count == 1, let h = readers.first, editor.nodes[h].inputs[0] == y, !isConstantConv(editor.nodes[h], reading: y) {
                let node = editor.nodes[h]
                switch node.op {
                case .activation, .prelu: break
                default: continue  // not a conv → activation → conv pattern
                }
                pair.activation = node.name
                reach = node.outputs[0]
                second = consumers[reach] ?? []
                if let reason = homogeneityProblem(node, editor) {
                    pair.second = second.map { editor.nodes[$0].name }
                    pair.skipReason = reason
                    if second.contains(where: { isConstantConv(editor.nodes[$0], reading: reach) }) {
                        result.append(Candidate(first: index, second: second, pair: pair))
                    }
                    continue
                }
            }
            let convReaders = second.filter { isConstantConv(editor.nodes[$0], reading: reach) }
            guard !convReaders.isEmpty else { continue }
            pair.second = second.map { editor.nodes[$0].name }
            if outputs.contains(y) || outputs.contains(reach) {
                pair.skipReason = "an intermediate tensor is a network output"
            } else if convReaders.count != second.count {
                let other = second.first { !convReaders.contains($0) }.map { editor.nodes[$0] }
                pair.skipReason = "the tensor is also read by '\(other?.name ?? "?")' (\(other?.op.kind.rawValue ?? "?")), which cannot absorb the scale"
            } else if pair.activation == nil, readers.count != second.count {
                pair.skipReason = "the tensor has other readers"
            }
            result.append(Candidate(first: index, second: convReaders, pair: pair))
        }
        return result
    }

    /// Nil when the node is positively homogeneous; otherwise the reason it is not.
    static func homogeneityProblem(_ node: Node, _ editor: GraphEditor) -> String? {
        switch node.op {
        case .prelu:
            return editor.isConstant(node.inputs[1]) ? nil : "the PReLU slope is computed by the graph"
        case .activation(let a):
            switch a.function {
            case .relu, .leakyRelu: return nil
            case .clip(let lo, let hi):
                if lo == 0 && hi == .infinity { return nil }
                return "clip(\(lo), \(hi)) (e.g. ReLU6) bounds every channel by one value; equalizing would need a bound per channel"
            default:
                return "\(a.function.name) is not positively homogeneous (f(x/s) ≠ f(x)/s)"
            }
        default:
            return "\(node.op.kind.rawValue) is not an activation"
        }
    }
}
