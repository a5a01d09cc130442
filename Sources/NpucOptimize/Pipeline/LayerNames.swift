// Per-layer settings name layers of the parsed network (what the model script's catalog
// offers); the quantizer's layers are those of the prepared network, where an activation read
// only by its convolution is fused into it. This maps every per-layer setting onto the quantizer's
// layer: a fused activation's name means its layer (`silu3` → `conv3`, whose output is the
// activation's), and a name that no longer exists after preparation is refused by name before any
// calibration is spent.

import NpucGraph

enum LayerNames {
    static func resolve(_ options: OptimizationOptions, prepared graph: Graph) throws(OptimizationError) -> OptimizationOptions {
        let plan = Quantizer.plan(graph)
        var layerOf = [String: String]()
        var fusedActivations = Set<String>()
        for layer in plan {
            layerOf[layer.name] = layer.name
            if let activation = layer.activation {
                layerOf[graph[activation].name] = layer.name
                fusedActivations.insert(graph[activation].name)
            }
        }
        func layer(_ name: String, _ what: String) throws(OptimizationError) -> String {
            guard let resolved = layerOf[name] else {
                let examples = plan.prefix(4).map(\.name).joined(separator: ", ")
                throw OptimizationError("\(what) names layer '\(name)', which is not a layer of the prepared network '\(graph.name)' "
                    + "(preparation folds batch normalization and fuses activations into their layer; name a layer such as \(examples))")
            }
            return resolved
        }
        func remap<V: Equatable>(_ settings: [String: V], _ what: String) throws(OptimizationError) -> [String: V] {
            var result = [String: V]()
            var from = [String: String]()
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
                let target = try layer(name, what)
                if let existing = result[target], existing != value, let other = from[target] {
                    throw OptimizationError("\(what) gives layer '\(target)' two different settings (through '\(other)' and '\(name)'); "
                        + "set it once")
                }
                result[target] = value
                from[target] = name
            }
            return result
        }
        var resolved = options
        resolved.layerPrecision = try remap(options.layerPrecision, "precision_mode")
        resolved.forcedOutputRanges = try remap(options.forcedOutputRanges, "force_range_out")
        resolved.layerRangeMethods = try remap(options.layerRangeMethods, "activation_clipping")
        for name in options.forcedInputRanges.keys.sorted() where fusedActivations.contains(name) {
            throw OptimizationError("force_range_in names '\(name)', an activation fused into layer '\(layerOf[name] ?? name)' whose input "
                + "is not stored; force the range of '\(layerOf[name] ?? name)' output instead (force_range_out)")
        }
        resolved.forcedInputRanges = try remap(options.forcedInputRanges, "force_range_in")
        return resolved
    }
}
