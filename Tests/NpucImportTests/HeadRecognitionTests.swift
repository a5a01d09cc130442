// Detection heads are recognized by structure: synthetic YOLOv5 (anchors), YOLOX (decoupled) and
// SSD heads built the way their exporters write them, with node names that say nothing.

import Foundation
import Testing
import NpucGraph
@testable import NpucImport
@testable import NpucRunner

struct HeadRecognitionTests {
    /// Input 1×3×64×64 and three feature maps at strides 8, 16, 32 (C channels each).
    static func backbone(_ m: inout ONNXModelBuilder, channels c: Int, rng: inout SeededGenerator) -> [String] {
        m.addInput("input", shape: [1, 3, 64, 64])
        return [8, 16, 32].map { s in
            m.addInitializer("bb\(s).w", Tensor(shape: [c, 3, s, s], float32: rng.uniform(c * 3 * s * s, scale: 0.1)))
            return m.addNode("Conv", name: "n_bb\(s)", inputs: ["input", "bb\(s).w"], attributes: ["strides": .ints([s, s])])
        }
    }

    static func conv1x1(_ m: inout ONNXModelBuilder, _ x: String, cin: Int, cout: Int, name: String, rng: inout SeededGenerator) -> String {
        m.addInitializer("\(name).w", Tensor(shape: [cout, cin, 1, 1], float32: rng.uniform(cout * cin, scale: 0.3)))
        m.addInitializer("\(name).b", Tensor(shape: [cout], float32: rng.uniform(cout, scale: 0.1)))
        return m.addNode("Conv", name: name, inputs: [x, "\(name).w", "\(name).b"])
    }

    func report(_ bytes: [UInt8]) throws -> UnsupportedNodesReport {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("m.onnx")
        try Data(bytes).write(to: url)
        let result = Result { () throws(ParsingError) in try ClientRunner().translateONNX(url) }
        guard case .failure(.unsupportedNodes(let report)) = result else {
            throw ParsingError.invalidModel(ONNXImportError(file: url.path, "expected unsupported nodes, got \(result)"))
        }
        return report
    }

