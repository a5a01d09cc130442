// Gemm and MatMul with constant weights → IR dense (weights stored [M, K], alpha/beta folded).

import NpucGraph

enum ONNXDenseMappings {
    static let all: [String: ONNXOpMapping] = [
        "Gemm": ONNXOpMapping(becomes: [.dense], note: "B constant, transA = 0, A of rank 2; alpha, beta and transB folded into the weights", map: mapGemm),
        "MatMul": ONNXOpMapping(becomes: [.dense], note: "A of rank 2 times a constant 2-D B", map: mapMatMul),
    ]

    static func mapGemm(_ c: NodeContext) throws(NodeProblem) {
        let a = try c.shape(0)
        guard a.count == 2 else { throw NodeProblem("input A has shape \(ShapeArithmetic.describe(a)); a rank-2 [N, K] input is required") }
        guard try c.node.int("transA", default: 0) == 0 else {
            throw NodeProblem("transA = 1 transposes the feature map, which the NPU does not support")
        }
        let b = try c.requireConstant(1, "weight matrix B")
        guard b.rank == 2 else { throw NodeProblem("B has shape \(ShapeArithmetic.describe(b.shape)); a 2-D matrix is required") }
        let alpha = try c.node.float("alpha", default: 1), beta = try c.node.float("beta", default: 1)
        let transB = try c.node.int("transB", default: 0) != 0
        var weights = transB ? b.floats : transpose2D(b.floats, rows: b.shape[0], cols: b.shape[1])
        let m = transB ? b.shape[0] : b.shape[1], k = transB ? b.shape[1] : b.shape[0]
        if alpha != 1 { weights = weights.map { $0 * alpha } }
        var inputs = [try c.value(0), c.addConstant(Tensor(shape: [m, k], float32: weights))]
        if c.isPresent(2) {
            let bias = try c.requireConstant(2, "bias C")
            let values = bias.floats
            let biasVector: [Float]
            switch bias.shape {
            case [], [1], [1, 1]: biasVector = Array(repeating: values[0] * beta, count: m)
            case [m], [1, m]: biasVector = values.map { $0 * beta }
            default:
                throw NodeProblem("bias C has shape \(ShapeArithmetic.describe(bias.shape)); npuc needs a per-output vector (\(m))")
            }
            inputs.append(c.addConstant(Tensor(shape: [m], float32: biasVector)))
        }
        try c.emit(.dense(Dense()), inputs: inputs, outputs: [try c.output(0)])
    }

    static func mapMatMul(_ c: NodeContext) throws(NodeProblem) {
        let a = try c.shape(0)
        guard let b = c.constant(1) else {
            throw NodeProblem("both operands are computed tensors; the NPU multiplies feature maps only by constant weights")
        }
        guard a.count == 2, b.rank == 2 else {
            throw NodeProblem("MatMul of \(ShapeArithmetic.describe(a)) by \(ShapeArithmetic.describe(b.shape)); npuc maps only [N, K] × [K, M] (a dense layer)")
        }
        let weights = transpose2D(b.floats, rows: b.shape[0], cols: b.shape[1])
        let w = c.addConstant(Tensor(shape: [b.shape[1], b.shape[0]], float32: weights))
        try c.emit(.dense(Dense()), inputs: [try c.value(0), w], outputs: [try c.output(0)])
    }

    static func transpose2D(_ values: [Float], rows: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for r in 0..<rows {
            for col in 0..<cols { out[col * rows + r] = values[r * cols + col] }
        }
        return out
    }
}
