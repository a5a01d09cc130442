// One integer layer as a network of its own, so the emulator runs it alone (the isolated SNR of
// noise analysis): its feature-map inputs become network inputs with their domains, its outputs
// the network outputs. The layer itself is unchanged, so it runs through exactly the kernels it
// runs through inside the whole network.

import NpucGraph

enum LayerIsolation {
    /// The layer's feature-map inputs, each once, in the order it reads them.
    static func uniqueInputs(_ layer: QuantizedLayer) -> [String] {
        var seen = Set<String>()
        return layer.inputs.filter { seen.insert($0).inserted }
    }

    /// A network holding only `layer` of `network`.
    static func network(for layer: QuantizedLayer, in network: QuantizedNetwork) -> QuantizedNetwork {
        let inputs = uniqueInputs(layer)
        var values = [String: QuantizedValueInfo]()
        for name in inputs + layer.outputs { values[name] = network.values[name] }
        return QuantizedNetwork(name: "\(network.name)/\(layer.name)", inputs: inputs, outputs: layer.outputs, values: values,
                                layers: [layer])
    }

    /// Bits of the layer's weights, for layers that have weights.
    static func weightBits(_ op: IntegerOp) -> Int? {
        switch op {
        case .conv(let a): return a.weightBits
        case .convTranspose(let a): return a.weightBits
        case .dense(let a): return a.weightBits
        default: return nil
        }
    }
}
