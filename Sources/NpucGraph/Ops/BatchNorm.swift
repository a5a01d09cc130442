// Inference-mode batch normalization: inputs x, scale, bias, mean, variance (per channel, axis 1).
// The optimizer folds it into the preceding convolution.

public struct BatchNorm: OperatorDefinition {
    public static let kind = OpKind.batchNorm
    public static let inputArity = 5...5
    public var epsilon: Float
    public init(epsilon: Float) { self.epsilon = epsilon }
    public var layerPrefix: String { "bn" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape
        guard x.count >= 2 else { throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) has no channel axis") }
        for i in 1...4 where inputs[i].shape != [x[1]] {
            throw ShapeInferenceError("parameter \(i) has shape \(ShapeArithmetic.describe(inputs[i].shape)), expected \(x[1])")
        }
        return [TensorType(dtype, x)]
    }
}

extension BatchNorm {
    static let npuConstraints: [Constraint] = [
        Constraint("Scale, bias, mean and variance are constants (they are folded into the preceding layer).") { c in
            (1...4).contains { !c.isConstant($0) } ? "a parameter is computed by the graph" : nil
        },
    ]
}
