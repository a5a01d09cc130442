// BatchNormalization (inference form) and Softmax (opset < 13 semantics resolved).

import NpucGraph

enum ONNXNormalizationMappings {
    static let all: [String: ONNXOpMapping] = [
        "BatchNormalization": ONNXOpMapping(becomes: [.batchNorm], note: "inference mode only", map: mapBatchNorm),
        "Softmax": ONNXOpMapping(becomes: [.softmax], note: "before opset 13 only where the flattened form equals a single-axis softmax", map: mapSoftmax),
    ]

    static func mapBatchNorm(_ c: NodeContext) throws(NodeProblem) {
        let training = try c.node.int("training_mode", default: 0) != 0
        if training || (1..<c.node.outputs.count).contains(where: { c.isOutputUsed($0) }) {
            throw NodeProblem("training-mode batch normalization (running statistics outputs) is not supported")
        }
        let op = BatchNorm(epsilon: try c.node.float("epsilon", default: 1e-5))
        try c.emit(.batchNorm(op), inputs: try (0..<5).map { i throws(NodeProblem) in try c.value(i) }, outputs: [try c.output(0)])
    }

    static func mapSoftmax(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        let defaultAxis = c.opset >= 13 ? -1 : 1
        guard let axis = ShapeArithmetic.normalizeAxis(try c.node.int("axis", default: defaultAxis), rank: x.count) else {
            throw NodeProblem("axis is out of range for \(ShapeArithmetic.describe(x))")
        }
        if c.opset < 13 {
            // Older softmax flattens axes ≥ axis into one; equal to a single-axis softmax when
            // at most one of those axes is larger than 1.
            let trailing = x[axis...].enumerated().filter { $0.element != 1 }
            guard trailing.count <= 1 else {
                throw NodeProblem("opset-\(c.opset) softmax over the flattened axes \(axis)… of \(ShapeArithmetic.describe(x)) is not supported")
            }
            let single = trailing.first.map { axis + $0.offset } ?? axis
            try c.emit(.softmax(Softmax(axis: single)), inputs: [try c.value(0)], outputs: [try c.output(0)])
            return
        }
        try c.emit(.softmax(Softmax(axis: axis)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }
}
