// `npuc nodes MODEL.onnx [--json]`: inputs, outputs and every node with op type and shapes.

import ArgumentParser
import Foundation
import NpucImport

struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List an ONNX model's inputs, outputs and nodes with op types and shapes (to pick start/end nodes)."
    )

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Input shapes for shape inference.", valueName: "NAME=1,3,640,640"))
    var tensorShapes: [String] = []

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let shapes = try TensorShapeArgument.parse(tensorShapes)
        let overview: ONNXOverview
        do {
            overview = try ONNXInspection.overview(of: URL(fileURLWithPath: model), tensorShapes: shapes)
        } catch {
            throw reportFailure(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(overview), as: UTF8.self))
            return
        }
        func shape(_ t: ONNXOverview.Tensor) -> String { t.shape.map { $0.isEmpty ? "scalar" : $0.joined(separator: "×") } ?? "?" }
        print("\(overview.file): opset \(overview.opset)\(overview.producer.isEmpty ? "" : ", from \(overview.producer)"), \(overview.nodes.count) nodes")
        for i in overview.inputs { print("input   \(i.name)  \(shape(i)) \(i.dtype)") }
        for o in overview.outputs { print("output  \(o.name)  \(shape(o)) \(o.dtype)") }
        let width = min(20, overview.nodes.map(\.opType.count).max() ?? 0)
        for n in overview.nodes {
            let outs = n.outputs.map { "\(shape($0))" }.joined(separator: ", ")
            print("\(n.opType.padding(toLength: max(width, n.opType.count), withPad: " ", startingAt: 0))  \(n.name)  → \(outs)")
        }
    }
}
