// Conv and ConvTranspose → IR conv / conv_transpose (all opsets: 1, 11, 22).

import NpucGraph

enum ONNXConvMappings {
    static let all: [String: ONNXOpMapping] = [
        "Conv": ONNXOpMapping(becomes: [.conv], note: "any group count (depthwise included); auto_pad resolved", map: mapConv),
        "ConvTranspose": ONNXOpMapping(becomes: [.convTranspose], note: "output_shape and auto_pad resolved into pads", map: mapConvTranspose),
    ]

    static func mapConv(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0), w = try c.shape(1)
        guard x.count >= 3, w.count == x.count else {
            throw NodeProblem("input \(ShapeArithmetic.describe(x)) and weights \(ShapeArithmetic.describe(w)) do not form a convolution")
        }
        let kernel = try c.node.ints("kernel_shape") ?? Array(w[2...])
        let s = try SpatialAttributes(c, kernel: kernel, inputSpatial: Array(x[2...]))
        let group = try c.node.int("group", default: 1)
        let op = Convolution(kernelShape: kernel, strides: s.strides, dilations: s.dilations,
                             padsBegin: s.padsBegin, padsEnd: s.padsEnd, group: group)
        var inputs = [try c.value(0), try c.value(1)]
        if c.isPresent(2) { inputs.append(try c.value(2)) }
        try c.emit(.conv(op), inputs: inputs, outputs: [try c.output(0)])
    }

    static func mapConvTranspose(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0), w = try c.shape(1)
        guard x.count >= 3, w.count == x.count else {
            throw NodeProblem("input \(ShapeArithmetic.describe(x)) and weights \(ShapeArithmetic.describe(w)) do not form a transposed convolution")
        }
        let r = x.count - 2
        let kernel = try c.node.ints("kernel_shape") ?? Array(w[2...])
        let strides = try c.node.ints("strides") ?? Array(repeating: 1, count: r)
        let dilations = try c.node.ints("dilations") ?? Array(repeating: 1, count: r)
        var outputPadding = try c.node.ints("output_padding") ?? Array(repeating: 0, count: r)
        let group = try c.node.int("group", default: 1)
        guard kernel.count == r, strides.count == r, dilations.count == r, outputPadding.count == r else {
            throw NodeProblem("kernel_shape, strides, dilations or output_padding do not have \(r) entries")
        }
        let autoPad = try c.node.string("auto_pad", default: "NOTSET")
        var padsBegin = Array(repeating: 0, count: r), padsEnd = Array(repeating: 0, count: r)
        let outputShape = try c.node.ints("output_shape")
        if let pads = try c.node.ints("pads"), outputShape == nil, autoPad == "NOTSET" {
            guard pads.count == 2 * r else { throw NodeProblem("pads \(pads) should have \(2 * r) entries") }
            padsBegin = Array(pads[0..<r])
            padsEnd = Array(pads[r...])
        } else if outputShape != nil || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            // The output size is given (or implied: input × stride); the padding follows from it.
            let target = outputShape.map { Array($0.suffix(r)) } ?? (0..<r).map { x[$0 + 2] * strides[$0] }
            for i in 0..<r {
                let full = strides[i] * (x[i + 2] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
                let total = full - target[i]
                if total < 0 {
                    outputPadding[i] += -total
                } else if autoPad == "SAME_UPPER" {
                    padsBegin[i] = total / 2
                    padsEnd[i] = total - total / 2
                } else {
                    padsBegin[i] = total - total / 2
                    padsEnd[i] = total / 2
                }
            }
        }
        let op = ConvTranspose(kernelShape: kernel, strides: strides, dilations: dilations, padsBegin: padsBegin,
                               padsEnd: padsEnd, outputPadding: outputPadding, group: group)
        var inputs = [try c.value(0), try c.value(1)]
        if c.isPresent(2) { inputs.append(try c.value(2)) }
        try c.emit(.convTranspose(op), inputs: inputs, outputs: [try c.output(0)])
    }
}
