// Fully connected layer: x [N, K] times weights [M, K] (transposed), plus optional bias [M].

public struct Dense: OperatorDefinition {
    public static let kind = OpKind.dense
    public static let inputArity = 2...3
    public init() {}
    public var layerPrefix: String { "fc" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape, w = inputs[1].shape
        guard x.count == 2, w.count == 2, x[1] == w[1] else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) does not fit weights \(ShapeArithmetic.describe(w)) (expected [N, K] and [M, K])")
        }
        if inputs.count == 3, inputs[2].shape != [w[0]] {
            throw ShapeInferenceError("bias has shape \(ShapeArithmetic.describe(inputs[2].shape)), expected \(w[0])")
        }
        return [TensorType(dtype, [x[0], w[0]])]
    }

    public func macs(inputs: [TensorType], outputs: [TensorType]) -> Int {
        outputs[0].elementCount * inputs[1].shape[1]
    }
}

extension Dense {
    static let npuConstraints: [Constraint] = [
        Constraint("Weights and bias are constants (initializers); a product of two computed tensors is not supported.") { c in
            (1..<c.inputTypes.count).contains { !c.isConstant($0) } ? "the weights or bias are computed by the graph" : nil
        },
    ]
}
