// The model script travels inside the optimized archive and `npuc info` shows it (the script
// issue's must-hold 3), on the built-in tiny detector with random calibration data.

import Foundation
import NpucGraph
import NpucImport
import NpucIO
import NpucOptimize
import NpucRunner
import NpucScript
import Testing

/// The built-in tiny detector parsed at its recommended head cut, held by a runner.
func tinyDetectorRunner() throws -> ClientRunner {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-runner-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("tiny.onnx")
    try Data(TinyDetector.onnxModel()).write(to: model)
    let runner = ClientRunner()
    var ends: [String] = []
    if case .failure(.unsupportedNodes(let report)) = Result(catching: { () throws(ParsingError) in
        try runner.translateONNX(model, netName: "tiny")
    }) {
        ends = report.recommendedEndNodes
    }
    try runner.translateONNX(model, netName: "tiny", endNodeNames: ends)
    return runner
}

@Suite("Model script in the optimized archive")
struct ModelScriptInArchiveTests {
    @Test("optimize stores the script it used; the summary and the archive read back show it")
    func scriptTravels() throws {
        let runner = try tinyDetectorRunner()
        let text = """
            # steering the tiny detector
            normalization1 = normalization([0, 0, 0], [255, 255, 255])
            model_optimization_flavor(optimization_level=0, compression_level=0)
            """
        let script = try runner.loadModelScript(text, fileName: "tiny.alls")
        let result = try runner.optimize(.random(count: 4, seed: 7), script: script)
        #expect(result.archive.state == .optimized)
        #expect(result.archive.sections[ClientRunner.modelScriptSection] == Array(text.utf8))

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-script-\(UUID().uuidString).npar")
        defer { try? FileManager.default.removeItem(at: url) }
        try runner.saveArchive(to: url)
        let reread = try Archive.read(contentsOf: url)
        #expect(reread.sections[ClientRunner.modelScriptSection] == Array(text.utf8))
        let summary = ArchiveSummary(reread).text
        #expect(summary.contains("normalization1 = normalization([0, 0, 0], [255, 255, 255])"))
        #expect(summary.contains("model_optimization_flavor(optimization_level=0, compression_level=0)"))
    }
}
