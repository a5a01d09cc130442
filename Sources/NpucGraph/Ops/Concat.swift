// Concatenation of several tensors along one axis.

public struct Concat: OperatorDefinition {
    public static let kind = OpKind.concat
    public static let inputArity = 1...4096
    /// Non-negative axis.
    public var axis: Int
    public init(axis: Int) { self.axis = axis }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        var shape = inputs[0].shape
        guard axis >= 0, axis < shape.count else {
            throw ShapeInferenceError("axis \(axis) is out of range for rank \(shape.count)")
        }
        for t in inputs.dropFirst() {
            guard t.rank == shape.count else { throw ShapeInferenceError("inputs have different ranks") }
            for d in 0..<shape.count where d != axis && t.shape[d] != shape[d] {
                throw ShapeInferenceError("input \(ShapeArithmetic.describe(t.shape)) differs from \(ShapeArithmetic.describe(inputs[0].shape)) outside axis \(axis)")
            }
            shape[axis] += t.shape[axis]
        }
        return [TensorType(dtype, shape)]
    }
}

extension Concat {
    static let npuConstraints: [Constraint] = [
        Constraint("Concatenation is along a feature or spatial axis, not the batch axis (0).") { c in
            guard case .concat(let a) = c.node.op, a.axis == 0 else { return nil }
            return "it concatenates along axis 0"
        },
    ]
}
