// Split of one tensor into several along an axis, with explicit part sizes.

public struct Split: OperatorDefinition {
    public static let kind = OpKind.split
    public static let inputArity = 1...1
    /// Non-negative axis.
    public var axis: Int
    public var sizes: [Int]
    public init(axis: Int, sizes: [Int]) {
        self.axis = axis
        self.sizes = sizes
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        guard axis >= 0, axis < x.count else { throw ShapeInferenceError("axis \(axis) is out of range for rank \(x.count)") }
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == x[axis] else {
            throw ShapeInferenceError("split sizes \(sizes) do not add up to \(x[axis]) along axis \(axis)")
        }
        return sizes.map { size in
            var s = x
            s[axis] = size
            return TensorType(inputs[0].dataType, s)
        }
    }
}

extension Split {
    static let npuConstraints: [Constraint] = [
        Constraint("Splitting is along a feature or spatial axis, not the batch axis (0).") { c in
            guard case .split(let a) = c.node.op, a.axis == 0 else { return nil }
            return "it splits along axis 0"
        },
    ]
}
