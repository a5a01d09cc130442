// A mutable working copy of a graph for the preparation passes: values can be added and renamed,
// nodes replaced, inserted and removed, constants read as doubles and written back in the
// graph's element type; `build` renumbers the result canonically (`Graph.pruned`) and verifies it.

import NpucGraph

struct GraphEditor {
    let pass: String
    let name: String
    private(set) var values: [Value]
    var constants: [ValueID: Tensor]
    var nodes: [Node]
    var inputs: [ValueID]
    var outputs: [ValueID]
    private var valueNames: Set<String>
    private var nodeNames: Set<String>

    init(_ graph: Graph, pass: String) {
        self.pass = pass
        name = graph.name
        values = graph.values
        constants = graph.constants
        nodes = graph.nodes
        inputs = graph.inputs
        outputs = graph.outputs
        valueNames = Set(graph.values.map(\.name))
        nodeNames = Set(graph.nodes.map(\.name))
    }

    // MARK: Queries

    func type(of value: ValueID) -> TensorType { values[value.index].type }
    func valueName(_ value: ValueID) -> String { values[value.index].name }
    func isConstant(_ value: ValueID) -> Bool { constants[value] != nil }

    func producers() -> [ValueID: Int] {
        var map = [ValueID: Int]()
        for (i, node) in nodes.enumerated() { for out in node.outputs { map[out] = i } }
        return map
    }

    func consumers() -> [ValueID: [Int]] {
        var map = [ValueID: [Int]]()
        for (i, node) in nodes.enumerated() { for input in node.inputs { map[input, default: []].append(i) } }
        return map
    }

    /// A constant's elements in double precision, or nil when the value is not a constant. Throws
    /// when an element is NaN or infinite (naming `node` and the tensor).
    func doubles(of value: ValueID, node: String) throws(PreparationError) -> [Double]? {
        guard let tensor = constants[value] else { return nil }
        guard tensor.allFinite else { throw .nonFiniteConstant(node: node, tensor: valueName(value)) }
        switch tensor.storage {
        case .float64(let a): return a
        default: return tensor.floats.map(Double.init)
        }
    }

    // MARK: Names

    /// `base` itself when no value has that name, else `base_2`, `base_3`, …
    mutating func freshValueName(_ base: String) -> String {
        var candidate = base, k = 2
        while valueNames.contains(candidate) {
            candidate = "\(base)_\(k)"
            k += 1
        }
        valueNames.insert(candidate)
        return candidate
    }

    /// `prefix1`, `prefix2`, … — the first that no node has.
    mutating func freshNodeName(prefix: String) -> String {
        var k = 1
        while nodeNames.contains("\(prefix)\(k)") { k += 1 }
        nodeNames.insert("\(prefix)\(k)")
        return "\(prefix)\(k)"
    }

    /// Exchanges the names of two values (used to keep a graph output's name on the value that
    /// now carries it).
    mutating func swapNames(_ a: ValueID, _ b: ValueID) {
        let nameA = values[a.index].name
        values[a.index].name = values[b.index].name
        values[b.index].name = nameA
    }

    // MARK: Adding

    mutating func addValue(name base: String, type: TensorType) -> ValueID {
        values.append(Value(name: freshValueName(base), type: type))
        return ValueID(values.count - 1)
    }

    /// Adds a constant holding `elements` (converted to `dataType`, a floating-point type).
    mutating func addConstant(name base: String, shape: [Int], elements: [Double], dataType: DataType) -> ValueID {
        let tensor = Self.tensor(shape: shape, elements: elements, dataType: dataType)
        let id = addValue(name: base, type: TensorType(tensor.dataType, tensor.shape))
        constants[id] = tensor
        return id
    }

    /// A node whose outputs are new values; their types come from shape inference.
    mutating func makeNode(name: String, sourceNames: [String], op: Op, inputs: [ValueID],
                           outputNames: [String]) throws(PreparationError) -> Node {
        let types: [TensorType]
        do {
            types = try op.inferOutputTypes(inputs.map { type(of: $0) })
        } catch {
            throw .invalidResult(pass: pass, message: "new node '\(name)': \(error.message)")
        }
        var outs: [ValueID] = []
        for (outputName, t) in zip(outputNames, types) { outs.append(addValue(name: outputName, type: t)) }
        return Node(name: name, sourceNames: sourceNames, op: op, inputs: inputs, outputs: outs)
    }

    /// Makes every node after index `after` (and the graph outputs, when `outputsToo`) read `new`
    /// where they read `old`, except the nodes in `except`.
    mutating func replaceUses(of old: ValueID, with new: ValueID, except: Set<Int> = [], outputsToo: Bool = true) {
        for i in nodes.indices where !except.contains(i) {
            nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
        }
        if outputsToo { outputs = outputs.map { $0 == old ? new : $0 } }
    }

    static func tensor(shape: [Int], elements: [Double], dataType: DataType) -> Tensor {
        switch dataType {
        case .float64: return Tensor(shape: shape, storage: .float64(elements))
        case .float16: return Tensor(shape: shape, storage: .float16Bits(elements.map { HalfFloat.fromFloat(Float($0)) }))
        default: return Tensor(shape: shape, float32: elements.map { Float($0) })
        }
    }

    // MARK: Result

    /// The edited graph, renumbered canonically and verified.
    func build() throws(PreparationError) -> Graph {
        var graph = Graph(name: name)
        for (i, value) in values.enumerated() {
            if let tensor = constants[ValueID(i)] {
                graph.addConstant(name: value.name, tensor: tensor)
            } else {
                graph.addValue(name: value.name, type: value.type)
            }
        }
        graph.nodes = nodes
        graph.inputs = inputs
        graph.outputs = outputs
        let result = graph.pruned()
        do {
            try result.verify()
        } catch {
            throw .invalidResult(pass: pass, message: error.message)
        }
        return result
    }
}
