// Cutting a raw ONNX graph at start and end nodes: the end nodes' outputs become the network's
// outputs, the start nodes' inputs its inputs, and everything not between them is dropped.

import NpucGraph

struct ONNXCut {
    /// Tensor names that become network inputs, in order.
    var inputs: [String]
    /// Tensor names that become network outputs, in order.
    var outputs: [String]
    /// Node indices inside the cut, in topological order.
    var nodes: [Int]

    init(model: ONNXModel, topology: ONNXTopology, startNames: [String], endNames: [String]) throws(ONNXImportError) {
        let file = model.file
        let nodeIndex = Dictionary(model.nodes.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let graphInputs = model.inputs.map(\.name)
        let allNames = model.nodes.map(\.name)

        // End nodes → output tensors (a tensor name is accepted too).
        var outputs = [String]()
        if endNames.isEmpty {
            outputs = model.outputs.map(\.name)
        } else {
            for name in endNames {
                if let i = nodeIndex[name] {
                    outputs += model.nodes[i].outputs.filter { !$0.isEmpty && Self.isUsed($0, model: model, topology: topology) }
                } else if topology.producer[name] != nil || graphInputs.contains(name) {
                    outputs.append(name)
                } else {
                    throw ONNXImportError(file: file, "end node '\(name)' is not in the model\(NameSuggestions.hint(for: name, in: allNames)) (list the nodes with `npuc nodes \(file)`)")
                }
            }
        }
        outputs = Self.unique(outputs)

        // Start nodes → input tensors: a graph input name, or a node whose dynamic inputs start the cut.
        var starts = [String]()
        for name in startNames {
            if graphInputs.contains(name) {
                starts.append(name)
            } else if let i = nodeIndex[name] {
                starts += model.nodes[i].inputs.filter { !$0.isEmpty && model.initializers[$0] == nil }
            } else if topology.producer[name] != nil {
                starts.append(name)
            } else {
                throw ONNXImportError(file: file, "start node '\(name)' is not in the model\(NameSuggestions.hint(for: name, in: graphInputs + allNames)) (list the nodes with `npuc nodes \(file)`)")
            }
        }
        starts = Self.unique(starts)
        let startSet = Set(starts)

        // Walk back from the outputs, stopping at start tensors and initializers.
        var needed = Set<Int>()
        var reachedInputs = Set<String>()
        var stack = outputs
        var visited = Set<String>()
        while let tensor = stack.popLast() {
            guard visited.insert(tensor).inserted else { continue }
            if startSet.contains(tensor) { reachedInputs.insert(tensor); continue }
            if model.initializers[tensor] != nil { continue }
            if let p = topology.producer[tensor] {
                if needed.insert(p).inserted {
                    stack += model.nodes[p].inputs.filter { !$0.isEmpty }
                }
            } else if graphInputs.contains(tensor) {
                if startNames.isEmpty {
                    reachedInputs.insert(tensor)
                } else {
                    throw ONNXImportError(file: file, "the outputs depend on graph input '\(tensor)', which is not among the start nodes; add it to --start-node-names")
                }
            }
        }
        if !startNames.isEmpty, let unreached = starts.first(where: { !reachedInputs.contains($0) }) {
            throw ONNXImportError(file: file, "start tensor '\(unreached)' does not lead to any end node; check --start-node-names and --end-node-names")
        }
        let orderedInputs = startNames.isEmpty ? graphInputs.filter { reachedInputs.contains($0) } : starts
        inputs = orderedInputs
        self.outputs = outputs
        nodes = topology.order.filter { needed.contains($0) }
    }

    /// A node output is worth exposing when something reads it or it is a graph output
    /// (optional outputs such as MaxPool's indices are skipped otherwise).
    private static func isUsed(_ tensor: String, model: ONNXModel, topology: ONNXTopology) -> Bool {
        topology.consumers[tensor] != nil || model.outputs.contains { $0.name == tensor }
            || model.nodes.first(where: { $0.outputs.contains(tensor) })?.outputs.first == tensor
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
