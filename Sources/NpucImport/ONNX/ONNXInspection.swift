// `npuc nodes`: every input, output and node of an ONNX model with op types and the shapes npuc
// can infer — what users otherwise script by hand to find cut points.

import Foundation
import NpucGraph

public struct ONNXOverview: Sendable, Codable {
    public struct Tensor: Sendable, Codable {
        public var name: String
        public var dtype: String
        /// Dimensions; symbolic or unknown ones as names or "?".
        public var shape: [String]?
    }
    public struct NodeEntry: Sendable, Codable {
        public var name: String
        public var opType: String
        public var inputs: [Tensor]
        public var outputs: [Tensor]
    }
    public var file: String
    public var opset: Int
    public var producer: String
    public var inputs: [Tensor]
    public var outputs: [Tensor]
    public var nodes: [NodeEntry]
    public var metadata: [String: String]
}

public enum ONNXInspection {
    /// Describes the model; shapes come from npuc's shape inference where it can run.
    public static func overview(of url: URL, tensorShapes: [String: [Int]] = [:]) throws(ONNXImportError) -> ONNXOverview {
        let model = try ONNXModel.load(contentsOf: url)
        let topology = try ONNXTopology(model)
        let session = ImportSession(model: model, name: "inspect")
        for input in model.inputs {
            let dims = tensorShapes[input.name].map { $0.map(Optional.some) } ?? input.dims
            if input.hasShape, dims.allSatisfy({ $0 != nil }), ShapeArithmetic.elementCount(dims.map { $0! }) != nil {
                let dtype = ONNXTensor.dataType(onnxCode: input.elementType) ?? .float32
                session.addInput(name: input.name, type: TensorType(dtype.isFloatingPoint ? .float32 : dtype, dims.map { $0! }))
            } else {
                session.unavailable.insert(input.name)
            }
        }
        for i in topology.order { session.map(model.nodes[i]) }

        func describe(_ name: String) -> ONNXOverview.Tensor {
            if let t = session.type(of: name) {
                return .init(name: name, dtype: t.dataType.rawValue, shape: t.shape.map(String.init))
            }
            if let declared = (model.inputs + model.outputs).first(where: { $0.name == name }), declared.hasShape {
                let dtype = ONNXTensor.dataType(onnxCode: declared.elementType)?.rawValue ?? "?"
                return .init(name: name, dtype: dtype, shape: zip(declared.dims, declared.symbolicNames).map { d, s in d.map(String.init) ?? s ?? "?" })
            }
            if let known = model.declaredShapes[name] {
                return .init(name: name, dtype: "?", shape: known.map { $0.map(String.init) ?? "?" })
            }
            return .init(name: name, dtype: "?", shape: nil)
        }
        return ONNXOverview(file: model.file, opset: model.opset, producer: model.producer,
                            inputs: model.inputs.map { describe($0.name) }, outputs: model.outputs.map { describe($0.name) },
                            nodes: topology.order.map { i in
                                let n = model.nodes[i]
                                return .init(name: n.name, opType: n.qualifiedOpType,
                                             inputs: n.inputs.filter { !$0.isEmpty }.map(describe),
                                             outputs: n.outputs.filter { !$0.isEmpty }.map(describe))
                            },
                            metadata: model.metadata)
    }
}
