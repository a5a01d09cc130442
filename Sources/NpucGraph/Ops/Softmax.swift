// Softmax along one axis.

public struct Softmax: OperatorDefinition {
    public static let kind = OpKind.softmax
    public static let inputArity = 1...1
    /// Non-negative axis.
    public var axis: Int
    public init(axis: Int) { self.axis = axis }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        _ = try OpShapes.requireFloat(inputs)
        guard axis >= 0, axis < inputs[0].rank else {
            throw ShapeInferenceError("axis \(axis) is out of range for rank \(inputs[0].rank)")
        }
        return [inputs[0]]
    }
}

extension Softmax {
    static let npuConstraints: [Constraint] = [
        Constraint("Softmax is over the channel axis (1).") { c in
            guard case .softmax(let a) = c.node.op else { return nil }
            let x = c.inputTypes[0].shape
            if a.axis == 1 { return nil }
            return "it is over axis \(a.axis) of \(ShapeArithmetic.describe(x))"
        },
    ]
}
