// Binary elementwise arithmetic with NumPy broadcasting: add, sub, mul, div, max, min.

public struct Elementwise: OperatorDefinition {
    public enum Function: String, Codable, Sendable, CaseIterable, Hashable {
        case add, sub, mul, div, max, min
    }

    public static let kind = OpKind.elementwise
    public static let inputArity = 2...2

    public var function: Function
    public init(_ function: Function) { self.function = function }

    public var layerPrefix: String {
        switch function {
        case .add: return "ew_add"
        case .sub: return "ew_sub"
        case .mul: return "ew_mult"
        case .div: return "ew_div"
        case .max: return "ew_max"
        case .min: return "ew_min"
        }
    }

    public func apply(_ a: Float, _ b: Float) -> Float {
        switch function {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .max: return a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        case .min: return a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        }
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        guard let shape = ShapeArithmetic.broadcast(inputs[0].shape, inputs[1].shape) else {
            throw ShapeInferenceError("shapes \(ShapeArithmetic.describe(inputs[0].shape)) and \(ShapeArithmetic.describe(inputs[1].shape)) do not broadcast")
        }
        return [TensorType(dtype, shape)]
    }
}

extension Elementwise {
    static let npuConstraints: [Constraint] = [
        Constraint("Division is by a constant; dividing by a computed tensor is not supported.") { c in
            guard case .elementwise(let a) = c.node.op, a.function == .div, !c.isConstant(1) else { return nil }
            return "the divisor is computed by the graph"
        },
        Constraint("Broadcasting keeps the batch axis: the output batch equals the first input's.") { c in
            let out = c.outputTypes[0].shape, a = c.inputTypes[0].shape
            guard a.count == out.count, let batch = out.first, batch != a[0] else { return nil }
            return "the output batch \(batch) differs from the input batch \(a[0])"
        },
    ]
}
