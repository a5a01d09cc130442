// Reshape to a fully resolved shape (ONNX Reshape, Flatten, Squeeze and Unsqueeze all map here).

public struct Reshape: OperatorDefinition {
    public static let kind = OpKind.reshape
    public static let inputArity = 1...1
    public var shape: [Int]
    public init(shape: [Int]) { self.shape = shape }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        guard let count = ShapeArithmetic.elementCount(shape), count == inputs[0].elementCount else {
            throw ShapeInferenceError("cannot reshape \(ShapeArithmetic.describe(inputs[0].shape)) (\(inputs[0].elementCount) elements) to \(ShapeArithmetic.describe(shape))")
        }
        return [TensorType(inputs[0].dataType, shape)]
    }
}

/// Axis permutation.
public struct Transpose: OperatorDefinition {
    public static let kind = OpKind.transpose
    public static let inputArity = 1...1
    public var permutation: [Int]
    public init(permutation: [Int]) { self.permutation = permutation }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        guard permutation.sorted() == Array(0..<x.count) else {
            throw ShapeInferenceError("permutation \(permutation) does not fit rank \(x.count)")
        }
        return [TensorType(inputs[0].dataType, permutation.map { x[$0] })]
    }
}

extension Reshape {
    /// The NPU keeps feature maps as H×W×C. A reshape is free when it keeps the batch and either
    /// keeps the channels (only spatial axes are regrouped, or unit axes added or dropped) or
    /// flattens the map into a vector [N, K] (before a dense layer, whose weights absorb the order).
    public static func isLayoutPreserving(from x: [Int], to y: [Int]) -> Bool {
        guard let xb = x.first, let yb = y.first, xb == yb else { return false }
        if x.count >= 2, y.count >= 2, x[1] == y[1] { return true }
        return y.count == 2
    }

    static let npuConstraints: [Constraint] = [
        Constraint("Reshape keeps the batch and channel axes and only regroups spatial axes, adds or drops unit axes, or flattens a feature map into a vector; moving data between the channel axis and other axes is not supported (the NPU stores feature maps as H×W×C).") { c in
            guard case .reshape(let a) = c.node.op else { return nil }
            let x = c.inputTypes[0].shape
            if Reshape.isLayoutPreserving(from: x, to: a.shape) { return nil }
            return "it reshapes \(ShapeArithmetic.describe(x)) to \(ShapeArithmetic.describe(a.shape))"
        },
    ]
}

extension Transpose {
    static let npuConstraints: [Constraint] = [
        Constraint("Transpose only moves unit axes (a layout no-op) or swaps the two spatial axes of an N×C×H×W map.") { c in
            guard case .transpose(let a) = c.node.op else { return nil }
            let x = c.inputTypes[0].shape
            let nonUnitOrder = a.permutation.filter { x[$0] != 1 }
            if nonUnitOrder == nonUnitOrder.sorted() { return nil }
            if x.count == 4, a.permutation == [0, 1, 3, 2] { return nil }
            return "permutation \(a.permutation) of \(ShapeArithmetic.describe(x)) moves data across axes"
        },
    ]
}
