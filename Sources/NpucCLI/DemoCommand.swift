// `npuc demo`: the whole workflow on the built-in tiny YOLOv8-style detector, no downloads —
// write the ONNX model, parse it (first uncut, to show the recommendation, then at the head
// convolutions), and summarize the archive. Later stages join as they arrive.

import ArgumentParser
import Foundation
import NpucGraph
import NpucImport
import NpucIO
import NpucRunner

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the workflow end to end on a built-in tiny YOLOv8-style detector (no downloads)."
    )

    @Option(help: "Folder for the demo's files.")
    var outputDir = "npuc-demo"

    @Option(help: "Target NPU.")
    var hwArch: HardwareArch = .default

    func run() throws {
        do {
            try runDemo()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportFailure(error)
        }
    }

    func runDemo() throws {
        let dir = URL(fileURLWithPath: outputDir, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let modelURL = dir.appendingPathComponent("tiny_yolov8.onnx")
        try AtomicFile.write(TinyDetector.onnxModel(), to: modelURL)
        print("[1/2] wrote the built-in model \(modelURL.path) (YOLOv8-style, \(TinyDetector.inputSize)×\(TinyDetector.inputSize), classes: \(TinyDetector.classNames.joined(separator: ", ")))")

        print("[2/2] npuc parser onnx \(modelURL.path)   # uncut: the detection head's decoding is not NPU work")
        let runner = ClientRunner(hwArch: hwArch)
        var ends = [String]()
        switch Result(catching: { () throws(ParsingError) in try runner.translateONNX(modelURL, netName: "tiny_yolov8") }) {
        case .success:
            print("      parsed without a cut")
        case .failure(.unsupportedNodes(let report)):
            print(report.description.split(separator: "\n").map { "      | \($0)" }.joined(separator: "\n"))
            ends = report.recommendedEndNodes
        case .failure(let error):
            throw error
        }
        print("      npuc parser onnx \(modelURL.lastPathComponent) --end-node-names \(ends.joined(separator: " "))")
        let archive = try runner.translateONNX(modelURL, netName: "tiny_yolov8", endNodeNames: ends)
        let archiveURL = dir.appendingPathComponent("tiny_yolov8.npar")
        try archive.write(to: archiveURL)
        print(ArchiveSummary(archive).text.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
        print("      wrote \(archiveURL.path)")
    }
}
