// Per-layer settings named by layer (from the model script) resolved to the values they apply to
// in the prepared graph: a layer's output is what its fused activation writes (so
// `force_range_out(conv42)` on a conv+SiLU layer sets the SiLU output's range), its inputs are its
// first node's computed inputs.

import NpucGraph

struct LayerValues {
    var forcedRanges: [String: ClosedRange<Double>] = [:]
    var rangeMethods: [String: RangeMethod] = [:]

    init(_ graph: Graph, options: OptimizationOptions) throws(OptimizationError) {
        let plan = Dictionary(Quantizer.plan(graph).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func layer(_ name: String, _ what: String) throws(OptimizationError) -> PlannedLayer {
            guard let l = plan[name] else {
                throw OptimizationError("\(what) names layer '\(name)', which is not a layer of the prepared network '\(graph.name)'")
            }
            return l
        }
        for (name, range) in options.forcedOutputRanges.sorted(by: { $0.key < $1.key }) {
            for v in try layer(name, "force_range_out").outputs { forcedRanges[graph[v].name] = range }
        }
        for (name, range) in options.forcedInputRanges.sorted(by: { $0.key < $1.key }) {
            let node = graph.nodes[try layer(name, "force_range_in").node.index]
            for v in node.inputs where !graph.isConstant(v) { forcedRanges[graph[v].name] = range }
        }
        for (name, method) in options.layerRangeMethods.sorted(by: { $0.key < $1.key }) {
            for v in try layer(name, "activation_clipping").outputs { rangeMethods[graph[v].name] = method }
        }
    }
}
