// The built-in demo model exercises the whole parse flow without fixtures: the uncut model fails
// with the head recognized, the cut parses, -y is byte-identical, and `npuc demo` runs end to end.

import Foundation
import Testing
import NpucGraph
import NpucIO
@testable import NpucImport
@testable import NpucRunner

struct TinyDetectorTests {
    func writeModel() throws -> URL {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("tiny.onnx")
        try Data(TinyDetector.onnxModel()).write(to: url)
        return url
    }

    @Test func uncutParseRecognizesTheYOLOv8HeadAndListsEveryDFLNode() throws {
        let url = try writeModel()
        let error = #expect(throws: ParsingError.self) { try ClientRunner().translateONNX(url) }
        guard case .unsupportedNodes(let report) = try #require(error) else { Issue.record("wrong error"); return }
        #expect(report.recommendedEndNodes == TinyDetector.headEndNodes)
        #expect(report.problems.map(\.nodeName) == ["/model.11/dfl/Reshape", "/model.11/dfl/Transpose", "/model.11/dfl/Softmax",
                                                     "/model.11/dfl/Transpose_1", "/model.11/dfl/Reshape_1"])
        #expect(report.problems[2].reason.contains("Softmax is over the channel axis"))
        let head = try #require(report.head)
        #expect(head.numberOfClasses == 3)
        #expect(head.regMax == 16)
        #expect(head.strides == [8, 16, 32])
        #expect(head.classNames == TinyDetector.classNames)
    }

    @Test func cutParseKeepsOriginalNamesAndVerifies() throws {
        let url = try writeModel()
        let archive = try ClientRunner().translateONNX(url, endNodeNames: TinyDetector.headEndNodes)
        try archive.graph.verify()
        let g = archive.graph
        #expect(g.outputs.map { g.type(of: $0).shape } == [[1, 64, 8, 8], [1, 3, 8, 8], [1, 64, 4, 4], [1, 3, 4, 4], [1, 64, 2, 2], [1, 3, 2, 2]])
        // SiLU was fused and keeps both original names; every node has a layer name and a source.
        let silu = try #require(g.nodes.first { if case .activation(let a) = $0.op { return a.function == .silu }; return false })
        #expect(silu.sourceNames == ["/model.0/act/Sigmoid", "/model.0/act/Mul"])
        #expect(silu.name == "silu1")
        #expect(g.nodes.first?.name == "conv1")
        #expect(g.nodes.allSatisfy { !$0.sourceNames.isEmpty })
        #expect(archive.head?.endNodes == TinyDetector.headEndNodes)
        // Independent MAC count: Σ output elements × (C/group·kh·kw) over the convolutions.
        var macs = 0
        for node in g.nodes {
            if case .conv = node.op {
                let w = g.type(of: node.inputs[1]).shape
                macs += g.type(of: node.outputs[0]).elementCount * w[1] * w[2] * w[3]
            }
        }
        #expect(g.macs == macs)
    }

    @Test func acceptingTheRecommendationIsByteIdenticalToTheExplicitCut() throws {
        let url = try writeModel()
        let dir = url.deletingLastPathComponent()
        let explicit = try CLI.run(["parser", "onnx", url.path, "--end-node-names"] + TinyDetector.headEndNodes + ["-o", "a.npar"], in: dir)
        let accepted = try CLI.run(["parser", "onnx", url.path, "-y", "-o", "b.npar"], in: dir)
        #expect(explicit.status == 0 && accepted.status == 0, "\(explicit.stderr)\(accepted.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("a.npar")) == Data(contentsOf: dir.appendingPathComponent("b.npar")))
    }

    @Test func demoRunsTheWorkflowOnTheBuiltInModel() throws {
        let dir = try temporaryDirectory()
        let result = try CLI.run(["demo", "--output-dir", dir.appendingPathComponent("demo").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("NMS structure of yolov8"))
        let archive = try Archive.read(contentsOf: dir.appendingPathComponent("demo/tiny_yolov8.npar"))
        #expect(archive.graph.outputs.count == 6)
        #expect(archive.head?.metaArchitecture == .yolov8)
        let optimized = try Archive.read(contentsOf: dir.appendingPathComponent("demo/tiny_yolov8_optimized.npar"))
        #expect(optimized.state == .optimized)
        #expect(optimized.sections["model_script"].map { String(decoding: $0, as: UTF8.self) }?.contains("normalization1") == true)
        // Six outputs compared, each well above noise (the quantized network tracks the float one).
        let snrs = result.stdout.split(separator: "\n").filter { $0.contains("quantized vs float") }
            .compactMap { line in line.split(separator: " ").compactMap { Double($0) }.first }
        #expect(snrs.count == 6 && snrs.allSatisfy { $0 > 20 }, "\(result.stdout)")
    }

    @Test func nodesListsEveryNodeWithShapes() throws {
        let url = try writeModel()
        let overview = try ONNXInspection.overview(of: url)
        #expect(overview.nodes.count == (try ONNXModel.load(contentsOf: url)).nodes.count)
        let dfl = try #require(overview.nodes.first { $0.name == "/model.11/dfl/Reshape" })
        #expect(dfl.opType == "Reshape")
        #expect(dfl.outputs.first?.shape == ["1", "4", "16", "84"])
        let json = try CLI.run(["nodes", url.path, "--json"])
        #expect(json.status == 0)
        let decoded = try JSONDecoder().decode(ONNXOverview.self, from: Data(json.stdout.utf8))
        #expect(decoded.inputs.first?.shape == ["1", "3", "64", "64"])
        let text = try CLI.run(["nodes", url.path])
        #expect(text.stdout.contains("/model.11/cv2.0/cv2.0.2/Conv"))
    }
}
