// The table of ONNX op types npuc maps (default domain), each with the IR ops it becomes; the
// mappers live in Ops/ONNX+<Family>.swift. docs/SUPPORTED_OPS.md is generated from this table
// together with the NPU constraints of the IR ops.

import NpucGraph

struct ONNXOpMapping: Sendable {
    /// The IR ops this ONNX op becomes ([] when it is folded or removed).
    var becomes: [OpKind]
    /// What the mapping does, for the docs.
    var note: String
    var map: @Sendable (NodeContext) throws(NodeProblem) -> Void
}

public enum ONNXOpRegistry {
    static let mappings: [String: ONNXOpMapping] = {
        var table = [String: ONNXOpMapping]()
        for family in [ONNXConvMappings.all, ONNXDenseMappings.all, ONNXPoolMappings.all, ONNXElementwiseMappings.all,
                       ONNXActivationMappings.all, ONNXLayoutMappings.all, ONNXTensorMappings.all,
                       ONNXResizeMappings.all, ONNXNormalizationMappings.all, ONNXReduceMappings.all,
                       ONNXConstantMappings.all] {
            for (name, mapping) in family {
                precondition(table[name] == nil, "ONNX op \(name) is mapped twice")
                table[name] = mapping
            }
        }
        return table
    }()

    /// ONNX op types npuc maps, sorted, with the IR ops they become and a note.
    public static var supportedOpTypes: [(opType: String, becomes: [OpKind], note: String)] {
        mappings.keys.sorted().map { ($0, mappings[$0]!.becomes, mappings[$0]!.note) }
    }

    static func map(_ context: NodeContext) throws(NodeProblem) {
        let node = context.node
        let domain = node.domain
        guard domain.isEmpty || domain == "ai.onnx" else {
            // (Domains the model does not import are rejected earlier, by ONNXTopology.)
            throw NodeProblem("op \(node.qualifiedOpType) from domain '\(domain)' is not in the NPU's supported set (npuc maps only standard ONNX ops)")
        }
        guard let mapping = mappings[node.opType] else {
            throw NodeProblem("op type \(node.opType) is not in the NPU's supported layer set (see docs/SUPPORTED_OPS.md)")
        }
        // Ops whose inputs are all constants are folded when npuc can evaluate them.
        if ConstantFolding.canFold(node.opType), ConstantFolding.fold(context) {
            return
        }
        try mapping.map(context)
    }
}
