// Strided slice with explicit start, end and step for every axis (resolved and clamped at
// import, so end-exclusive and within bounds; negative steps walk backwards).

public struct Slice: OperatorDefinition {
    public static let kind = OpKind.slice
    public static let inputArity = 1...1

    public var starts: [Int]
    public var ends: [Int]
    public var steps: [Int]

    public init(starts: [Int], ends: [Int], steps: [Int]) {
        self.starts = starts
        self.ends = ends
        self.steps = steps
    }

    /// Number of elements selected along one axis.
    public static func length(start: Int, end: Int, step: Int) -> Int {
        if step > 0 { return end > start ? (end - start + step - 1) / step : 0 }
        return start > end ? (start - end - step - 1) / (-step) : 0
    }

    /// Resolves ONNX-style start/end/step for one axis of size `dim` (negative indices count
    /// from the end; out-of-range values clamp as ONNX specifies).
    public static func resolve(start: Int64, end: Int64, step: Int64, dim: Int) -> (start: Int, end: Int, step: Int) {
        let d = Int64(dim)
        var s = start < 0 ? start + d : start
        var e = end < 0 ? end + d : end
        if step > 0 {
            s = Swift.max(0, Swift.min(s, d))
            e = Swift.max(0, Swift.min(e, d))
        } else {
            s = Swift.max(0, Swift.min(s, d - 1))
            e = Swift.max(-1, Swift.min(e, d - 1))
        }
        return (Int(s), Int(e), Int(step))
    }

    /// Axes where the slice selects less than the whole axis.
    public func slicedAxes(inputShape: [Int]) -> [Int] {
        inputShape.indices.filter { !(starts[$0] == 0 && ends[$0] == inputShape[$0] && steps[$0] == 1) }
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        guard starts.count == x.count, ends.count == x.count, steps.count == x.count else {
            throw ShapeInferenceError("slice has \(starts.count) axes, input has rank \(x.count)")
        }
        var out = [Int]()
        for i in 0..<x.count {
            guard steps[i] != 0 else { throw ShapeInferenceError("step along axis \(i) is zero") }
            out.append(Self.length(start: starts[i], end: ends[i], step: steps[i]))
        }
        return [TensorType(inputs[0].dataType, out)]
    }
}

extension Slice {
    static let npuConstraints: [Constraint] = [
        Constraint("Slicing keeps the batch axis (0) whole and steps forward (step ≥ 1).") { c in
            guard case .slice(let a) = c.node.op else { return nil }
            let axes = a.slicedAxes(inputShape: c.inputTypes[0].shape)
            if axes.contains(0) { return "it slices the batch axis" }
            if let bad = axes.first(where: { a.steps[$0] < 1 }) { return "it steps by \(a.steps[bad]) along axis \(bad)" }
            return nil
        },
    ]
}
