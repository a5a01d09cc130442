// Batch-norm folding. Inference-mode batch normalization y = γ·(x − μ)/√(σ² + ε) + β is a
// per-channel affine map y = s·x + t with s = γ/√(σ² + ε), t = β − μ·s. When x is the output of
// a convolution, transposed convolution or dense layer with constant weights and the batch norm
// is that output's only reader, the map is folded into the layer: its output channel c's weights
// are multiplied by s[c] and its bias becomes s[c]·b[c] + t[c]. The folded node keeps the
// layer's name and carries both original node names. Any other batch norm becomes a depthwise
// 1×1 convolution (weights s, bias t; rank-2 inputs a dense layer with diagonal weights), so no
// batch norm reaches the quantizer. Arithmetic is in double precision, stored in the graph's type.

import NpucGraph

public struct FoldBatchNorm: GraphPass {
    public var name: String { "fold_batch_norm" }
    public init() {}

    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        var editor = GraphEditor(graph, pass: name)
        var removed = Set<Int>()
        let graphOutputs = Set(graph.outputs)
        for index in editor.nodes.indices {
            let bnNode = editor.nodes[index]
            guard case .batchNorm(let bn) = bnNode.op else { continue }
            let (scale, shift) = try affine(of: bn, node: bnNode, editor)
            let producers = editor.producers(), consumers = editor.consumers()
            let x = bnNode.inputs[0]
            if let p = producers[x], !removed.contains(p), consumers[x]?.count == 1, !graphOutputs.contains(x),
               let folded = try fold(scale: scale, shift: shift, into: editor.nodes[p], output: bnNode.outputs[0],
                                     batchNorm: bnNode, &editor) {
                editor.nodes[p] = folded
                removed.insert(index)
                continue
            }
            editor.nodes[index] = try standalone(scale: scale, shift: shift, node: bnNode, &editor)
        }
        editor.nodes = editor.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return try editor.build()
    }

    /// (s, t) per channel.
    private func affine(of bn: BatchNorm, node: Node, _ editor: GraphEditor) throws(PreparationError) -> ([Double], [Double]) {
        var parameters: [[Double]] = []
        for slot in 1...4 {
            guard let v = try editor.doubles(of: node.inputs[slot], node: node.name) else {
                throw .unsupportedNode(pass: name, node: node.displayName,
                                       reason: "its \(["", "scale", "bias", "mean", "variance"][slot]) is computed by the graph, not a constant")
            }
            parameters.append(v)
        }
        let gamma = parameters[0], beta = parameters[1], mean = parameters[2], variance = parameters[3]
        var scale = [Double](repeating: 0, count: gamma.count), shift = scale
        for c in gamma.indices {
            let denominator = variance[c] + Double(bn.epsilon)
            guard denominator > 0 else {
                throw .invalidParameter(pass: name, what: "batch norm '\(node.displayName)' channel \(c)",
                                        reason: "has variance + epsilon = \(denominator) ≤ 0; the model's statistics are broken")
            }
            scale[c] = gamma[c] / denominator.squareRoot()
            shift[c] = beta[c] - mean[c] * scale[c]
        }
        return (scale, shift)
    }

    /// The producer with the affine map folded in and writing `output`, or nil when the producer
    /// is not a layer that can absorb it.
    private func fold(scale: [Double], shift: [Double], into layer: Node, output: ValueID, batchNorm: Node,
                      _ editor: inout GraphEditor) throws(PreparationError) -> Node? {
        guard layer.inputs.count >= 2, layer.inputs.dropFirst().allSatisfy({ editor.isConstant($0) }) else { return nil }
        let weightsID = layer.inputs[1]
        let weightType = editor.type(of: weightsID)
        let shape = weightType.shape
        // The output channel of weight element i.
        let channelOf: (Int) -> Int
        switch layer.op {
        case .conv, .dense:
            let per = shape.dropFirst().reduce(1, *)
            channelOf = { $0 / per }
        case .convTranspose(let a):
            let perGroupOut = shape[1], taps = shape.dropFirst(2).reduce(1, *)
            let inPerGroup = shape[0] / a.group
            channelOf = { i in ((i / (perGroupOut * taps)) / inPerGroup) * perGroupOut + (i / taps) % perGroupOut }
        default:
            return nil
        }
        guard var weights = try editor.doubles(of: weightsID, node: layer.name) else { return nil }
        for i in weights.indices { weights[i] *= scale[channelOf(i)] }
        var bias = [Double](repeating: 0, count: scale.count)
        if layer.inputs.count == 3, let b = try editor.doubles(of: layer.inputs[2], node: layer.name) { bias = b }
        for c in bias.indices { bias[c] = bias[c] * scale[c] + shift[c] }
        let dataType = weightType.dataType
        let w = editor.addConstant(name: editor.valueName(weightsID) + "_bn_folded", shape: shape, elements: weights, dataType: dataType)
        let biasName = layer.inputs.count == 3 ? editor.valueName(layer.inputs[2]) + "_bn_folded" : layer.name + "_bias_bn_folded"
        let b = editor.addConstant(name: biasName, shape: [scale.count], elements: bias, dataType: dataType)
        return Node(name: layer.name, sourceNames: layer.sourceNames + batchNorm.sourceNames, op: layer.op,
                    inputs: [layer.inputs[0], w, b], outputs: [output])
    }

    /// A batch norm that no layer absorbs, as a depthwise 1×1 convolution (or diagonal dense).
    private func standalone(scale: [Double], shift: [Double], node: Node,
                            _ editor: inout GraphEditor) throws(PreparationError) -> Node {
        let x = node.inputs[0]
        let xType = editor.type(of: x)
        let channels = scale.count
        let dataType = xType.dataType
        let op: Op
        let weightShape: [Int]
        var weights: [Double]
        switch xType.rank {
        case 2:
            op = .dense(Dense())
            weightShape = [channels, channels]
            weights = [Double](repeating: 0, count: channels * channels)
            for c in 0..<channels { weights[c * channels + c] = scale[c] }
        case 3, 4:
            let spatial = xType.rank - 2
            op = .conv(Convolution(kernelShape: Array(repeating: 1, count: spatial), strides: Array(repeating: 1, count: spatial),
                                   dilations: Array(repeating: 1, count: spatial), padsBegin: Array(repeating: 0, count: spatial),
                                   padsEnd: Array(repeating: 0, count: spatial), group: channels))
            weightShape = [channels, 1] + Array(repeating: 1, count: spatial)
            weights = scale
        default:
            throw .unsupportedNode(pass: name, node: node.displayName,
                                   reason: "batch norm of a rank-\(xType.rank) tensor follows no layer it can be folded into; only 1-D and 2-D feature maps are supported")
        }
        let base = editor.valueName(node.inputs[1])
        let w = editor.addConstant(name: base + "_as_weights", shape: weightShape, elements: weights, dataType: dataType)
        let b = editor.addConstant(name: base + "_as_bias", shape: [channels], elements: shift, dataType: dataType)
        return Node(name: node.name, sourceNames: node.sourceNames, op: op, inputs: [x, w, b], outputs: node.outputs)
    }
}
