// The graph's invariant checker: run after every transformation in tests (and by the archive
// reader), it names the node and the broken rule.

public struct GraphVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Graph {
    /// Checks: unique value and node names; every node input defined before use (so the order
    /// is topological and acyclic); every value produced at most once; constants are not
    /// produced by nodes; outputs are defined; every node's output types equal its op's shape
    /// inference; constant tensors match their declared types.
    public func verify() throws(GraphVerificationError) {
        var valueNames = Set<String>()
        for v in values where !valueNames.insert(v.name).inserted {
            throw GraphVerificationError("value name '\(v.name)' is used twice")
        }
        var defined = Set<ValueID>(inputs)
        guard defined.count == inputs.count else { throw GraphVerificationError("a graph input is listed twice") }
        for (id, tensor) in constants {
            guard id.index < values.count else { throw GraphVerificationError("constant \(id) has no value") }
            guard !inputs.contains(id) else { throw GraphVerificationError("constant '\(self[id].name)' is also a graph input") }
            let declared = self[id].type
            guard declared.shape == tensor.shape, declared.dataType == tensor.dataType else {
                throw GraphVerificationError("constant '\(self[id].name)' holds \(TensorType(tensor.dataType, tensor.shape)) but is declared \(declared)")
            }
            defined.insert(id)
        }
        var nodeNames = Set<String>()
        for node in nodes {
            guard nodeNames.insert(node.name).inserted else {
                throw GraphVerificationError("node name '\(node.name)' is used twice")
            }
            for input in node.inputs {
                guard input.index >= 0, input.index < values.count else {
                    throw GraphVerificationError("node '\(node.name)' reads an unknown value \(input)")
                }
                guard defined.contains(input) else {
                    throw GraphVerificationError("node '\(node.name)' reads '\(self[input].name)' before it is produced")
                }
            }
            for output in node.outputs {
                guard output.index >= 0, output.index < values.count else {
                    throw GraphVerificationError("node '\(node.name)' writes an unknown value \(output)")
                }
                guard defined.insert(output).inserted else {
                    throw GraphVerificationError("node '\(node.name)' writes '\(self[output].name)', which is already defined")
                }
            }
            let inferred: [TensorType]
            do {
                inferred = try node.op.inferOutputTypes(node.inputs.map { type(of: $0) })
            } catch {
                throw GraphVerificationError("node '\(node.name)' (\(node.op.kind.rawValue)): \(error.message)")
            }
            let declared = node.outputs.map { type(of: $0) }
            guard inferred == declared else {
                throw GraphVerificationError("node '\(node.name)' declares outputs \(declared) but its op infers \(inferred)")
            }
        }
        for output in outputs where !defined.contains(output) {
            throw GraphVerificationError("graph output \(output) is never produced")
        }
    }
}
