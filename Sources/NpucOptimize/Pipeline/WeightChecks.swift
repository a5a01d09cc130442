// Refuses a network whose floating-point constants (weights, biases, batch-norm statistics, …)
// hold NaN or infinity before any work is done: no integer grid can represent them, and left in
// they only surface later as a NaN activation far from the cause. The message names the tensor,
// the layer reading it and the first bad element.

import NpucGraph

enum WeightChecks {
    /// Throws for the first floating-point constant (in node order) holding NaN or ±∞.
    /// `stage` says which network was checked ("the parsed network", "after float preparation").
    static func requireFinite(_ graph: Graph, stage: String) throws(OptimizationError) {
        var seen = Set<ValueID>()
        for node in graph.nodes {
            for id in node.inputs where !seen.contains(id) {
                seen.insert(id)
                guard let tensor = graph.constants[id], tensor.dataType.isFloatingPoint else { continue }
                let values = tensor.floats
                guard let index = values.firstIndex(where: { !$0.isFinite }) else { continue }
                let bad = values[index]
                let what = bad.isNaN ? "NaN" : (bad > 0 ? "+infinity" : "-infinity")
                let count = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
                throw OptimizationError("\(stage): constant tensor '\(graph[id].name)' of layer '\(node.name)' holds \(what) at element "
                    + "\(position(index, shape: tensor.shape)) (\(count) of \(values.count) elements are not finite); "
                    + "the model's weights are damaged — fix or re-export the model, then parse it again")
            }
        }
    }

    /// `[i, j, …]` of flat index `index` in `shape`.
    static func position(_ index: Int, shape: [Int]) -> String {
        guard !shape.isEmpty else { return "[]" }
        var rest = index
        var coordinates = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            coordinates[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return "[" + coordinates.map(String.init).joined(separator: ", ") + "]"
    }
}
