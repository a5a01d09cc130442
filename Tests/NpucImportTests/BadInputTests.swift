// Bad input never crashes and never leaves a partial output: each malformed model gives one error
// line naming the file and the problem, exit code 1, and no archive.

import Foundation
import Testing
import NpucGraph
@testable import NpucImport

struct BadInputTests {
    /// A small valid model: input x 1×3×8×8 → Conv → Relu → y.
    static func validModel() -> ONNXModelBuilder {
        var m = ONNXModelBuilder(graphName: "small", opset: 13)
        m.addInput("x", shape: [1, 3, 8, 8])
        m.addInitializer("w", Tensor(shape: [4, 3, 3, 3], float32: (0..<108).map { Float($0) / 108 }))
        let c = m.addNode("Conv", name: "conv", inputs: ["x", "w"], attributes: ["pads": .ints([1, 1, 1, 1])])
        m.addNode("Relu", name: "relu", inputs: [c], outputs: ["y"])
        m.addOutput("y")
        return m
    }

    /// Writes `bytes` as model.onnx in a fresh folder, runs the parser there, and checks the
    /// failure contract. Returns stderr's single line.
    func expectCleanFailure(_ bytes: [UInt8], extra: [String] = [], file: String = "model.onnx",
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let dir = try temporaryDirectory()
        try Data(bytes).write(to: dir.appendingPathComponent(file))
        let result = try CLI.run(["parser", "onnx", file, "-o", "out.npar"] + extra, in: dir)
        #expect(result.status == 1, "exit status", sourceLocation: sourceLocation)
        #expect(result.stderrLines.count == 1, "expected one error line, got: \(result.stderr)", sourceLocation: sourceLocation)
        let line = result.stderrLines.first ?? ""
        #expect(line.hasPrefix("npuc: error: \(file): "), "\(line)", sourceLocation: sourceLocation)
        #expect(files(in: dir) == [file], "nothing else may be written", sourceLocation: sourceLocation)
        return line
    }

