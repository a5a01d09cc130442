// Loading an ONNX file: protobuf decoding, sanity checks, opsets, initializers and a plain node
// list with typed attribute access — the raw graph the cut and the op mappers work on.

import Foundation
import NpucGraph
import SwiftProtobuf

/// One ONNX node, as written in the file (a name is synthesized when the file has none).
public struct ONNXNode: Sendable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    var attributes: [String: Onnx_AttributeProto]

    /// `Conv` or `com.microsoft.FusedConv`.
    public var qualifiedOpType: String { domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain).\(opType)" }
}

/// A graph input or output as declared in the file: element type and dims (nil = symbolic).
public struct ONNXValueInfo: Sendable {
    public var name: String
    public var elementType: Int32
    public var dims: [Int?]
    public var symbolicNames: [String?]
    public var hasShape: Bool
}

public struct ONNXModel: Sendable {
    public var file: String
    public var graphName: String
    /// Version of the default (ai.onnx) operator set.
    public var opset: Int
    /// Other domains the model imports, with versions.
    public var otherOpsets: [String: Int]
    public var nodes: [ONNXNode]
    /// Graph inputs that are not initializers.
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    /// Decoded initializers by name.
    public var initializers: [String: Tensor]
    public var metadata: [String: String]
    /// "pytorch 2.9.1"
    public var producer: String
    /// Value infos with known shapes (intermediate tensors), as the file declares them.
    public var declaredShapes: [String: [Int?]]

    /// The highest default-domain opset npuc knows (onnx 1.23 defines up to 28).
    public static let newestOpset = 28
    public static let oldestOpset = 7

    /// Reads and decodes `url`.
    public static func load(contentsOf url: URL) throws(ONNXImportError) -> ONNXModel {
        // Name the file as the user gave it (a relative path stays relative).
        let file = url.relativePath
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ONNXImportError(file: file, "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, file: file, directory: url.deletingLastPathComponent())
    }

    public static func decode(_ data: Data, file: String, directory: URL?) throws(ONNXImportError) -> ONNXModel {
        guard !data.isEmpty else {
            throw ONNXImportError(file: file, "the file is empty; expected an ONNX model (.onnx)")
        }
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch BinaryDecodingError.truncated {
            throw ONNXImportError(file: file, "the file ends in the middle of the model (truncated); export or download it again")
        } catch {
            throw ONNXImportError(file: file, "not an ONNX model: the protobuf data does not decode (\(error)); export the model with torch.onnx.export or check the file")
        }
        guard proto.hasIrVersion, proto.irVersion > 0, proto.hasGraph, !proto.graph.node.isEmpty else {
            throw ONNXImportError(file: file, "not an ONNX model: it has no IR version or no graph nodes")
        }
        return try ONNXModel(proto: proto, file: file, directory: directory)
    }

    init(proto: Onnx_ModelProto, file: String, directory: URL?) throws(ONNXImportError) {
        self.file = file
        let graph = proto.graph
        graphName = graph.name
        var opset: Int?
        var others = [String: Int]()
        for entry in proto.opsetImport {
            if entry.domain.isEmpty || entry.domain == "ai.onnx" {
                opset = Int(entry.version)
            } else {
                others[entry.domain] = Int(entry.version)
            }
        }
        guard let opset else {
            throw ONNXImportError(file: file, "the model imports no default (ai.onnx) operator set")
        }
        guard opset >= Self.oldestOpset else {
            throw ONNXImportError(file: file, "the model uses opset \(opset); npuc reads opsets \(Self.oldestOpset) to \(Self.newestOpset). Convert it with onnx.version_converter.convert_version(model, 13)")
        }
        guard opset <= Self.newestOpset else {
            throw ONNXImportError(file: file, "the model uses opset \(opset), newer than the newest npuc knows (\(Self.newestOpset)); export it with an older opset")
        }
        self.opset = opset
        otherOpsets = others

        var initializers = [String: Tensor]()
        for t in graph.initializer {
            initializers[t.name] = try ONNXTensor.decode(t, file: file, externalDataDirectory: directory)
        }
        if let sparse = graph.sparseInitializer.first {
            throw ONNXImportError(file: file, "sparse initializer '\(sparse.values.name)' is not supported; densify the model first")
        }
        self.initializers = initializers

        func valueInfo(_ v: Onnx_ValueInfoProto) -> ONNXValueInfo {
            var elementType: Int32 = 0
            var dims = [Int?]()
            var symbols = [String?]()
            var hasShape = false
            if case .tensorType(let t)? = v.type.value {
                elementType = t.elemType
                hasShape = t.hasShape
                for d in t.shape.dim {
                    switch d.value {
                    case .dimValue(let n)?: dims.append(n >= 0 ? Int(clamping: n) : nil); symbols.append(nil)
                    case .dimParam(let s)?: dims.append(nil); symbols.append(s)
                    case nil: dims.append(nil); symbols.append(nil)
                    }
                }
            }
            return ONNXValueInfo(name: v.name, elementType: elementType, dims: dims, symbolicNames: symbols, hasShape: hasShape)
        }
        inputs = graph.input.filter { initializers[$0.name] == nil }.map(valueInfo)
        outputs = graph.output.map(valueInfo)
        var declared = [String: [Int?]]()
        for v in graph.valueInfo {
            let info = valueInfo(v)
            if info.hasShape { declared[v.name] = info.dims }
        }
        declaredShapes = declared

        var usedNames = Set<String>()
        var nodes = [ONNXNode]()
        for (index, n) in graph.node.enumerated() {
            var name = n.name
            if name.isEmpty || usedNames.contains(name) {
                // Unnamed (or duplicate) nodes get "<OpType>_<index>", as Netron shows them.
                var candidate = "\(n.opType)_\(index)"
                while usedNames.contains(candidate) { candidate += "_" }
                name = candidate
            }
            usedNames.insert(name)
            var attributes = [String: Onnx_AttributeProto]()
            for a in n.attribute { attributes[a.name] = a }
            nodes.append(ONNXNode(name: name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output,
                                  attributes: attributes))
        }
        self.nodes = nodes
        var metadata = [String: String]()
        for p in proto.metadataProps { metadata[p.key] = p.value }
        self.metadata = metadata
        producer = [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
