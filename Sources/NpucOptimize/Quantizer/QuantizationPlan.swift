// Which float nodes become which integer layer: a convolution, transposed convolution, dense,
// add, sub, mul or div whose output is read only by one activation (and is not a network output)
// is fused with it; every other node is a layer of its own. Also lists the values whose
// calibrated ranges the quantizer reads, so calibration can collect exactly those.

import NpucGraph

public struct PlannedLayer: Hashable, Sendable {
    /// The layer name: its first node's name.
    public var name: String
    public var node: NodeID
    /// The fused activation, if any.
    public var activation: NodeID?
    /// Values the layer writes (the activation's output when fused).
    public var outputs: [ValueID]
    /// The value before the fused activation.
    public var preActivation: ValueID?
    /// True when the output domain is the input's (data movement, max pooling, resize).
    public var keepsInputDomain: Bool
    /// True when the fused activation is applied by a lookup table (not ReLU or clip), so the
    /// pre-activation value's range is needed.
    public var usesLookup: Bool
}

extension Quantizer {
    /// The layers `quantize` builds from `graph`, in node order.
    public static func plan(_ graph: Graph) -> [PlannedLayer] {
        let consumers = graph.consumers()
        let outputs = Set(graph.outputs)
        var fused = Set<NodeID>()
        var result = [PlannedLayer]()
        for (i, node) in graph.nodes.enumerated() where !fused.contains(NodeID(i)) {
            var activation: NodeID?
            if canFuseActivation(node.op), node.outputs.count == 1, !outputs.contains(node.outputs[0]),
               let readers = consumers[node.outputs[0]], readers.count == 1,
               case .activation = graph[readers[0]].op {
                activation = readers[0]
                fused.insert(readers[0])
            }
            var usesLookup = false
            if let activation, case .activation(let a) = graph[activation].op { usesLookup = !isClamping(a.function) }
            result.append(PlannedLayer(name: node.name, node: NodeID(i), activation: activation,
                                       outputs: activation.map { graph[$0].outputs } ?? node.outputs,
                                       preActivation: activation == nil ? nil : node.outputs[0],
                                       keepsInputDomain: keepsInputDomain(node.op), usesLookup: usesLookup))
        }
        return result
    }

    /// The values whose ranges `quantize` reads: network inputs without an explicit domain, the
    /// outputs of layers that choose their own domain, and the pre-activation values of layers
    /// fused with a lookup activation.
    public static func requiredRanges(_ graph: Graph, config: QuantizerConfig = QuantizerConfig()) -> [String] {
        var names = graph.inputs.map { graph[$0].name }.filter { config.inputDomains[$0] == nil }
        for layer in plan(graph) {
            if let pre = layer.preActivation, layer.usesLookup { names.append(graph[pre].name) }
            if !layer.keepsInputDomain { names += layer.outputs.map { graph[$0].name } }
        }
        return names
    }

    static func canFuseActivation(_ op: Op) -> Bool {
        switch op {
        case .conv, .convTranspose, .dense: return true
        case .elementwise(let e): return [.add, .sub, .mul, .div].contains(e.function)
        default: return false
        }
    }

    /// ReLU and clip become requantize bounds; every other activation a lookup table.
    static func isClamping(_ f: Activation.Function) -> Bool {
        switch f {
        case .relu, .clip: return true
        default: return false
        }
    }

    /// Layers whose output domain is their input's, so their outputs' calibrated ranges are
    /// ignored: data movement, max pooling and resizing (nearest copies input integers; bilinear
    /// interpolation stays inside the input's range, and with equal domains its factor 2^−20 is
    /// exact).
    static func keepsInputDomain(_ op: Op) -> Bool {
        switch op {
        case .maxPool, .globalMaxPool, .resize, .slice, .split, .reshape, .transpose, .depthToSpace, .spaceToDepth, .pad:
            return true
        default:
            return false
        }
    }
}
