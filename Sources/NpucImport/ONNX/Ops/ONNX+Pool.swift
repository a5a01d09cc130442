// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool → IR pooling.

import NpucGraph

enum ONNXPoolMappings {
    static let all: [String: ONNXOpMapping] = [
        "MaxPool": ONNXOpMapping(becomes: [.maxPool], note: "the Indices output is not supported", map: { c throws(NodeProblem) in try mapPool(c, max: true) }),
        "AveragePool": ONNXOpMapping(becomes: [.averagePool], note: "count_include_pad and ceil_mode honored", map: { c throws(NodeProblem) in try mapPool(c, max: false) }),
        "GlobalAveragePool": ONNXOpMapping(becomes: [.globalAveragePool], note: "", map: { c throws(NodeProblem) in
            try c.emit(.globalAveragePool(GlobalPooling()), inputs: [try c.value(0)], outputs: [try c.output(0)])
        }),
        "GlobalMaxPool": ONNXOpMapping(becomes: [.globalMaxPool], note: "", map: { c throws(NodeProblem) in
            try c.emit(.globalMaxPool(GlobalPooling()), inputs: [try c.value(0)], outputs: [try c.output(0)])
        }),
    ]

    static func mapPool(_ c: NodeContext, max: Bool) throws(NodeProblem) {
        let x = try c.shape(0)
        guard x.count >= 3 else { throw NodeProblem("input \(ShapeArithmetic.describe(x)) has no spatial axes") }
        if max, c.isOutputUsed(1) {
            throw NodeProblem("the Indices output of MaxPool is not supported")
        }
        guard let kernel = try c.node.ints("kernel_shape") else { throw NodeProblem("kernel_shape is missing") }
        let allowDilations = max ? c.opset >= 10 : c.opset >= 19
        let s = try SpatialAttributes(c, kernel: kernel, inputSpatial: Array(x[2...]), allowDilations: allowDilations)
        let ceil = c.opset >= 10 ? try c.node.int("ceil_mode", default: 0) != 0 : false
        var padsBegin = s.padsBegin, padsEnd = s.padsEnd
        if ceil, let autoPad = try c.node.string("auto_pad"), autoPad.hasPrefix("SAME") {
            // With SAME padding the output is ceil(in / stride); recompute pads for that size.
            for i in 0..<kernel.count {
                let out = (x[i + 2] + s.strides[i] - 1) / s.strides[i]
                let total = Swift.max(0, (out - 1) * s.strides[i] + (kernel[i] - 1) * s.dilations[i] + 1 - x[i + 2])
                padsBegin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                padsEnd[i] = total - padsBegin[i]
            }
        }
        let op = Pooling(kernelShape: kernel, strides: s.strides, dilations: s.dilations, padsBegin: padsBegin,
                         padsEnd: padsEnd, ceilMode: ceil,
                         countIncludePad: max ? false : try c.node.int("count_include_pad", default: 0) != 0)
        try c.emit(max ? .maxPool(op) : .averagePool(op), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }
}
