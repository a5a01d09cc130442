// `npuc info FILE`: summarizes any npuc file — an archive (.npar), a NumPy array (.npy/.npz), an
// ONNX model.

import ArgumentParser
import Foundation
import NpucGraph
import NpucIO
import NpucImport
import NpucRunner

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarize an npuc file: archive (.npar), NumPy (.npy/.npz) or ONNX model."
    )

    @Argument(help: "The file.")
    var file: String

    @Flag(help: "Print JSON (archives).")
    var json = false

    func run() throws {
        let url = URL(fileURLWithPath: file)
        do {
            switch url.pathExtension.lowercased() {
            case "npy":
                let npy = try NpyFile(contentsOf: url)
                print("\(file): NumPy array \(ShapeArithmetic.describe(npy.header.shape)) \(npy.header.dataType.rawValue)")
            case "npz":
                for (name, t) in try Npz.decode(contentsOf: url) {
                    print("\(name)  \(ShapeArithmetic.describe(t.shape)) \(t.dataType.rawValue)")
                }
            case "onnx":
                let overview = try ONNXInspection.overview(of: url)
                print("\(file): ONNX model, opset \(overview.opset), \(overview.nodes.count) nodes, \(overview.inputs.count) inputs, \(overview.outputs.count) outputs")
                print("list its nodes with `npuc nodes \(file)`; parse it with `npuc parser onnx \(file)`")
            default:
                let archive = try Archive.read(contentsOf: url)
                let summary = ArchiveSummary(archive)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(summary), as: UTF8.self))
                } else {
                    print(summary.text)
                }
            }
        } catch {
            throw reportFailure(error)
        }
    }
}
