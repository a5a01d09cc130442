// Transposed convolution (deconvolution), 1-D or 2-D, NCHW: inputs x, weights [C, M/group, k…],
// optional bias [M].

public struct ConvTranspose: OperatorDefinition {
    public static let kind = OpKind.convTranspose
    public static let inputArity = 2...3

    public var kernelShape: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var outputPadding: [Int]
    public var group: Int

    public init(kernelShape: [Int], strides: [Int], dilations: [Int], padsBegin: [Int], padsEnd: [Int],
                outputPadding: [Int], group: Int) {
        self.kernelShape = kernelShape
        self.strides = strides
        self.dilations = dilations
        self.padsBegin = padsBegin
        self.padsEnd = padsEnd
        self.outputPadding = outputPadding
        self.group = group
    }

    public var spatialRank: Int { kernelShape.count }
    public var layerPrefix: String { "deconv" }

    /// Output length along one spatial axis.
    public static func outputLength(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int,
                                    outputPadding: Int) -> Int {
        stride * (input - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        let x = inputs[0].shape, w = inputs[1].shape
        let r = spatialRank
        guard r >= 1, x.count == r + 2, w.count == r + 2 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) and weights \(ShapeArithmetic.describe(w)) do not fit a \(r)-D transposed convolution")
        }
        try OpShapes.checkSpatial("strides", strides, count: r, minimum: 1)
        try OpShapes.checkSpatial("dilations", dilations, count: r, minimum: 1)
        try OpShapes.checkSpatial("pads", padsBegin, count: r, minimum: 0)
        try OpShapes.checkSpatial("pads", padsEnd, count: r, minimum: 0)
        try OpShapes.checkSpatial("output_padding", outputPadding, count: r, minimum: 0)
        guard group >= 1, x[1] == w[0], x[1] % group == 0 else {
            throw ShapeInferenceError("weights expect \(w[0]) input channels in \(group) groups, input has \(x[1])")
        }
        guard Array(w[2...]) == kernelShape else {
            throw ShapeInferenceError("weights' kernel \(ShapeArithmetic.describe(Array(w[2...]))) differs from kernel_shape \(kernelShape)")
        }
        let outChannels = w[1] * group
        if inputs.count == 3, inputs[2].shape != [outChannels] {
            throw ShapeInferenceError("bias has shape \(ShapeArithmetic.describe(inputs[2].shape)), expected \(outChannels)")
        }
        var out = [x[0], outChannels]
        for i in 0..<r {
            let o = Self.outputLength(input: x[i + 2], kernel: kernelShape[i], stride: strides[i], dilation: dilations[i],
                                      padBegin: padsBegin[i], padEnd: padsEnd[i], outputPadding: outputPadding[i])
            guard o >= 1 else { throw ShapeInferenceError("output would be empty along axis \(i + 2)") }
            out.append(o)
        }
        return [TensorType(dtype, out)]
    }

    public func macs(inputs: [TensorType], outputs: [TensorType]) -> Int {
        // Every input element is multiplied into (output channels per group × kernel area) outputs.
        inputs[0].elementCount * inputs[1].shape.dropFirst().reduce(1, *)
    }
}

extension ConvTranspose {
    static let npuConstraints: [Constraint] = [
        Constraint("Transposed convolutions are 1-D or 2-D.") { c in
            guard case .convTranspose(let a) = c.node.op, a.spatialRank > 2 else { return nil }
            return "this is a \(a.spatialRank)-D transposed convolution"
        },
        Constraint("Weights and bias are constants (initializers), not computed tensors.") { c in
            (1..<c.inputTypes.count).contains { !c.isConstant($0) } ? "the weights or bias are computed by the graph" : nil
        },
    ]
}
