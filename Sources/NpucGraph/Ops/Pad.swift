// Padding of every axis (begin and end counts; negative counts crop), by constant, reflect,
// edge or wrap.

public struct Pad: OperatorDefinition {
    public enum Mode: String, Codable, Sendable, Hashable { case constant, reflect, edge, wrap }

    public static let kind = OpKind.pad
    public static let inputArity = 1...1

    public var mode: Mode
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var value: Float

    public init(mode: Mode, padsBegin: [Int], padsEnd: [Int], value: Float) {
        self.mode = mode
        self.padsBegin = padsBegin
        self.padsEnd = padsEnd
        self.value = value
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        guard padsBegin.count == x.count, padsEnd.count == x.count else {
            throw ShapeInferenceError("pads have \(padsBegin.count) axes, input has rank \(x.count)")
        }
        var out = x
        for i in 0..<x.count {
            out[i] = x[i] + padsBegin[i] + padsEnd[i]
            guard out[i] >= 0 else { throw ShapeInferenceError("padding makes axis \(i) negative") }
            if mode == .reflect, padsBegin[i] >= x[i] || padsEnd[i] >= x[i], padsBegin[i] + padsEnd[i] > 0 {
                throw ShapeInferenceError("reflect padding of \(max(padsBegin[i], padsEnd[i])) needs more than \(x[i]) elements along axis \(i)")
            }
        }
        return [TensorType(inputs[0].dataType, out)]
    }
}

extension Pad {
    static let npuConstraints: [Constraint] = [
        Constraint("Padding is constant, reflect or edge, does not crop (no negative pads) and leaves the batch axis alone.") { c in
            guard case .pad(let a) = c.node.op else { return nil }
            if a.mode == .wrap { return "mode is wrap" }
            if (a.padsBegin + a.padsEnd).contains(where: { $0 < 0 }) { return "a pad is negative (cropping)" }
            if a.padsBegin.first != 0 || a.padsEnd.first != 0 { return "it pads the batch axis" }
            return nil
        },
    ]
}
