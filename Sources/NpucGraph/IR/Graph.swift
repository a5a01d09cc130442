// The graph IR: values, constants (weights) and nodes in topological order, plus the
// structural queries every stage uses (producers, consumers, pruning, statistics).

public struct Graph: Sendable, Equatable {
    public var name: String
    public private(set) var values: [Value] = []
    /// Nodes in a topological order (every input is produced before it is used).
    public var nodes: [Node] = []
    public var inputs: [ValueID] = []
    public var outputs: [ValueID] = []
    /// Constant tensors (weights, biases, parameters), keyed by the value that names them.
    public var constants: [ValueID: Tensor] = [:]

    public init(name: String) { self.name = name }

    // MARK: Building

    /// Adds a value; names must be unique (checked by `verify()`).
    @discardableResult
    public mutating func addValue(name: String, type: TensorType) -> ValueID {
        values.append(Value(name: name, type: type))
        return ValueID(values.count - 1)
    }

    @discardableResult
    public mutating func addConstant(name: String, tensor: Tensor) -> ValueID {
        let id = addValue(name: name, type: TensorType(tensor.dataType, tensor.shape))
        constants[id] = tensor
        return id
    }

    /// Appends a node whose outputs are new values named `outputNames`, typed by shape inference.
    @discardableResult
    public mutating func addNode(name: String, sourceNames: [String], op: Op, inputs: [ValueID],
                                 outputNames: [String]) throws(ShapeInferenceError) -> [ValueID] {
        let types = try op.inferOutputTypes(inputs.map { values[$0.index].type })
        guard types.count == outputNames.count else {
            throw ShapeInferenceError("op produces \(types.count) outputs, \(outputNames.count) names given")
        }
        let outs = zip(outputNames, types).map { addValue(name: $0, type: $1) }
        nodes.append(Node(name: name, sourceNames: sourceNames, op: op, inputs: inputs, outputs: outs))
        return outs
    }

    public mutating func setType(_ type: TensorType, of value: ValueID) {
        values[value.index].type = type
    }

    /// Gives a value another name (the caller keeps names unique; `verify()` checks).
    public mutating func rename(_ value: ValueID, to name: String) {
        values[value.index].name = name
    }

    // MARK: Queries

    public subscript(value: ValueID) -> Value { values[value.index] }
    public subscript(node: NodeID) -> Node { nodes[node.index] }

    public func type(of value: ValueID) -> TensorType { values[value.index].type }
    public func isConstant(_ value: ValueID) -> Bool { constants[value] != nil }

    /// The node producing each value (absent for graph inputs and constants).
    public func producers() -> [ValueID: NodeID] {
        var map = [ValueID: NodeID]()
        for (i, node) in nodes.enumerated() {
            for out in node.outputs { map[out] = NodeID(i) }
        }
        return map
    }

    /// The nodes reading each value, in node order.
    public func consumers() -> [ValueID: [NodeID]] {
        var map = [ValueID: [NodeID]]()
        for (i, node) in nodes.enumerated() {
            for input in node.inputs { map[input, default: []].append(NodeID(i)) }
        }
        return map
    }

    public func value(named name: String) -> ValueID? {
        values.firstIndex { $0.name == name }.map(ValueID.init)
    }

    public func node(named name: String) -> NodeID? {
        nodes.firstIndex { $0.name == name }.map(NodeID.init)
    }

    /// The node whose original (framework) name is `sourceName`.
    public func node(withSourceName sourceName: String) -> NodeID? {
        nodes.firstIndex { $0.sourceNames.contains(sourceName) }.map(NodeID.init)
    }

    // MARK: Statistics

    /// Multiply-accumulates of one inference.
    public var macs: Int {
        nodes.reduce(0) { total, node in
            total + node.op.macs(inputs: node.inputs.map { type(of: $0) }, outputs: node.outputs.map { type(of: $0) })
        }
    }

    /// Elements of all constant tensors the nodes use.
    public var parameterCount: Int {
        constants.values.reduce(0) { $0 + $1.elementCount }
    }

    // MARK: Pruning

    /// The graph with every node that does not contribute to an output removed, and values
    /// renumbered in a canonical order (inputs, then first use along the node order), so that
    /// the same model always serializes to the same bytes.
    public func pruned() -> Graph {
        let producer = producers()
        var live = Set<NodeID>()
        var stack = outputs.compactMap { producer[$0] }
        while let id = stack.popLast() {
            guard live.insert(id).inserted else { continue }
            for input in nodes[id.index].inputs {
                if let p = producer[input] { stack.append(p) }
            }
        }
        var result = Graph(name: name)
        var remap = [ValueID: ValueID]()
        func carry(_ old: ValueID) -> ValueID {
            if let id = remap[old] { return id }
            let v = values[old.index]
            let id: ValueID
            if let c = constants[old] {
                id = result.addConstant(name: v.name, tensor: c)
            } else {
                id = result.addValue(name: v.name, type: v.type)
            }
            remap[old] = id
            return id
        }
        result.inputs = inputs.map(carry)
        for (i, node) in nodes.enumerated() where live.contains(NodeID(i)) {
            var copy = node
            copy.inputs = node.inputs.map(carry)
            copy.outputs = node.outputs.map(carry)
            result.nodes.append(copy)
        }
        result.outputs = outputs.map(carry)
        return result
    }
}
