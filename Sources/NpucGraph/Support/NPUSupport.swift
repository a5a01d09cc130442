// The NPU's supported layer set: which IR ops it runs and under which constraints. The parser
// evaluates every constraint on every node; docs/SUPPORTED_OPS.md is generated from the same list.

public enum NPUSupport {
    /// Constraints that apply to every node.
    public static let general: [Constraint] = [
        Constraint("Feature maps have rank 2 to 4 (N×C, N×C×W or N×C×H×W), batch axis first.") { c in
            let dynamic = c.inputTypes.indices.filter { !c.isConstant($0) }.map { c.inputTypes[$0] } + c.outputTypes
            guard let bad = dynamic.first(where: { !(2...4).contains($0.rank) }) else { return nil }
            return "a tensor has shape \(ShapeArithmetic.describe(bad.shape)) (rank \(bad.rank))"
        },
        Constraint("Feature maps are floating-point tensors (the quantizer turns them into integers).") { c in
            let dynamic = c.inputTypes.indices.filter { !c.isConstant($0) }.map { c.inputTypes[$0] }
            guard let bad = dynamic.first(where: { !$0.dataType.isFloatingPoint }) else { return nil }
            return "an input has element type \(bad.dataType.rawValue)"
        },
    ]

    /// The op-specific constraints of `kind`.
    public static func constraints(for kind: OpKind) -> [Constraint] {
        switch kind {
        case .conv: return Convolution.npuConstraints
        case .convTranspose: return ConvTranspose.npuConstraints
        case .dense: return Dense.npuConstraints
        case .maxPool, .averagePool: return Pooling.npuConstraints
        case .globalAveragePool, .globalMaxPool: return []
        case .elementwise: return Elementwise.npuConstraints
        case .activation: return Activation.npuConstraints
        case .prelu: return PRelu.npuConstraints
        case .batchNorm: return BatchNorm.npuConstraints
        case .concat: return Concat.npuConstraints
        case .slice: return Slice.npuConstraints
        case .split: return Split.npuConstraints
        case .resize: return Resize.npuConstraints
        case .pad: return Pad.npuConstraints
        case .depthToSpace: return DepthToSpace.npuConstraints
        case .spaceToDepth: return SpaceToDepth.npuConstraints
        case .reshape: return Reshape.npuConstraints
        case .transpose: return Transpose.npuConstraints
        case .softmax: return Softmax.npuConstraints
        case .reduce: return Reduce.npuConstraints
        }
    }

    /// One sentence per op for the supported-ops document.
    public static func summary(of kind: OpKind) -> String {
        switch kind {
        case .conv: return "Convolution: dense, grouped and depthwise; any kernel, stride, dilation and padding."
        case .convTranspose: return "Transposed convolution (deconvolution)."
        case .dense: return "Fully connected layer on an N×K vector."
        case .maxPool: return "Max pooling."
        case .averagePool: return "Average pooling, with or without padded positions counted."
        case .globalAveragePool: return "Global average pooling over all spatial axes."
        case .globalMaxPool: return "Global max pooling over all spatial axes."
        case .elementwise: return "Elementwise add, sub, mul, div, max, min of two tensors, with NumPy broadcasting (e.g. squeeze-and-excite scaling)."
        case .activation: return "Pointwise activations: relu, leaky relu, sigmoid, SiLU (x·sigmoid(x)), tanh, hard sigmoid, hard swish, clip/relu6, elu, selu, celu, gelu, mish, softplus, softsign, thresholded relu, exp, log, sqrt, abs, neg, reciprocal, erf."
        case .prelu: return "Parametric ReLU with a constant slope."
        case .batchNorm: return "Batch normalization (inference form), folded into the preceding layer."
        case .concat: return "Concatenation."
        case .slice: return "Strided slice."
        case .split: return "Split into several parts."
        case .resize: return "Resize / upsample."
        case .pad: return "Padding."
        case .depthToSpace: return "Depth to space (DCR and CRD)."
        case .spaceToDepth: return "Space to depth."
        case .reshape: return "Reshape, flatten, squeeze, unsqueeze."
        case .transpose: return "Transpose."
        case .softmax: return "Softmax."
        case .reduce: return "Reduce mean, max, min, sum, L2."
        }
    }

    /// Every broken constraint of `node`.
    public static func violations(of context: ConstraintContext) -> [ConstraintViolation] {
        (general + constraints(for: context.node.op.kind)).compactMap { constraint in
            constraint.evaluate(context).map { ConstraintViolation(rule: constraint.rule, details: $0) }
        }
    }

    /// Every broken constraint of every node of `graph`, keyed by node.
    public static func check(_ graph: Graph, arch: HardwareArch) -> [NodeID: [ConstraintViolation]] {
        var result = [NodeID: [ConstraintViolation]]()
        for (i, node) in graph.nodes.enumerated() {
            let context = ConstraintContext(node: node, inputTypes: node.inputs.map { graph.type(of: $0) },
                                            outputTypes: node.outputs.map { graph.type(of: $0) },
                                            constantInputs: node.inputs.map { graph.constants[$0] }, arch: arch)
            let v = violations(of: context)
            if !v.isEmpty { result[NodeID(i)] = v }
        }
        return result
    }
}
