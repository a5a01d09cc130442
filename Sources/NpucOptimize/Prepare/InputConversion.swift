// `input_conversion(bgr_to_rgb)`: the device receives BGR pixels and the network was trained on
// RGB. Instead of a conversion layer, every convolution (group 1, constant weights) reading the
// input has its input-channel axis reversed — w'[m, c, …] = w[m, 2 − c, …] — so the network
// computes on BGR data exactly what it computed on RGB data (padding is per channel, unaffected).
// Any other reader of the input (a grouped or depthwise convolution, a concat, …) reads an
// explicit 1×1 channel-permutation convolution (`input_conversion1`) instead, which is exact too.
//
// Order with normalization: the model script's mean/std are in the model's (RGB) channel order,
// so fold normalization first and convert afterwards (`FloatPreparation` does).

import NpucGraph

public struct InputConversion: GraphPass {
    public enum Conversion: String, Sendable, Hashable, CaseIterable {
        case bgrToRgb = "bgr_to_rgb"
    }

    public var conversion: Conversion
    /// The graph input it applies to; nil for the model's only input.
    public var input: String?
    /// Name of the explicit permutation layer, when one is needed.
    public var layerName: String

    public var name: String { "input_conversion" }

    public init(_ conversion: Conversion = .bgrToRgb, input: String? = nil, layerName: String = "input_conversion1") {
        self.conversion = conversion
        self.input = input
        self.layerName = layerName
    }

    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        var editor = GraphEditor(graph, pass: name)
        let x = try InputChannels.find(input, in: editor)
        let xType = editor.type(of: x)
        let inputName = editor.valueName(x)
        guard xType.rank >= 2, xType.shape[1] == 3 else {
            throw .unsupportedNode(pass: name, node: inputName,
                                   reason: "bgr_to_rgb needs an input with 3 channels on axis 1, but it is \(xType)")
        }
        // Source channel of channel c after conversion (its own inverse).
        let permutation = [2, 1, 0]
        var explicit: [String] = []
        for i in editor.consumers()[x] ?? [] {
            let node = editor.nodes[i]
            guard case .conv(let conv) = node.op, conv.group == 1, node.inputs[0] == x, !node.inputs.dropFirst().contains(x),
                  node.inputs.dropFirst().allSatisfy({ editor.isConstant($0) }) else {
                if !explicit.contains(node.name) { explicit.append(node.name) }
                continue
            }
            let weightsID = node.inputs[1]
            let shape = editor.type(of: weightsID).shape
            guard let weights = try editor.doubles(of: weightsID, node: node.name) else { continue }
            let taps = shape.dropFirst(2).reduce(1, *)
            var permuted = weights
            for m in 0..<shape[0] {
                for c in 0..<3 {
                    for t in 0..<taps { permuted[(m * 3 + c) * taps + t] = weights[(m * 3 + permutation[c]) * taps + t] }
                }
            }
            let w = editor.addConstant(name: editor.valueName(weightsID) + "_bgr", shape: shape, elements: permuted,
                                       dataType: editor.type(of: weightsID).dataType)
            editor.nodes[i].inputs[1] = w
        }
        if !explicit.isEmpty || editor.outputs.contains(x) {
            var matrix = [Double](repeating: 0, count: 9)
            for o in 0..<3 { matrix[o * 3 + permutation[o]] = 1 }
            let layerName = editor.nodes.contains { $0.name == self.layerName } ? editor.freshNodeName(prefix: "input_conversion") : self.layerName
            let layer = try InputChannels.pointwiseLayer(x, weights: matrix, bias: [0, 0, 0], group: 1, name: layerName,
                                                         pass: name, outputName: inputName + "_rgb", &editor)
            let readers = editor.nodes.indices.filter { explicit.contains(editor.nodes[$0].name) }
            InputChannels.insert(layer, before: readers, replacing: x, &editor)
        }
        return try editor.build()
    }
}
