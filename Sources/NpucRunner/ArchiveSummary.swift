// A summary of an archive for `npuc info` and the parser's closing lines: layers by kind,
// parameters, MACs, inputs and outputs, the detection head.

import NpucGraph
import NpucIO
import NpucOptimize

public struct ArchiveSummary: Codable, Sendable {
    public struct TensorLine: Codable, Sendable {
        public var name: String
        public var shape: [Int]
        public var dtype: String
    }
    public var netName: String
    public var state: String
    public var hwArch: String
    public var npucVersion: String
    public var layers: Int
    public var layersByKind: [String: Int]
    public var parameters: Int
    public var macs: Int
    public var inputs: [TensorLine]
    public var outputs: [TensorLine]
    public var head: DetectionHead?
    public var metadata: [String: String]
    public var sections: [String]
    /// What the optimization did and its quality (optimized archives).
    public var optimization: OptimizationSummary?
    /// The model script the optimization used.
    public var modelScript: String?

    public init(_ archive: Archive) {
        let g = archive.graph
        netName = archive.netName
        state = archive.state.rawValue
        hwArch = archive.hwArch.rawValue
        npucVersion = archive.npucVersion
        layers = g.nodes.count
        var kinds = [String: Int]()
        for n in g.nodes { kinds[n.op.layerPrefix, default: 0] += 1 }
        layersByKind = kinds
        parameters = g.parameterCount
        macs = g.macs
        func line(_ v: ValueID) -> TensorLine {
            TensorLine(name: g[v].name, shape: g[v].type.shape, dtype: g[v].type.dataType.rawValue)
        }
        inputs = g.inputs.map(line)
        outputs = g.outputs.map(line)
        head = archive.head
        metadata = archive.metadata
        sections = archive.sections.keys.sorted()
        optimization = archive.sections[OptimizationSummary.sectionName].flatMap { try? OptimizationSummary.decode($0) }
        modelScript = archive.sections[ClientRunner.modelScriptSection].map { String(decoding: $0, as: UTF8.self) }
    }

    /// Human-readable lines.
    public var text: String {
        var lines = [String]()
        lines.append("network   \(netName) (\(state), \(hwArch), written by npuc \(npucVersion))")
        lines.append("layers    \(layers): " + layersByKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("params    \(Self.group(parameters)) (\(String(format: "%.2f", Double(parameters) / 1e6)) M)")
        lines.append("MACs      \(Self.group(macs)) (\(String(format: "%.3f", Double(macs) / 1e9)) G)")
        for i in inputs { lines.append("input     \(i.name)  \(ShapeArithmetic.describe(i.shape)) \(i.dtype)") }
        for o in outputs { lines.append("output    \(o.name)  \(ShapeArithmetic.describe(o.shape)) \(o.dtype)") }
        if let head {
            lines.append("head      \(head.metaArchitecture.rawValue): \(head.numberOfClasses) classes, strides \(head.strides.map(String.init).joined(separator: "/"))"
                + (head.regMax > 0 ? ", reg_max \(head.regMax)" : "")
                + (head.classNames.isEmpty ? "" : " — \(head.classNames.joined(separator: ", "))"))
        }
        if let source = metadata["onnx.file"] {
            lines.append("source    \(source) (opset \(metadata["onnx.opset"] ?? "?"))")
        }
        if let o = optimization {
            lines.append("optimized level \(o.level), compression \(o.compressionLevel), \(o.calibrationSamples) calibration samples"
                + (o.minimumOutputSNR.map { String(format: "; weakest output SNR %.2f dB", $0) } ?? ""))
            if !o.layerPrecision.isEmpty {
                lines.append("precision " + o.layerPrecision.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
        }
        if let modelScript {
            lines.append("script")
            lines += modelScript.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func group(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
