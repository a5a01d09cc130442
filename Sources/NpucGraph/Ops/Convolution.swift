// Convolution (dense, grouped and depthwise), 1-D or 2-D, NCHW: inputs x, weights [M, C/group, k…],
// optional bias [M].

public struct Convolution: OperatorDefinition {
    public static let kind = OpKind.conv
    public static let inputArity = 2...3

    public var kernelShape: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var group: Int

    public init(kernelShape: [Int], strides: [Int], dilations: [Int], padsBegin: [Int], padsEnd: [Int], group: Int) {
        self.kernelShape = kernelShape
        self.strides = strides
        self.dilations = dilations
        self.padsBegin = padsBegin
        self.padsEnd = padsEnd
        self.group = group
    }

    public var spatialRank: Int { kernelShape.count }

    /// True when every group has one input channel and the op is not a plain convolution.
    public func isDepthwise(inputChannels: Int) -> Bool { group > 1 && group == inputChannels }

    public var layerPrefix: String { "conv" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape, w = inputs[1].shape
        let r = spatialRank
        guard r >= 1, x.count == r + 2, w.count == r + 2 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) and weights \(ShapeArithmetic.describe(w)) do not fit a \(r)-D convolution")
        }
        try OpShapes.checkSpatial("strides", strides, count: r, minimum: 1)
        try OpShapes.checkSpatial("dilations", dilations, count: r, minimum: 1)
        try OpShapes.checkSpatial("pads", padsBegin, count: r, minimum: 0)
        try OpShapes.checkSpatial("pads", padsEnd, count: r, minimum: 0)
        guard group >= 1, x[1] % group == 0, w[0] % group == 0 else {
            throw ShapeInferenceError("group \(group) does not divide the \(x[1]) input and \(w[0]) output channels")
        }
        guard w[1] * group == x[1] else {
            throw ShapeInferenceError("weights expect \(w[1] * group) input channels, input has \(x[1])")
        }
        guard Array(w[2...]) == kernelShape else {
            throw ShapeInferenceError("weights' kernel \(ShapeArithmetic.describe(Array(w[2...]))) differs from kernel_shape \(kernelShape)")
        }
        if inputs.count == 3 {
            guard inputs[2].shape == [w[0]] else {
                throw ShapeInferenceError("bias has shape \(ShapeArithmetic.describe(inputs[2].shape)), expected \(w[0])")
            }
        }
        var out = [x[0], w[0]]
        for i in 0..<r {
            let o = OpShapes.windowOutput(input: x[i + 2], kernel: kernelShape[i], stride: strides[i], dilation: dilations[i],
                                          padBegin: padsBegin[i], padEnd: padsEnd[i])
            guard o >= 1 else { throw ShapeInferenceError("kernel does not fit the padded input along axis \(i + 2)") }
            out.append(o)
        }
        return [TensorType(dtype, out)]
    }

    public func macs(inputs: [TensorType], outputs: [TensorType]) -> Int {
        // Output elements × (input channels per group × kernel area).
        outputs[0].elementCount * inputs[1].shape.dropFirst().reduce(1, *)
    }
}

extension Convolution {
    static let npuConstraints: [Constraint] = [
        Constraint("Convolutions are 1-D or 2-D.") { c in
            guard case .conv(let a) = c.node.op, a.spatialRank > 2 else { return nil }
            return "this is a \(a.spatialRank)-D convolution"
        },
        Constraint("Weights and bias are constants (initializers), not computed tensors.") { c in
            (1..<c.inputTypes.count).contains { !c.isConstant($0) } ? "the weights or bias are computed by the graph" : nil
        },
    ]
}