    @Test func theValidModelParses() throws {
        let dir = try temporaryDirectory()
        try Data(Self.validModel().serialized()).write(to: dir.appendingPathComponent("model.onnx"))
        let result = try CLI.run(["parser", "onnx", "model.onnx", "-o", "out.npar"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(files(in: dir) == ["model.onnx", "out.npar"])
    }

    @Test func emptyFile() throws {
        #expect(try expectCleanFailure([]).contains("the file is empty"))
    }

    @Test func truncatedModel() throws {
        let bytes = Self.validModel().serialized()
        let line = try expectCleanFailure(Array(bytes.prefix(bytes.count / 2)))
        #expect(line.contains("truncated") || line.contains("does not decode"))
    }

    @Test func nonONNXFile() throws {
        #expect(try expectCleanFailure(Array("this is a text file, not a model\n".utf8)).contains("not an ONNX model"))
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
        #expect(try expectCleanFailure(png).contains("not an ONNX model"))
    }

    @Test func missingExternalDataFile() throws {
        var proto = try Onnx_ModelProto(serializedBytes: Self.validModel().serialized())
        var w = proto.graph.initializer[0]
        w.clearRawData()
        w.dataLocation = .external
        var location = Onnx_StringStringEntryProto()
        location.key = "location"
        location.value = "weights.bin"
        w.externalData = [location]
        proto.graph.initializer[0] = w
        let line = try expectCleanFailure(try proto.serializedBytes())
        #expect(line.contains("weights.bin"))
        #expect(line.contains("missing"))
    }

    @Test func externalDataIsRead() throws {
        var proto = try Onnx_ModelProto(serializedBytes: Self.validModel().serialized())
        var w = proto.graph.initializer[0]
        let raw = w.rawData
        w.clearRawData()
        w.dataLocation = .external
        w.externalData = [("location", "weights.bin"), ("offset", "16"), ("length", "\(raw.count)")].map { k, v in
            var e = Onnx_StringStringEntryProto()
            e.key = k
            e.value = v
            return e
        }
        proto.graph.initializer[0] = w
        let dir = try temporaryDirectory()
        try proto.serializedData().write(to: dir.appendingPathComponent("model.onnx"))
        try (Data(count: 16) + raw).write(to: dir.appendingPathComponent("weights.bin"))
        let model = try ONNXModel.load(contentsOf: dir.appendingPathComponent("model.onnx"))
        #expect(model.initializers["w"]?.floats == (0..<108).map { Float($0) / 108 })
    }

    @Test func graphWithACycle() throws {
        var m = ONNXModelBuilder(opset: 13)
        m.addInput("x", shape: [1, 3, 8, 8])
        m.addNode("Add", name: "a", inputs: ["x", "b_out"], outputs: ["a_out"])
        m.addNode("Relu", name: "b", inputs: ["a_out"], outputs: ["b_out"])
        m.addOutput("a_out")
        let line = try expectCleanFailure(m.serialized())
        #expect(line.contains("the graph has a cycle: 'b' → 'a' → 'b'"))
    }

    @Test func nodeReadingAnUndefinedTensor() throws {
        var m = ONNXModelBuilder(opset: 13)
        m.addInput("x", shape: [1, 3, 8, 8])
        m.addNode("Add", name: "add", inputs: ["x", "nowhere"], outputs: ["y"])
        m.addOutput("y")
        let line = try expectCleanFailure(m.serialized())
        #expect(line.contains("node 'add' (Add) reads tensor 'nowhere'"))
    }

    @Test func unknownDomain() throws {
        var m = ONNXModelBuilder(opset: 13)
        m.addInput("x", shape: [1, 3, 8, 8])
        m.addNode("FancyOp", name: "fancy", inputs: ["x"], outputs: ["y"], domain: "com.example")
        m.addOutput("y")
        let line = try expectCleanFailure(m.serialized())
        #expect(line.contains("domain 'com.example'"))
    }

    @Test func hugeShape() throws {
        var m = Self.validModel()
        m = ONNXModelBuilder(graphName: "huge", opset: 13)
        m.addInput("x", shape: [1, 3, 1_000_000, 1_000_000])
        m.addNode("Relu", name: "relu", inputs: ["x"], outputs: ["y"])
        m.addOutput("y")
        let line = try expectCleanFailure(m.serialized())
        #expect(line.contains("1×3×1000000×1000000"))
        #expect(line.contains("more elements than npuc supports"))
        // The same through --tensor-shapes on a valid model.
        let viaFlag = try expectCleanFailure(Self.validModel().serialized(), extra: ["--tensor-shapes", "x=1,3,1000000,1000000"])
        #expect(viaFlag.contains("more elements than npuc supports"))
    }

    @Test func symbolicDimensionNeedsTensorShapes() throws {
        var m = ONNXModelBuilder(opset: 13)
        m.addInput("x", shape: [nil, 3, 8, 8])
        m.addNode("Relu", name: "relu", inputs: ["x"], outputs: ["y"])
        m.addOutput("y")
        let line = try expectCleanFailure(m.serialized())
        #expect(line.contains("symbolic dimension 'dim0' at axis 0"))
        #expect(line.contains("--tensor-shapes x=1,3,640,640"))
        let dir = try temporaryDirectory()
        try Data(m.serialized()).write(to: dir.appendingPathComponent("model.onnx"))
        let ok = try CLI.run(["parser", "onnx", "model.onnx", "--tensor-shapes", "x=2,3,8,8"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func tensorShapesNamingAnUnknownInput() throws {
        let line = try expectCleanFailure(Self.validModel().serialized(), extra: ["--tensor-shapes", "images=1,3,8,8"])
        #expect(line.contains("'images', which is not an input"))
    }

    @Test func unknownStartNode() throws {
        let line = try expectCleanFailure(Self.validModel().serialized(), extra: ["--start-node-names", "convv"])
        #expect(line.contains("start node 'convv' is not in the model"))
        #expect(line.contains("did you mean 'conv'"))
    }

    @Test func existingOutputIsKeptWhenParsingFails() throws {
        let dir = try temporaryDirectory()
        try Data(Self.validModel().serialized()).write(to: dir.appendingPathComponent("model.onnx"))
        #expect(try CLI.run(["parser", "onnx", "model.onnx", "-o", "out.npar"], in: dir).status == 0)
        let before = try Data(contentsOf: dir.appendingPathComponent("out.npar"))
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("bad.onnx"))
        #expect(try CLI.run(["parser", "onnx", "bad.onnx", "-o", "out.npar"], in: dir).status == 1)
        #expect(try Data(contentsOf: dir.appendingPathComponent("out.npar")) == before)
        #expect(files(in: dir) == ["bad.onnx", "model.onnx", "out.npar"])
    }
}
