// The .npar archive reads back to the same network, encodes to the same bytes, opens in NumPy,
// and refuses damaged files with a message naming the file.

import Foundation
import Testing
import NpucGraph
import NpucIO
@testable import NpucImport
@testable import NpucRunner

struct ArchiveTests {
    func tinyArchive() throws -> Archive {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("tiny.onnx")
        try Data(TinyDetector.onnxModel()).write(to: url)
        return try ClientRunner().translateONNX(url, endNodeNames: TinyDetector.headEndNodes)
    }

    @Test func roundTripIsExact() throws {
        let archive = try tinyArchive()
        let bytes = archive.encoded()
        let back = try Archive.decode(bytes: bytes, file: "t.npar")
        #expect(back == archive)
        #expect(back.encoded() == bytes)
    }

    @Test func sectionsAndTensorsTravel() throws {
        var archive = try tinyArchive()
        archive.sections["quantization"] = Array("{\"x\": 1}".utf8)
        archive.tensors["stats/conv1.min"] = Tensor(shape: [2], float32: [-1, 0.5])
        let back = try Archive.decode(bytes: archive.encoded(), file: "t.npar")
        #expect(back.sections == archive.sections)
        #expect(back.tensors == archive.tensors)
    }

    @Test func damagedArchivesAreRefusedWithTheFileName() throws {
        let bytes = try tinyArchive().encoded()
        let truncated = #expect(throws: ArchiveError.self) { try Archive.decode(bytes: Array(bytes.prefix(bytes.count - 100)), file: "cut.npar") }
        #expect(truncated?.description.hasPrefix("cut.npar: ") == true)
        var zip = ZipWriter()
        zip.add(name: "hello.txt", bytes: Array("hi".utf8))
        let notArchive = #expect(throws: ArchiveError.self) { try Archive.decode(bytes: zip.finish(), file: "x.npar") }
        #expect(notArchive?.description.contains("not an npuc archive") == true)
    }

    @Test func aNewerFormatAsksForAnUpgrade() throws {
        let bytes = try tinyArchive().encoded()
        let reader = try ZipReader(bytes: bytes, source: "t")
        var json = String(decoding: try reader.read("graph.json"), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 99")
        var zip = ZipWriter()
        for name in reader.entryNames {
            zip.add(name: name, bytes: name == "graph.json" ? Array(json.utf8) : try reader.read(name))
        }
        let error = #expect(throws: ArchiveError.self) { try Archive.decode(bytes: zip.finish(), file: "new.npar") }
        #expect(error?.description.contains("upgrade npuc") == true)
    }

    @Test(.enabled(if: ArchiveTests.hasNumPy, "needs python3 with numpy"))
    func numpyOpensTheArchive() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("t.npar")
        let archive = try tinyArchive()
        try archive.write(to: url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
        import json, numpy as np, sys
        z = np.load(sys.argv[1])
        g = json.loads(z["graph.json"] if isinstance(z["graph.json"], bytes) else bytes(z["graph.json"]))
        w = [v for v in g["graph"]["values"] if v.get("constant")][0]
        a = z[w["constant"][:-4]]
        print(w["name"], list(a.shape), float(a.ravel()[0]))
        """, url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let g = archive.graph
        let first = try #require(g.values.indices.first { g.constants[ValueID($0)] != nil })
        let tensor = g.constants[ValueID(first)]!
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(g.values[first].name) \(tensor.shape) \(Double(tensor.floats[0]))")
    }

    static let hasNumPy: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy"]
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test func infoSummarizesAnArchive() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("t.npar")
        try tinyArchive().write(to: url)
        let result = try CLI.run(["info", url.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("network   tiny (parsed, hailo8l"))
        #expect(result.stdout.contains("head      yolov8: 3 classes, strides 8/16/32, reg_max 16"))
        let json = try CLI.run(["info", url.path, "--json"])
        let summary = try JSONDecoder().decode(ArchiveSummary.self, from: Data(json.stdout.utf8))
        #expect(summary.outputs.count == 6)
        #expect(summary.macs == (try tinyArchive()).graph.macs)
    }
}

struct SupportedOpsDocumentTests {
    @Test func docsAreCurrent() throws {
        let committed = try String(contentsOf: Paths.packageRoot.appendingPathComponent("docs/SUPPORTED_OPS.md"), encoding: .utf8)
        #expect(committed == SupportedOpsDocument.markdown(),
                "docs/SUPPORTED_OPS.md is stale: regenerate it with `swift run npuc supported-ops > docs/SUPPORTED_OPS.md`")
    }

    @Test func everyConstraintSentenceAppears() {
        let doc = SupportedOpsDocument.markdown()
        for kind in OpKind.allCases {
            for c in NPUSupport.constraints(for: kind) { #expect(doc.contains(c.rule)) }
        }
        for entry in ONNXOpRegistry.supportedOpTypes { #expect(doc.contains("| \(entry.opType) |")) }
    }
}
