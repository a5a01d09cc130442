// Reductions (mean, max, min, sum, L2 norm) over a set of axes.

public struct Reduce: OperatorDefinition {
    public enum Function: String, Codable, Sendable, Hashable { case mean, max, min, sum, l2 }

    public static let kind = OpKind.reduce
    public static let inputArity = 1...1
    public var function: Function
    /// Sorted, non-negative axes.
    public var axes: [Int]
    public var keepDims: Bool

    public init(function: Function, axes: [Int], keepDims: Bool) {
        self.function = function
        self.axes = axes
        self.keepDims = keepDims
    }

    public var layerPrefix: String { "reduce_\(function.rawValue)" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape
        guard axes.allSatisfy({ $0 >= 0 && $0 < x.count }), Set(axes).count == axes.count else {
            throw ShapeInferenceError("axes \(axes) do not fit rank \(x.count)")
        }
        var out = [Int]()
        for i in 0..<x.count {
            if axes.contains(i) {
                if keepDims { out.append(1) }
            } else {
                out.append(x[i])
            }
        }
        return [TensorType(dtype, out)]
    }
}

extension Reduce {
    static let npuConstraints: [Constraint] = [
        Constraint("Reductions are over the channel axis, or over all spatial axes (like global pooling).") { c in
            guard case .reduce(let a) = c.node.op else { return nil }
            let rank = c.inputTypes[0].rank
            if a.axes == [1] || (rank >= 3 && a.axes == Array(2..<rank)) { return nil }
            return "it reduces axes \(a.axes) of a rank-\(rank) tensor"
        },
    ]
}
