// Folding of the model script's `normalization(mean, std)` into the network: the network then
// takes raw pixels x and computes what it computed on (x − mean[c]) / std[c].
//
// A convolution reading the input directly absorbs the map: w'[m, c, …] = w[m, c, …] / std[c]
// and b'[m] = b[m] − Σ_{c,taps} w'[m, c, …] · mean[c]. That is exact only where every tap reads
// a real pixel. Zero padding breaks it: the original network pads the *normalized* input with 0,
// which is the raw value mean[c], while the folded network pads the raw input with 0, so border
// outputs would be off by Σ_{padded taps} w'·mean. Hence, per convolution reading the input:
//   - no padding, or every mean is 0 (padding 0 means 0 in both): fold exactly as above;
//   - padding and one mean for every channel: make the padding explicit — a constant Pad node
//     with value = mean before the convolution, whose own padding becomes 0 — then fold exactly
//     (a padded tap now reads the raw value mean, i.e. normalized 0, as before);
//   - padding and different means per channel: a Pad has one value for all channels, so exact
//     folding is impossible; the normalization stays an explicit layer (see below).
// Readers of the input that are not such convolutions (a concat, a pooling, a convolution with
// computed weights, …) read an explicit normalization layer instead: a depthwise 1×1 convolution
// with weights 1/std and bias −mean/std (a dense layer for rank-2 inputs), named like the
// script's layer (`normalization1`). Folded convolutions keep their names and original names.

import NpucGraph

public struct FoldNormalization: GraphPass {
    public var mean: [Double]
    public var std: [Double]
    /// The graph input it applies to; nil for the model's only input.
    public var input: String?
    /// Name of the explicit normalization layer, when one is needed.
    public var layerName: String

    public var name: String { "fold_normalization" }

    public init(mean: [Double], std: [Double], input: String? = nil, layerName: String = "normalization1") {
        self.mean = mean
        self.std = std
        self.input = input
        self.layerName = layerName
    }

    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        var editor = GraphEditor(graph, pass: name)
        let x = try InputChannels.find(input, in: editor)
        let xType = editor.type(of: x)
        let inputName = editor.valueName(x)
        guard xType.rank >= 2 else {
            throw .unsupportedNode(pass: name, node: inputName, reason: "the input has no channel axis (rank \(xType.rank))")
        }
        let channels = xType.shape[1]
        let (mean, std) = try perChannel(channels: channels, input: inputName)
        let consumers = editor.consumers()[x] ?? []
        let zeroMean = mean.allSatisfy { $0 == 0 }
        let uniformMean = mean.allSatisfy { $0 == mean[0] }

        var rewritten: [Int: [Node]] = [:]
        var explicit: [Int] = []
        for i in consumers where !rewritten.keys.contains(i) && !explicit.contains(i) {
            let node = editor.nodes[i]
            guard case .conv(var conv) = node.op, node.inputs[0] == x, !node.inputs.dropFirst().contains(x),
                  node.inputs.dropFirst().allSatisfy({ editor.isConstant($0) }) else {
                explicit.append(i)
                continue
            }
            let padded = (conv.padsBegin + conv.padsEnd).contains { $0 != 0 }
            var replacement: [Node] = []
            var source = x
            if padded && !zeroMean {
                guard uniformMean else {
                    explicit.append(i)
                    continue
                }
                let pad = Pad(mode: .constant, padsBegin: [0, 0] + conv.padsBegin, padsEnd: [0, 0] + conv.padsEnd, value: Float(mean[0]))
                let padNode = try editor.makeNode(name: editor.freshNodeName(prefix: "pad"), sourceNames: node.sourceNames,
                                                  op: .pad(pad), inputs: [x], outputNames: [inputName + "_padded"])
                replacement.append(padNode)
                source = padNode.outputs[0]
                conv.padsBegin = conv.padsBegin.map { _ in 0 }
                conv.padsEnd = conv.padsEnd.map { _ in 0 }
            }
            let (w, b) = try foldedParameters(conv, node: node, mean: mean, std: std, &editor)
            replacement.append(Node(name: node.name, sourceNames: node.sourceNames, op: .conv(conv),
                                    inputs: [source, w, b], outputs: node.outputs))
            rewritten[i] = replacement
        }

