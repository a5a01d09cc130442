// The parse step of the walkthrough on the real YOLOv8n-DocLayNet model: uncut parsing fails with
// the DFL reshape named and the six head convolutions recommended; the cut parses to six outputs
// whose shapes, MACs and parameters equal an independent count; -y gives the same bytes.

import Foundation
import Testing
import NpucGraph
import NpucIO
@testable import NpucImport
@testable import NpucRunner

@Suite(.enabled(if: Paths.hasYOLOv8, "\(Paths.fetchHint)"))
struct YOLOv8ParseTests {
    let shapes = ["images": [1, 3, 640, 640]]

    @Test func uncutParseFailsNamingTheDFLReshapeAndRecommendingTheHeadConvolutions() throws {
        let runner = ClientRunner(hwArch: .hailo8l)
        let error = #expect(throws: ParsingError.self) {
            try runner.translateONNX(Paths.yolov8, tensorShapes: shapes)
        }
        guard case .unsupportedNodes(let report) = try #require(error) else {
            Issue.record("expected unsupported nodes, got \(String(describing: error))")
            return
        }
        let reshape = try #require(report.problems.first { $0.nodeName == "/model.22/dfl/Reshape" })
        #expect(reshape.opType == "Reshape")
        #expect(reshape.reason.contains("channel axis"))
        #expect(reshape.reason.contains("1×64×8400"))
        #expect(report.head?.metaArchitecture == .yolov8)
        #expect(report.recommendedEndNodes == yoloHeadEndNodes)
        #expect(report.description.contains("NMS structure of yolov8"))
        #expect(report.description.contains("--end-node-names \(yoloHeadEndNodes.joined(separator: " "))"))
    }

    @Test func uncutParseExitsWithCodeOneAndWritesNothing() throws {
        let dir = try temporaryDirectory()
        let result = try CLI.run(["parser", "onnx", Paths.yolov8.path, "--tensor-shapes", "images=1,3,640,640"], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.contains("/model.22/dfl/Reshape"))
        #expect(result.stderr.contains("NMS structure of yolov8"))
        #expect(files(in: dir).isEmpty)
    }

    @Test func cutAtTheHeadGivesSixOutputsMatchingAnIndependentCount() throws {
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: Paths.yolov8Reference)) as! [String: Any]
        let runner = ClientRunner(hwArch: .hailo8l)
        let archive = try runner.translateONNX(Paths.yolov8, startNodeNames: ["images"], endNodeNames: yoloHeadEndNodes,
                                               tensorShapes: shapes)
        try archive.graph.verify()
        let outputs = archive.graph.outputs.map { archive.graph.type(of: $0).shape }
        #expect(outputs == [[1, 64, 80, 80], [1, 11, 80, 80], [1, 64, 40, 40], [1, 11, 40, 40], [1, 64, 20, 20], [1, 11, 20, 20]])
        let referenceOutputs = (reference["outputs"] as! [[String: Any]]).map { $0["shape"] as! [Int] }
        #expect(outputs == referenceOutputs)
        #expect(archive.graph.macs == reference["macs"] as! Int)
        #expect(archive.graph.parameterCount == reference["weight_params"] as! Int)
        #expect(archive.head?.numberOfClasses == 11)
        #expect(archive.head?.regMax == 16)
        #expect(archive.head?.strides == [8, 16, 32])
        #expect(archive.head?.classNames.first == "Caption")
        #expect(archive.head?.classNames.count == 11)
    }

    @Test func acceptingTheRecommendationWritesTheSameArchiveBytes() throws {
        let dir = try temporaryDirectory()
        let explicit = try CLI.run(["parser", "onnx", Paths.yolov8.path, "--tensor-shapes", "images=1,3,640,640",
                                    "--start-node-names", "images", "--end-node-names"] + yoloHeadEndNodes + ["-o", "explicit.npar"], in: dir)
        #expect(explicit.status == 0, "\(explicit.stderr)")
        let accepted = try CLI.run(["parser", "onnx", Paths.yolov8.path, "--tensor-shapes", "images=1,3,640,640", "-y", "-o", "accepted.npar"], in: dir)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stderr.contains("Accepting the recommendation"))
        let a = try Data(contentsOf: dir.appendingPathComponent("explicit.npar"))
        let b = try Data(contentsOf: dir.appendingPathComponent("accepted.npar"))
        #expect(a == b)
        // And it reads back to the same network.
        let archive = try Archive.read(contentsOf: dir.appendingPathComponent("accepted.npar"))
        #expect(archive.encoded() == Array(a))
    }

    @Test func misspelledEndNodeGetsTheClosestNames() throws {
        let runner = ClientRunner()
        let error = #expect(throws: ParsingError.self) {
            try runner.translateONNX(Paths.yolov8, endNodeNames: ["/model.22/cv2.0/cv2.0.2/Cnv"], tensorShapes: shapes)
        }
        let text = String(describing: try #require(error))
        #expect(text.contains("end node '/model.22/cv2.0/cv2.0.2/Cnv' is not in the model"))
        #expect(text.contains("did you mean '/model.22/cv2.0/cv2.0.2/Conv'"))
    }
}
