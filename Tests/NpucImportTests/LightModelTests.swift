// The ONNX "light" reference models: each either parses, or fails listing every unsupported node.
// The outcome is pinned per model, with the reason.

import Foundation
import Testing
import NpucGraph
import NpucIO
@testable import NpucImport
@testable import NpucRunner

@Suite(.enabled(if: Paths.hasLightModels, "\(Paths.fetchHint)"))
struct LightModelTests {
    func parse(_ name: String) throws -> Result<NpucIO.Archive, ParsingError> {
        let url = Paths.lightModels.appendingPathComponent("\(name)/model.onnx")
        return Result { () throws(ParsingError) in try ClientRunner().translateONNX(url) }
    }

    /// Models made only of supported layers (conv, batch-norm, relu, pooling, concat, dense,
    /// softmax over channels; weights built by ConstantOfShape are folded at import).
    @Test(arguments: [
        ("resnet50", 1000), ("squeezenet", 1000), ("densenet121", 1000), ("inception_v2", 1000), ("vgg19", 1000),
    ])
    func parses(_ name: String, classes: Int) throws {
        let archive = try parse(name).get()
        try archive.graph.verify()
        let out = archive.graph.type(of: archive.graph.outputs[0]).shape
        #expect(out.dropFirst().first == classes)
        #expect(archive.graph.macs > 0)
    }

    /// AlexNet, ZFNet and GoogLeNet (inception_v1) use local response normalization, which is not
    /// in the NPU's layer set; the parser names every LRN node (checking goes on past each, as LRN
    /// keeps the shape) and recommends ending before the first.
    @Test(arguments: [("bvlc_alexnet", ["n2", "n6"], "n1"), ("zfnet512", ["n2", "n6"], "n1"), ("inception_v1", ["n3", "n8"], "n2")])
    func failsOnLocalResponseNormalization(_ name: String, lrnNodes: [String], endBefore: String) throws {
        guard case .failure(.unsupportedNodes(let report)) = try parse(name) else {
            Issue.record("\(name) should fail on LRN")
            return
        }
        #expect(report.problems.map(\.nodeName) == lrnNodes)
        #expect(report.problems.allSatisfy { $0.opType == "LRN" && $0.reason.contains("op type LRN is not in the NPU's supported layer set") })
        #expect(report.dependentNodes.isEmpty)
        #expect(report.recommendedEndNodes == [endBefore])
    }

    /// ShuffleNet's channel shuffle is a reshape to 5-D, a transpose of the group axes and a
    /// reshape back; each of those nodes moves data across the channel axis and is listed.
    @Test func shufflenetListsEveryChannelShuffleNode() throws {
        guard case .failure(.unsupportedNodes(let report)) = try parse("shufflenet") else {
            Issue.record("shufflenet should fail on its channel shuffles")
            return
        }
        let model = try ONNXModel.load(contentsOf: Paths.lightModels.appendingPathComponent("shufflenet/model.onnx"))
        let shuffleNodes = model.nodes.filter { $0.opType == "Reshape" || $0.opType == "Transpose" }
            .filter { node in report.problems.contains { $0.nodeName == node.name } }
        #expect(report.problems.count == shuffleNodes.count)
        #expect(Set(report.problems.map(\.opType)) == ["Reshape", "Transpose"])
        #expect(report.problems.allSatisfy { $0.reason.contains("rank 5") })
    }
}
