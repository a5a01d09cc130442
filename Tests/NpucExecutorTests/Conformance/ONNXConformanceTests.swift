// ONNX conformance (issue #3, must-hold 1): every node case the importer accepts must pass in
// the float executor, and there must be hundreds of them. Needs .fixtures/onnx-node.

import Foundation
import NpucExecutor
import Testing

let fixturesRoot = URL(filePath: #filePath).deletingLastPathComponent()
    .appending(path: "../../../.fixtures").standardized
let nodeCases = fixturesRoot.appending(path: "onnx-node")
let haveNodeCases = FileManager.default.fileExists(atPath: nodeCases.appending(path: "index.json").path)

@Suite("ONNX node conformance", .enabled(if: haveNodeCases, "needs .fixtures/onnx-node — run scripts/fetch-fixtures.sh --only node"))
struct ONNXConformanceTests {
    @Test("all applicable node cases pass with the fast kernels, and there are hundreds of them")
    func fastKernels() {
        let summary = ONNXConformanceRunner.runAll(root: nodeCases, kernels: .fast)
        print("ONNX node conformance (fast kernels): " + summary.report)
        #expect(summary.failed.count == 0, "\(summary.failed.count) cases fail:\n\(summary.failed.map { "\($0.name): \($0.status)" }.joined(separator: "\n"))")
        #expect(summary.passed.count >= 200, "only \(summary.passed.count) applicable cases")
    }

    @Test("all applicable node cases pass with the reference kernels")
    func referenceKernels() {
        let summary = ONNXConformanceRunner.runAll(root: nodeCases, kernels: .reference)
        print("ONNX node conformance (reference kernels): " + summary.report.split(separator: "\n").prefix(1).joined())
        #expect(summary.failed.count == 0, "\(summary.failed.count) cases fail:\n\(summary.failed.map { "\($0.name): \($0.status)" }.joined(separator: "\n"))")
        #expect(summary.passed.count >= 200)
    }
}
