// Structural checks of a raw ONNX graph: every tensor defined once, every input defined,
// no cycles; and a topological order of the nodes (the file's order when it already is one).

import NpucGraph

struct ONNXTopology {
    /// Node index producing each tensor.
    var producer: [String: Int] = [:]
    /// Node indices reading each tensor.
    var consumers: [String: [Int]] = [:]
    /// Node indices in a topological order.
    var order: [Int] = []

    init(_ model: ONNXModel) throws(ONNXImportError) {
        let file = model.file
        var defined = Set(model.inputs.map(\.name)).union(model.initializers.keys)
        for node in model.nodes where !(node.domain.isEmpty || node.domain == "ai.onnx" || model.otherOpsets[node.domain] != nil) {
            throw ONNXImportError(file: file, "node '\(node.name)' (\(node.opType)) uses op domain '\(node.domain)', which the model does not import (opset_import); the model is malformed")
        }
        for (i, node) in model.nodes.enumerated() {
            for out in node.outputs where !out.isEmpty {
                if let other = producer[out] {
                    throw ONNXImportError(file: file, "tensor '\(out)' is written by two nodes, '\(model.nodes[other].name)' and '\(node.name)'; the graph is malformed")
                }
                if model.initializers[out] != nil || model.inputs.contains(where: { $0.name == out }) {
                    throw ONNXImportError(file: file, "node '\(node.name)' (\(node.opType)) writes '\(out)', which is also a graph input or initializer")
                }
                producer[out] = i
            }
        }
        defined.formUnion(producer.keys)
        for (i, node) in model.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                guard defined.contains(input) else {
                    throw ONNXImportError(file: file, "node '\(node.name)' (\(node.opType)) reads tensor '\(input)', which no node produces and which is neither a graph input nor an initializer")
                }
                consumers[input, default: []].append(i)
            }
        }
        for output in model.outputs where !defined.contains(output.name) {
            throw ONNXImportError(file: file, "graph output '\(output.name)' is never produced")
        }
        order = try Self.topologicalOrder(model, producer: producer, consumers: consumers)
    }

    private static func topologicalOrder(_ model: ONNXModel, producer: [String: Int],
                                         consumers: [String: [Int]]) throws(ONNXImportError) -> [Int] {
        let n = model.nodes.count
        var pending = [Int](repeating: 0, count: n)
        for (i, node) in model.nodes.enumerated() {
            pending[i] = Set(node.inputs.compactMap { producer[$0] }).count
        }
        // Kahn's algorithm, always taking the lowest file index that is ready, so a file that is
        // already sorted keeps its order.
        var ready = MinHeap<Int>()
        for i in 0..<n where pending[i] == 0 { ready.insert(i) }
        var order = [Int]()
        order.reserveCapacity(n)
        while let i = ready.popMin() {
            order.append(i)
            var released = Set<Int>()
            for out in model.nodes[i].outputs where !out.isEmpty {
                for c in consumers[out] ?? [] where released.insert(c).inserted {
                    pending[c] -= 1
                    if pending[c] == 0 { ready.insert(c) }
                }
            }
        }
        if order.count < n {
            let stuck = (0..<n).filter { pending[$0] > 0 }
            let cycle = findCycle(model, among: Set(stuck), producer: producer)
            throw ONNXImportError(file: model.file, "the graph has a cycle: \(cycle.map { "'\(model.nodes[$0].name)'" }.joined(separator: " → ")); ONNX graphs must be acyclic")
        }
        return order
    }

    /// A cycle through the stuck nodes, walking producers backwards until a node repeats.
    private static func findCycle(_ model: ONNXModel, among stuck: Set<Int>, producer: [String: Int]) -> [Int] {
        guard var current = stuck.min() else { return [] }
        var path = [Int]()
        var seen = [Int: Int]()
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            guard let next = model.nodes[current].inputs.compactMap({ producer[$0] }).first(where: { stuck.contains($0) }) else { break }
            current = next
        }
        let start = seen[current] ?? 0
        // `path` follows producers (backwards); the cycle in data-flow order is its reverse.
        let forward = Array(path[start...].reversed())
        return forward + [forward[0]]
    }
}

/// A small binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func insert(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func popMin() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let min = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < items.count, items[l] < items[smallest] { smallest = l }
            if r < items.count, items[r] < items[smallest] { smallest = r }
            if smallest == i { break }
            items.swapAt(i, smallest)
            i = smallest
        }
        return min
    }
}