        var nodes: [Node] = []
        for (i, node) in editor.nodes.enumerated() { nodes.append(contentsOf: rewritten[i] ?? [node]) }
        let feedsOutput = editor.outputs.contains(x)
        editor.nodes = nodes
        if !explicit.isEmpty || feedsOutput {
            // Node names are unique, so the explicit readers are found again by name after the rebuild.
            let explicitNames = Set(explicit.map { graph.nodes[$0].name })
            let readers = editor.nodes.indices.filter { explicitNames.contains(editor.nodes[$0].name) }
            let layer = try InputChannels.pointwiseLayer(
                x, weights: std.map { 1 / $0 }, bias: zip(mean, std).map { -$0 / $1 }, group: channels,
                name: uniqueLayerName(&editor), pass: name, outputName: inputName + "_normalized", &editor)
            InputChannels.insert(layer, before: readers, replacing: x, &editor)
        }
        return try editor.build()
    }

    private func uniqueLayerName(_ editor: inout GraphEditor) -> String {
        if !editor.nodes.contains(where: { $0.name == layerName }) { return layerName }
        var base = layerName
        while let last = base.last, last.isNumber { base.removeLast() }
        return editor.freshNodeName(prefix: base.isEmpty ? "normalization" : base)
    }

    /// mean and std with one entry per channel (a single value is repeated), checked.
    private func perChannel(channels: Int, input: String) throws(PreparationError) -> ([Double], [Double]) {
        guard mean.count == std.count else {
            throw .invalidParameter(pass: name, what: "normalization", reason: "has \(mean.count) means but \(std.count) stds; give one of each per channel")
        }
        guard mean.count == channels || mean.count == 1 else {
            throw .channelCountMismatch(pass: name, input: input, expected: channels, got: mean.count)
        }
        for (i, s) in std.enumerated() where s == 0 || !s.isFinite {
            throw .invalidParameter(pass: name, what: "normalization std[\(i)]", reason: "is \(s); it must be a finite, non-zero number")
        }
        for (i, m) in mean.enumerated() where !m.isFinite {
            throw .invalidParameter(pass: name, what: "normalization mean[\(i)]", reason: "is \(m); it must be finite")
        }
        let expand = { (v: [Double]) in v.count == channels ? v : Array(repeating: v[0], count: channels) }
        return (expand(mean), expand(std))
    }

    /// Weights / std[c] and bias − Σ w'·mean[c], as new constants.
    private func foldedParameters(_ conv: Convolution, node: Node, mean: [Double], std: [Double],
                                  _ editor: inout GraphEditor) throws(PreparationError) -> (ValueID, ValueID) {
        let weightsID = node.inputs[1]
        let wType = editor.type(of: weightsID)
        guard var weights = try editor.doubles(of: weightsID, node: node.name) else {
            throw .invalidResult(pass: name, message: "weights of '\(node.name)' are not constant")
        }
        let outChannels = wType.shape[0], perGroupIn = wType.shape[1]
        let taps = wType.shape.dropFirst(2).reduce(1, *)
        let outPerGroup = outChannels / conv.group
        var bias = [Double](repeating: 0, count: outChannels)
        if node.inputs.count == 3, let b = try editor.doubles(of: node.inputs[2], node: node.name) { bias = b }
        for m in 0..<outChannels {
            let group = m / outPerGroup
            var shift = 0.0
            for ci in 0..<perGroupIn {
                let c = group * perGroupIn + ci
                let base = (m * perGroupIn + ci) * taps
                for t in 0..<taps {
                    weights[base + t] /= std[c]
                    shift += weights[base + t] * mean[c]
                }
            }
            bias[m] -= shift
        }
        let w = editor.addConstant(name: editor.valueName(weightsID) + "_normalization_folded", shape: wType.shape,
                                   elements: weights, dataType: wType.dataType)
        let biasName = node.inputs.count == 3 ? editor.valueName(node.inputs[2]) + "_normalization_folded" : node.name + "_bias_normalization_folded"
        let b = editor.addConstant(name: biasName, shape: [outChannels], elements: bias, dataType: wType.dataType)
        return (w, b)
    }
}
