// Shared by the passes that rewrite what a network input means (normalization, input
// conversion): finding the input, and building the explicit per-channel layer they fall back to.

import NpucGraph

enum InputChannels {
    /// The input named `name`, or the only input when `name` is nil.
    static func find(_ name: String?, in editor: GraphEditor) throws(PreparationError) -> ValueID {
        let names = editor.inputs.map { editor.valueName($0) }
        if let name {
            guard let i = names.firstIndex(of: name) else { throw .unknownInput(name: name, graphInputs: names) }
            return editor.inputs[i]
        }
        guard editor.inputs.count == 1 else { throw .unknownInput(name: nil, graphInputs: names) }
        return editor.inputs[0]
    }

    /// A 1×1 convolution (rank 3 or 4) or dense layer (rank 2) applying `weights` [out, in/group]
    /// and `bias` to `x` along the channel axis. `group` is 1 (a channel mix) or the channel count
    /// (per channel: `weights` has one entry per channel).
    static func pointwiseLayer(_ x: ValueID, weights: [Double], bias: [Double], group: Int, name: String,
                               pass: String, outputName: String, _ editor: inout GraphEditor) throws(PreparationError) -> Node {
        let type = editor.type(of: x)
        let channels = type.shape[1]
        let op: Op
        var weightShape: [Int]
        var elements = weights
        switch type.rank {
        case 2:
            op = .dense(Dense())
            weightShape = [channels, channels]
            if group != 1 {
                elements = [Double](repeating: 0, count: channels * channels)
                for c in 0..<channels { elements[c * channels + c] = weights[c] }
            }
        case 3, 4:
            let spatial = type.rank - 2
            let ones = Array(repeating: 1, count: spatial), zeros = Array(repeating: 0, count: spatial)
            op = .conv(Convolution(kernelShape: ones, strides: ones, dilations: ones, padsBegin: zeros, padsEnd: zeros, group: group))
            weightShape = [channels, channels / group] + ones
        default:
            throw .unsupportedNode(pass: pass, node: editor.valueName(x),
                                   reason: "the input has rank \(type.rank); per-channel input layers need rank 2, 3 or 4")
        }
        let w = editor.addConstant(name: name + "_weights", shape: weightShape, elements: elements, dataType: type.dataType)
        let b = editor.addConstant(name: name + "_bias", shape: [channels], elements: bias, dataType: type.dataType)
        return try editor.makeNode(name: name, sourceNames: [], op: op, inputs: [x, w, b], outputNames: [outputName])
    }

    /// Inserts `layer` (which reads the input `x`) before the first node, and makes the nodes in
    /// `readers` (and graph outputs equal to `x`) read its output instead of `x`.
    static func insert(_ layer: Node, before readers: [Int], replacing x: ValueID, _ editor: inout GraphEditor) {
        let readerSet = Set(readers)
        for i in editor.nodes.indices where readerSet.contains(i) {
            editor.nodes[i].inputs = editor.nodes[i].inputs.map { $0 == x ? layer.outputs[0] : $0 }
        }
        editor.outputs = editor.outputs.map { $0 == x ? layer.outputs[0] : $0 }
        editor.nodes.insert(layer, at: 0)
    }
}
