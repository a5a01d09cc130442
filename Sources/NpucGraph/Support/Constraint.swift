// NPU support constraints: each is a sentence the user reads (and SUPPORTED_OPS.md lists) plus
// a check that returns the specifics when a node breaks it. All constraints of all nodes are
// evaluated, so a user sees every problem at once.

/// What a constraint sees of one node.
public struct ConstraintContext: Sendable {
    public var node: Node
    public var inputTypes: [TensorType]
    public var outputTypes: [TensorType]
    /// For each input, its tensor when the input is a constant (weights), else nil.
    public var constantInputs: [Tensor?]
    public var arch: HardwareArch

    public init(node: Node, inputTypes: [TensorType], outputTypes: [TensorType], constantInputs: [Tensor?],
                arch: HardwareArch) {
        self.node = node
        self.inputTypes = inputTypes
        self.outputTypes = outputTypes
        self.constantInputs = constantInputs
        self.arch = arch
    }

    public func isConstant(_ input: Int) -> Bool { input < constantInputs.count && constantInputs[input] != nil }
}

public struct Constraint: Sendable {
    /// The rule, phrased for the user ("Weights are constants (initializers).").
    public let rule: String
    let check: @Sendable (ConstraintContext) -> String?

    public init(_ rule: String, check: @escaping @Sendable (ConstraintContext) -> String?) {
        self.rule = rule
        self.check = check
    }

    /// nil when the node satisfies the rule, else what is wrong with it.
    public func evaluate(_ context: ConstraintContext) -> String? { check(context) }
}

/// One broken constraint of one node.
public struct ConstraintViolation: Hashable, Sendable {
    public var rule: String
    public var details: String
}