    @Test func yolov5AnchorHead() throws {
        var rng = SeededGenerator(seed: 5)
        var m = ONNXModelBuilder(opset: 13)
        let feats = Self.backbone(&m, channels: 8, rng: &rng)
        let nc = 2, na = 3, no = 5 + nc
        var flat = [String]()
        let anchors: [[Float]] = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]]
        for (i, (f, size)) in zip(feats, [8, 4, 2]).enumerated() {
            let c = Self.conv1x1(&m, f, cin: 8, cout: na * no, name: "n\(10 + i)", rng: &rng)
            m.addInitializer("shape\(i)", Tensor(shape: [5], int64: [1, Int64(na), Int64(no), Int64(size), Int64(size)]))
            let r = m.addNode("Reshape", name: "n\(20 + i)", inputs: [c, "shape\(i)"])
            let t = m.addNode("Transpose", name: "n\(30 + i)", inputs: [r], attributes: ["perm": .ints([0, 1, 3, 4, 2])])
            let sig = m.addNode("Sigmoid", name: "n\(40 + i)", inputs: [t])
            m.addInitializer("split\(i)", Tensor(shape: [3], int64: [2, 2, Int64(nc + 1)]))
            m.addNode("Split", name: "n\(50 + i)", inputs: [sig, "split\(i)"], outputs: ["xy\(i)", "wh\(i)", "conf\(i)"], attributes: ["axis": .int(4)])
            m.addInitializer("two", Tensor(shape: [], float32: [2]))
            let wh2 = m.addNode("Mul", name: "n\(60 + i)", inputs: ["wh\(i)", "two"])
            let sq = m.addNode("Pow", name: "n\(70 + i)", inputs: [wh2, "two"])
            var grid = [Float]()
            for a in 0..<na { for _ in 0..<(size * size) { grid += [anchors[i][2 * a], anchors[i][2 * a + 1]] } }
            m.addInitializer("anchor_grid\(i)", Tensor(shape: [1, na, size, size, 2], float32: grid))
            let wh = m.addNode("Mul", name: "n\(80 + i)", inputs: [sq, "anchor_grid\(i)"])
            let cat = m.addNode("Concat", name: "n\(90 + i)", inputs: ["xy\(i)", wh, "conf\(i)"], attributes: ["axis": .int(4)])
            m.addInitializer("oshape\(i)", Tensor(shape: [3], int64: [1, Int64(na * size * size), Int64(no)]))
            flat.append(m.addNode("Reshape", name: "n\(100 + i)", inputs: [cat, "oshape\(i)"]))
        }
        m.addNode("Concat", name: "n200", inputs: flat, outputs: ["output"], attributes: ["axis": .int(1)])
        m.addOutput("output")
        let r = try report(m.serialized())
        let head = try #require(r.head)
        #expect(head.metaArchitecture == .yolov5)
        #expect(head.numberOfClasses == 2)
        #expect(head.strides == [8, 16, 32])
        #expect(head.branches.map(\.anchorCount) == [3, 3, 3])
        #expect(head.branches[0].anchors == [[10, 13], [16, 30], [33, 23]])
        #expect(head.branches[2].anchors == [[116, 90], [156, 198], [373, 326]])
        #expect(r.recommendedEndNodes == ["n10", "n11", "n12"])
        #expect(r.description.contains("NMS structure of yolov5"))
    }

    @Test func yoloxDecoupledHead() throws {
        var rng = SeededGenerator(seed: 7)
        var m = ONNXModelBuilder(opset: 11)
        let feats = Self.backbone(&m, channels: 8, rng: &rng)
        let nc = 5
        var flat = [String]()
        for (i, f) in feats.enumerated() {
            let reg = Self.conv1x1(&m, f, cin: 8, cout: 4, name: "reg\(i)", rng: &rng)
            let obj = Self.conv1x1(&m, f, cin: 8, cout: 1, name: "obj\(i)", rng: &rng)
            let cls = Self.conv1x1(&m, f, cin: 8, cout: nc, name: "cls\(i)", rng: &rng)
            let so = m.addNode("Sigmoid", name: "so\(i)", inputs: [obj])
            let sc = m.addNode("Sigmoid", name: "sc\(i)", inputs: [cls])
            let cat = m.addNode("Concat", name: "cat\(i)", inputs: [reg, so, sc], attributes: ["axis": .int(1)])
            m.addInitializer("fshape\(i)", Tensor(shape: [3], int64: [1, Int64(5 + nc), -1]))
            flat.append(m.addNode("Reshape", name: "flat\(i)", inputs: [cat, "fshape\(i)"]))
        }
        let all = m.addNode("Concat", name: "all", inputs: flat, attributes: ["axis": .int(2)])
        m.addNode("Transpose", name: "permute", inputs: [all], outputs: ["output"], attributes: ["perm": .ints([0, 2, 1])])
        m.addOutput("output")
        let r = try report(m.serialized())
        let head = try #require(r.head)
        #expect(head.metaArchitecture == .yolox)
        #expect(head.numberOfClasses == 5)
        #expect(head.strides == [8, 16, 32])
        #expect(r.recommendedEndNodes == ["reg0", "cls0", "obj0", "reg1", "cls1", "obj1", "reg2", "cls2", "obj2"])
        #expect(r.problems.map(\.nodeName) == ["permute"])
    }

    @Test func ssdHead() throws {
        var rng = SeededGenerator(seed: 9)
        var m = ONNXModelBuilder(opset: 13)
        let feats = Self.backbone(&m, channels: 8, rng: &rng)
        let classes = 4
        var boxes = [String](), scores = [String]()
        for (i, (f, anchors)) in zip(feats.prefix(2), [3, 6]).enumerated() {
            let b = Self.conv1x1(&m, f, cin: 8, cout: 4 * anchors, name: "box\(i)", rng: &rng)
            let s = Self.conv1x1(&m, f, cin: 8, cout: classes * anchors, name: "score\(i)", rng: &rng)
            let bt = m.addNode("Transpose", name: "bt\(i)", inputs: [b], attributes: ["perm": .ints([0, 2, 3, 1])])
            let st = m.addNode("Transpose", name: "st\(i)", inputs: [s], attributes: ["perm": .ints([0, 2, 3, 1])])
            m.addInitializer("b4", Tensor(shape: [3], int64: [1, -1, 4]))
            m.addInitializer("sK", Tensor(shape: [3], int64: [1, -1, Int64(classes)]))
            boxes.append(m.addNode("Reshape", name: "br\(i)", inputs: [bt, "b4"]))
            scores.append(m.addNode("Reshape", name: "sr\(i)", inputs: [st, "sK"]))
        }
        m.addNode("Concat", name: "boxes", inputs: boxes, outputs: ["boxes"], attributes: ["axis": .int(1)])
        let sc = m.addNode("Concat", name: "scores_cat", inputs: scores, attributes: ["axis": .int(1)])
        m.addNode("Softmax", name: "scores", inputs: [sc], outputs: ["scores"], attributes: ["axis": .int(-1)])
        m.addOutput("boxes")
        m.addOutput("scores")
        let r = try report(m.serialized())
        let head = try #require(r.head)
        #expect(head.metaArchitecture == .ssd)
        #expect(head.numberOfClasses == 4)
        #expect(head.branches.map(\.anchorCount) == [3, 6])
        #expect(head.strides == [8, 16])
        #expect(r.recommendedEndNodes == ["box0", "score0", "box1", "score1"])
    }

    @Test func namesDoNotMatterForYOLOv8() throws {
        // The built-in model with every node renamed still has its head recognized.
        var proto = try Onnx_ModelProto(serializedBytes: TinyDetector.onnxModel())
        for i in proto.graph.node.indices { proto.graph.node[i].name = "node\(i)" }
        let r = try report(try proto.serializedBytes())
        let head = try #require(r.head)
        #expect(head.metaArchitecture == .yolov8)
        #expect(r.recommendedEndNodes.count == 6)
        #expect(r.recommendedEndNodes.allSatisfy { $0.hasPrefix("node") })
    }

    @Test func aPlainClassifierHasNoHead() throws {
        var rng = SeededGenerator(seed: 11)
        var m = ONNXModelBuilder(opset: 13)
        m.addInput("input", shape: [1, 3, 16, 16])
        let c = Self.conv1x1(&m, "input", cin: 3, cout: 8, name: "conv", rng: &rng)
        let g = m.addNode("GlobalAveragePool", name: "gap", inputs: [c])
        m.addNode("TopK", name: "topk", inputs: [g, "k"], outputs: ["values", "indices"], attributes: ["axis": .int(1)])
        m.addInitializer("k", Tensor(shape: [1], int64: [3]))
        m.addOutput("values")
        let r = try report(m.serialized())
        #expect(r.head == nil)
        #expect(r.problems.map(\.nodeName) == ["topk"])
        #expect(r.recommendedEndNodes == ["gap"])
    }
}
