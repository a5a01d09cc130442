// `change_output_activation([layers,] activation)`: sets the activation of network outputs (the
// YOLO class convolutions get sigmoid). An output produced by an activation node has that node's
// function replaced (or, for `linear`, the node bypassed); any other output gets a new activation
// node appended. Graph output names do not change: the value that now carries an output takes the
// output's name, and the value before the activation is renamed `<name>_pre_activation`.
// Layers are chosen by npuc name, original (ONNX) node name or output tensor name; an output
// produced by an activation is also chosen by the name of the layer feeding that activation.

import NpucGraph

public struct ChangeOutputActivation: GraphPass {
    /// Layers whose outputs change; nil for every graph output.
    public var layers: [String]?
    /// The new activation; nil for linear (none).
    public var activation: Activation.Function?

    public var name: String { "change_output_activation" }

    public init(layers: [String]? = nil, activation: Activation.Function?) {
        self.layers = layers
        self.activation = activation
    }

    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        var editor = GraphEditor(graph, pass: name)
        let producers = editor.producers()
        // Names that select each output.
        var namesOfOutput: [[String]] = []
        for v in editor.outputs {
            var names = [editor.valueName(v)]
            if let p = producers[v] {
                let node = editor.nodes[p]
                names += [node.name] + node.sourceNames
                if case .activation = node.op, let q = producers[node.inputs[0]] {
                    names += [editor.nodes[q].name] + editor.nodes[q].sourceNames
                }
            }
            namesOfOutput.append(names)
        }
        var selected = Array(editor.outputs.indices)
        if let layers {
            let unknown = layers.filter { name in !namesOfOutput.contains { $0.contains(name) } }
            guard unknown.isEmpty else {
                let candidates = editor.outputs.indices.compactMap { producers[editor.outputs[$0]].map { editor.nodes[$0].name } }
                throw .unknownLayers(pass: name, names: unknown, candidates: candidates)
            }
            selected = selected.filter { k in namesOfOutput[k].contains { layers.contains($0) } }
        }
        var appended: [(after: Int, node: Node)] = []
        var done: [ValueID: ValueID] = [:]
        for k in selected {
            let v = editor.outputs[k]
            if let carried = done[v] {
                editor.outputs[k] = carried
                continue
            }
            let p = producers[v]
            if let p, case .activation(let current) = editor.nodes[p].op {
                let u = editor.nodes[p].inputs[0]
                if let activation {
                    if current.function != activation { editor.nodes[p].op = .activation(Activation(activation)) }
                } else {
                    editor.outputs[k] = u
                    editor.swapNames(u, v)
                }
                done[v] = editor.outputs[k]
                continue
            }
            guard let activation else { continue }
            let op = Op.activation(Activation(activation))
            let source = p.map { editor.nodes[$0].sourceNames } ?? []
            let node = try editor.makeNode(name: editor.freshNodeName(prefix: op.layerPrefix), sourceNames: source, op: op,
                                           inputs: [v], outputNames: [editor.valueName(v) + "_pre_activation"])
            editor.swapNames(v, node.outputs[0])
            editor.outputs[k] = node.outputs[0]
            done[v] = node.outputs[0]
            appended.append((p ?? -1, node))
        }
        // New nodes go right after their producers (graph inputs' before every node).
        for (after, node) in appended.sorted(by: { $0.after > $1.after }) {
            editor.nodes.insert(node, at: after + 1)
        }
        return try editor.build()
    }
}
