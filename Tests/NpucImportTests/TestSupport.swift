// Shared test helpers: the package's paths, fixture gating, running the built `npuc` binary,
// and temporary folders.

import Foundation
import Testing
@testable import NpucImport

enum Paths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent(".fixtures")
    static let yolov8 = fixtures.appendingPathComponent("models/yolov8n-doclaynet.onnx")
    static let yolov8Reference = fixtures.appendingPathComponent("reference/yolov8n-cut640.json")
    static let lightModels = fixtures.appendingPathComponent("onnx-light")

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
    static let hasYOLOv8 = exists(yolov8) && exists(yolov8Reference)
    static let hasLightModels = exists(lightModels.appendingPathComponent("resnet50/model.onnx"))
    static let fetchHint = "needs fixtures: run scripts/fetch-fixtures.sh"
}

/// The YOLOv8 head convolutions, in the walkthrough's order.
let yoloHeadEndNodes = (0..<3).flatMap { i in ["/model.22/cv2.\(i)/cv2.\(i).2/Conv", "/model.22/cv3.\(i)/cv3.\(i).2/Conv"] }

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func files(in directory: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
}

/// Runs the `npuc` executable built next to the test bundle.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

enum CLI {
    static var executable: URL? {
        var candidates = [URL]()
        if let argument = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("npuc"))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("npuc"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("npuc"))
        candidates.append(Paths.packageRoot.appendingPathComponent(".build/debug/npuc"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> CLIResult {
        let binary = try #require(executable, "the npuc executable is not built; run `swift build` first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }
}
