// Values (tensors flowing between nodes) and their static types.

/// Index of a value in `Graph.values`.
public struct ValueID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    public var description: String { "%\(index)" }
}

/// Index of a node in `Graph.nodes`.
public struct NodeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.index < b.index }
    public var description: String { "#\(index)" }
}

/// Element type and static shape of a value.
public struct TensorType: Hashable, Sendable, Codable, CustomStringConvertible {
    public var dataType: DataType
    public var shape: [Int]

    public init(_ dataType: DataType, _ shape: [Int]) {
        self.dataType = dataType
        self.shape = shape
    }

    public static func float32(_ shape: [Int]) -> TensorType { TensorType(.float32, shape) }

    public var rank: Int { shape.count }
    public var elementCount: Int { ShapeArithmetic.elementCount(shape) ?? 0 }
    public var description: String { "\(dataType.rawValue)[\(ShapeArithmetic.describe(shape))]" }
}

/// A tensor in the graph: produced by one node, a graph input, or a constant (weights).
public struct Value: Hashable, Sendable {
    /// The tensor name (the ONNX tensor name for imported values); unique in a graph.
    public var name: String
    public var type: TensorType

    public init(name: String, type: TensorType) {
        self.name = name
        self.type = type
    }
}
