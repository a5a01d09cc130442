// Gives every node npuc's layer name: the op's prefix and a per-prefix counter in topological
// order (conv1, conv2, …, ew_add1, silu1, …), in the style DFC model scripts refer to layers.

import NpucGraph

enum LayerNaming {
    static func run(_ graph: inout Graph) {
        var counters = [String: Int]()
        for i in graph.nodes.indices {
            let prefix = graph.nodes[i].op.layerPrefix
            counters[prefix, default: 0] += 1
            graph.nodes[i].name = "\(prefix)\(counters[prefix]!)"
        }
    }
}
