// Maps the nodes of a cut ONNX graph, in topological order, onto IR ops: constants are folded,
// every node's problem is collected (never first-error-only), and nodes downstream of a problem
// are remembered so the report can tell the supported frontier.

import NpucGraph

final class ImportSession {
    let model: ONNXModel
    var graph: Graph
    /// IR value of each ONNX tensor name that is available.
    var values: [String: ValueID] = [:]
    /// Known constant tensors (initializers and folded results) by ONNX name.
    var constants: [String: Tensor]
    /// Tensors that could not be computed (their producer has a problem or depends on one).
    var unavailable = Set<String>()
    /// Nodes that could not be mapped, with the reason, in topological order.
    var problems: [(node: ONNXNode, reason: String)] = []
    /// Nodes skipped because an input is unavailable.
    var downstream: [ONNXNode] = []
    /// Tensors something reads (a node of the model, or a graph output); optional outputs
    /// outside this set (MaxPool indices, Dropout masks) are ignored.
    let usedTensors: Set<String>
    private var temporaryCounter = 0

    var opset: Int { model.opset }

    init(model: ONNXModel, name: String) {
        self.model = model
        self.graph = Graph(name: name)
        self.constants = model.initializers
        var used = Set(model.outputs.map(\.name))
        for node in model.nodes { used.formUnion(node.inputs) }
        usedTensors = used
    }

    func addInput(name: String, type: TensorType) {
        let id = graph.addValue(name: name, type: type)
        graph.inputs.append(id)
        values[name] = id
    }

    /// Maps one node, recording its problem instead of throwing.
    func map(_ node: ONNXNode) {
        if node.inputs.contains(where: { !$0.isEmpty && unavailable.contains($0) }) {
            downstream.append(node)
            markUnavailable(node)
            return
        }
        let context = NodeContext(session: self, node: node)
        do {
            try ONNXOpRegistry.map(context)
        } catch {
            problems.append((node, error.reason))
            if let types = UnsupportedShapes.outputTypes(of: node, session: self) {
                // Keep checking downstream: the outputs become placeholder values.
                for (name, type) in zip(node.outputs, types) where !name.isEmpty {
                    values[name] = graph.addValue(name: name, type: type)
                }
            } else {
                markUnavailable(node)
            }
        }
    }

    private func markUnavailable(_ node: ONNXNode) {
        for out in node.outputs where !out.isEmpty { unavailable.insert(out) }
    }

    func temporaryName(for node: ONNXNode) -> String {
        temporaryCounter += 1
        return "\(node.name)/npuc_\(temporaryCounter)"
    }

    /// The IR value for an ONNX tensor, materializing constants (as float32 when floating point).
    func value(of name: String) -> ValueID? {
        if let v = values[name] { return v }
        guard let c = constants[name] else { return nil }
        let tensor = c.dataType.isFloatingPoint && c.dataType != .float32 ? Tensor(shape: c.shape, float32: c.floats) : c
        let id = graph.addConstant(name: name, tensor: tensor)
        values[name] = id
        return id
    }

    func type(of name: String) -> TensorType? {
        if let v = values[name] { return graph.type(of: v) }
        if let c = constants[name] {
            return TensorType(c.dataType.isFloatingPoint ? .float32 : c.dataType, c.shape)
        }
        return nil
    }
}

/// What an op mapper sees of one node: its inputs (types, constants), attributes, and ways to
/// emit IR nodes, alias outputs or define folded constants.
final class NodeContext {
    let session: ImportSession
    let node: ONNXNode

    init(session: ImportSession, node: ONNXNode) {
        self.session = session
        self.node = node
    }

    var opset: Int { session.opset }
    var file: String { session.model.file }
    var inputCount: Int { node.inputs.count }

    func isPresent(_ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    func type(_ i: Int) throws(NodeProblem) -> TensorType {
        guard isPresent(i), let t = session.type(of: node.inputs[i]) else {
            throw NodeProblem("input \(i) is missing")
        }
        return t
    }

    func shape(_ i: Int) throws(NodeProblem) -> [Int] { try type(i).shape }

    /// The input's tensor when it is a constant (initializer or folded), else nil.
    func constant(_ i: Int) -> Tensor? {
        guard isPresent(i) else { return nil }
        return session.constants[node.inputs[i]]
    }

    func requireConstant(_ i: Int, _ what: String) throws(NodeProblem) -> Tensor {
        guard isPresent(i) else { throw NodeProblem("\(what) (input \(i)) is missing") }
        guard let c = constant(i) else {
            throw NodeProblem("\(what) (input '\(node.inputs[i])') is computed by the graph; npuc needs it constant")
        }
        return c
    }

    func value(_ i: Int) throws(NodeProblem) -> ValueID {
        guard isPresent(i), let v = session.value(of: node.inputs[i]) else {
            throw NodeProblem("input \(i) is missing")
        }
        return v
    }

    /// True when the node's output `i` exists and something reads it.
    func isOutputUsed(_ i: Int) -> Bool {
        i < node.outputs.count && !node.outputs[i].isEmpty && session.usedTensors.contains(node.outputs[i])
    }

    func output(_ i: Int) throws(NodeProblem) -> String {
        guard i < node.outputs.count, !node.outputs[i].isEmpty else {
            throw NodeProblem("output \(i) is missing")
        }
        return node.outputs[i]
    }

    /// Appends an IR node; `outputs` are ONNX tensor names (or temporaries).
    @discardableResult
    func emit(_ op: Op, inputs: [ValueID], outputs: [String]) throws(NodeProblem) -> [ValueID] {
        let ids: [ValueID]
        do {
            ids = try session.graph.addNode(name: "\(node.name)#\(session.graph.nodes.count)", sourceNames: [node.name],
                                            op: op, inputs: inputs, outputNames: outputs)
        } catch {
            throw NodeProblem(error.message)
        }
        for (name, id) in zip(outputs, ids) { session.values[name] = id }
        return ids
    }

    func emit(_ op: Op, inputs: [ValueID], output: String) throws(NodeProblem) -> ValueID {
        try emit(op, inputs: inputs, outputs: [output])[0]
    }

    func temporary() -> String { session.temporaryName(for: node) }

    /// Makes an ONNX output another name for an existing value (Identity, Dropout).
    func alias(_ output: String, to value: ValueID) {
        session.values[output] = value
    }

    func defineConstant(_ output: String, _ tensor: Tensor) {
        session.constants[output] = tensor
    }

    /// A new float32 constant owned by this node.
    func addConstant(_ tensor: Tensor) -> ValueID {
        session.graph.addConstant(name: temporary(), tensor: tensor)
    }

    func attributeProblem(_ message: String) -> NodeProblem { NodeProblem(message) }
}
