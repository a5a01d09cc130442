// Builds ONNX models in code: the built-in demo model, and synthetic models in tests (detection
// heads of every family, malformed graphs). Produces real ONNX protobuf bytes.

import Foundation
import NpucGraph

public struct ONNXModelBuilder {
    public enum AttributeValue {
        case int(Int)
        case ints([Int])
        case float(Float)
        case floats([Float])
        case string(String)
        case tensor(Tensor)
    }

    public var graphName: String
    public var opset: Int
    public var metadata: [(String, String)] = []
    private var nodes: [Onnx_NodeProto] = []
    private var initializers: [Onnx_TensorProto] = []
    private var inputs: [Onnx_ValueInfoProto] = []
    private var outputs: [Onnx_ValueInfoProto] = []
    private var counter = 0

    public init(graphName: String = "model", opset: Int = 13) {
        self.graphName = graphName
        self.opset = opset
    }

    /// Declares a float32 graph input; `nil` dims become symbolic (named "dim<i>").
    public mutating func addInput(_ name: String, shape: [Int?], elementType: DataType = .float32) {
        inputs.append(Self.valueInfo(name, shape: shape, elementType: elementType))
    }

    public mutating func addOutput(_ name: String, shape: [Int?]? = nil, elementType: DataType = .float32) {
        outputs.append(Self.valueInfo(name, shape: shape, elementType: elementType))
    }

    public mutating func addInitializer(_ name: String, _ tensor: Tensor) {
        initializers.append(ONNXTensor.encode(tensor, name: name))
    }

    /// Adds a node; returns its first output name. Output names default to "<name>_output_<i>".
    @discardableResult
    public mutating func addNode(_ opType: String, name: String? = nil, inputs: [String], outputs: [String]? = nil,
                                 outputCount: Int = 1, domain: String = "",
                                 attributes: [String: AttributeValue] = [:]) -> String {
        counter += 1
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = name ?? "/\(opType)_\(counter)"
        node.domain = domain
        node.input = inputs
        node.output = outputs ?? (0..<outputCount).map { "\(node.name)_output_\($0)" }
        for key in attributes.keys.sorted() {
            var a = Onnx_AttributeProto()
            a.name = key
            switch attributes[key]! {
            case .int(let v): a.type = .int; a.i = Int64(v)
            case .ints(let v): a.type = .ints; a.ints = v.map(Int64.init)
            case .float(let v): a.type = .float; a.f = v
            case .floats(let v): a.type = .floats; a.floats = v
            case .string(let v): a.type = .string; a.s = Data(v.utf8)
            case .tensor(let t): a.type = .tensor; a.t = ONNXTensor.encode(t, name: "")
            }
            node.attribute.append(a)
        }
        nodes.append(node)
        return node.output[0]
    }

    /// The model as ONNX protobuf bytes.
    public func serialized() -> [UInt8] {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "npuc"
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = Int64(opset)
        model.opsetImport = [opsetID]
        var graph = Onnx_GraphProto()
        graph.name = graphName
        graph.node = nodes
        graph.initializer = initializers
        graph.input = inputs
        graph.output = outputs
        model.graph = graph
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        // Serializing a message built from valid fields cannot fail.
        return (try? model.serializedBytes()) ?? []
    }

    static func valueInfo(_ name: String, shape: [Int?]?, elementType: DataType) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = ONNXTensor.onnxCode(elementType)
        if let shape {
            var s = Onnx_TensorShapeProto()
            s.dim = shape.enumerated().map { i, d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "dim\(i)" }
                return dim
            }
            tensorType.shape = s
        }
        var type = Onnx_TypeProto()
        type.tensorType = tensorType
        info.type = type
        return info
    }
}

/// Deterministic pseudo-random numbers (SplitMix64) for generated weights.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale).
    public mutating func uniform(_ count: Int, scale: Float) -> [Float] {
        (0..<count).map { _ in Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) * scale }
    }
}
