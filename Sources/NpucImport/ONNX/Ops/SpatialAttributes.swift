// Shared reading of the sliding-window attributes of Conv, ConvTranspose and pooling ops:
// kernel_shape, strides, dilations, pads and auto_pad resolved into explicit begin/end pads.

import NpucGraph

struct SpatialAttributes {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padsBegin: [Int]
    var padsEnd: [Int]

    /// Reads the attributes for `spatialRank` axes of an input with spatial sizes `inputSpatial`.
    init(_ context: NodeContext, kernel: [Int], inputSpatial: [Int], allowDilations: Bool = true) throws(NodeProblem) {
        let node = context.node
        let r = kernel.count
        guard inputSpatial.count == r else {
            throw NodeProblem("kernel \(kernel) does not match the input's \(inputSpatial.count) spatial axes")
        }
        self.kernel = kernel
        strides = try node.ints("strides") ?? Array(repeating: 1, count: r)
        dilations = allowDilations ? (try node.ints("dilations") ?? Array(repeating: 1, count: r)) : Array(repeating: 1, count: r)
        guard strides.count == r, dilations.count == r else {
            throw NodeProblem("strides \(strides) or dilations \(dilations) do not have \(r) entries")
        }
        guard strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }) else {
            throw NodeProblem("strides \(strides) and dilations \(dilations) must be ≥ 1")
        }
        let autoPad = try node.string("auto_pad", default: "NOTSET")
        switch autoPad {
        case "NOTSET":
            let pads = try node.ints("pads") ?? Array(repeating: 0, count: 2 * r)
            guard pads.count == 2 * r else { throw NodeProblem("pads \(pads) should have \(2 * r) entries") }
            padsBegin = Array(pads[0..<r])
            padsEnd = Array(pads[r...])
        case "VALID":
            padsBegin = Array(repeating: 0, count: r)
            padsEnd = Array(repeating: 0, count: r)
        case "SAME_UPPER", "SAME_LOWER":
            padsBegin = []
            padsEnd = []
            for i in 0..<r {
                let out = (inputSpatial[i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSpatial[i])
                let small = total / 2
                padsBegin.append(autoPad == "SAME_UPPER" ? small : total - small)
                padsEnd.append(autoPad == "SAME_UPPER" ? total - small : small)
            }
        default:
            throw NodeProblem("auto_pad '\(autoPad)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
        }
    }
}
