// Max and average pooling over 1-D or 2-D windows (NCHW).

public struct Pooling: OperatorDefinition {
    public static let kind = OpKind.maxPool
    public static let inputArity = 1...1

    public var kernelShape: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var ceilMode: Bool
    /// Average pooling only: whether padded positions count in the divisor.
    public var countIncludePad: Bool

    public init(kernelShape: [Int], strides: [Int], dilations: [Int], padsBegin: [Int], padsEnd: [Int],
                ceilMode: Bool, countIncludePad: Bool) {
        self.kernelShape = kernelShape
        self.strides = strides
        self.dilations = dilations
        self.padsBegin = padsBegin
        self.padsEnd = padsEnd
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public var spatialRank: Int { kernelShape.count }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape
        let r = spatialRank
        guard r >= 1, x.count == r + 2 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) does not fit a \(r)-D pooling window")
        }
        try OpShapes.checkSpatial("kernel_shape", kernelShape, count: r, minimum: 1)
        try OpShapes.checkSpatial("strides", strides, count: r, minimum: 1)
        try OpShapes.checkSpatial("dilations", dilations, count: r, minimum: 1)
        try OpShapes.checkSpatial("pads", padsBegin, count: r, minimum: 0)
        try OpShapes.checkSpatial("pads", padsEnd, count: r, minimum: 0)
        var out = [x[0], x[1]]
        for i in 0..<r {
            guard padsBegin[i] < kernelShape[i], padsEnd[i] < kernelShape[i] else {
                throw ShapeInferenceError("padding \(padsBegin[i]),\(padsEnd[i]) is not smaller than the kernel \(kernelShape[i])")
            }
            let o = OpShapes.windowOutput(input: x[i + 2], kernel: kernelShape[i], stride: strides[i], dilation: dilations[i],
                                          padBegin: padsBegin[i], padEnd: padsEnd[i], ceilMode: ceilMode)
            guard o >= 1 else { throw ShapeInferenceError("pooling window does not fit the padded input along axis \(i + 2)") }
            out.append(o)
        }
        return [TensorType(dtype, out)]
    }
}

/// Global average or max pooling: every spatial axis reduced to 1.
public struct GlobalPooling: OperatorDefinition {
    public static let kind = OpKind.globalAveragePool
    public static let inputArity = 1...1
    public init() {}

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape
        guard x.count >= 3 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) has no spatial axes")
        }
        return [TensorType(dtype, [x[0], x[1]] + Array(repeating: 1, count: x.count - 2))]
    }
}

extension Pooling {
    static let npuConstraints: [Constraint] = [
        Constraint("Pooling windows are 1-D or 2-D.") { c in
            guard c.inputTypes[0].rank > 4 else { return nil }
            return "the input has rank \(c.inputTypes[0].rank)"
        },
    ]
}
