// Whole real models against stored reference outputs (issue #3, must-holds 2 and 3): the cut
// YOLOv8n-DocLayNet at 640 on real document pages vs ONNX Runtime, and the ONNX "light" models
// vs their expected outputs. They need .fixtures and an optimized executor (Package.swift compiles
// the arithmetic modules with -O in debug builds too; unoptimized SIMD code takes about a minute
// per model run).

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport
import NpucIO
import Testing

/// The executor's arithmetic is optimized (release builds, and debug builds per Package.swift).
let isOptimizedBuild = ExecutorBuild.isOptimized

let yoloModel = fixturesRoot.appending(path: "models/yolov8n-doclaynet.onnx")
let yoloReferences = fixturesRoot.appending(path: "reference/yolov8n-cut640-ort")
let lightModels = fixturesRoot.appending(path: "onnx-light")
let yoloEndNodes = ["/model.22/cv2.0/cv2.0.2/Conv", "/model.22/cv3.0/cv3.0.2/Conv", "/model.22/cv2.1/cv2.1.2/Conv",
                    "/model.22/cv3.1/cv3.1.2/Conv", "/model.22/cv2.2/cv2.2.2/Conv", "/model.22/cv3.2/cv3.2.2/Conv"]

@Suite("Model references", .serialized,
       .enabled(if: isOptimizedBuild, "needs the executor compiled with -O (see Package.swift)"))
struct ModelReferenceTests {
    @Test("YOLOv8n-DocLayNet cut at 640: the six outputs match ONNX Runtime within 1e-3 × each output's max |value| on real pages",
          .enabled(if: FileManager.default.fileExists(atPath: yoloModel.path) && FileManager.default.fileExists(atPath: yoloReferences.path),
                   "needs .fixtures/models and .fixtures/reference — run scripts/fetch-fixtures.sh --only reference"))
    func yoloMatchesONNXRuntime() throws {
        let options = ImportOptions(endNodeNames: yoloEndNodes, tensorShapes: ["images": [1, 3, 640, 640]])
        let graph = try ONNXImporter.importModel(at: yoloModel, options: options).graph
        let executor = try FloatExecutor(graph)
        let pages = try FileManager.default.contentsOfDirectory(atPath: yoloReferences.path).filter { $0.hasSuffix(".npz") }.sorted()
        #expect(pages.count >= 8)
        var worstRatio = 0.0
        for page in pages {
            let members = try Npz.decode(contentsOf: yoloReferences.appending(path: page))
            let images = try #require(members.first { $0.name == "images" }?.tensor)
            let outputs = try executor.run(["images": images])
            let expected = members.filter { $0.name != "images" }
            #expect(expected.count == 6)
            for (name, want) in expected {
                let got = try #require(outputs[name], "\(page): output \(name) missing; outputs are \(outputs.keys.sorted())")
                #expect(got.shape == want.shape)
                let w = want.floats, g = got.floats
                let scale = Double(w.map(abs).max() ?? 0)
                let diff = Double(zip(g, w).map { abs($0 - $1) }.max() ?? 0)
                let ratio = diff / scale
                worstRatio = max(worstRatio, ratio)
                #expect(ratio <= 1e-3, "\(page) \(name): max |npuc − ORT| = \(diff), max |ORT| = \(scale), ratio \(ratio)")
            }
        }
        print("YOLOv8n-DocLayNet cut640 vs ONNX Runtime on \(pages.count) pages: worst max|diff| / max|output| = \(worstRatio)")
    }

    @Test("the ONNX light models that parse reproduce their stored outputs within the stored tolerance",
          .enabled(if: FileManager.default.fileExists(atPath: lightModels.path), "needs .fixtures/onnx-light — run scripts/fetch-fixtures.sh --only light"))
    func lightModelsMatch() throws {
        struct Meta: Decodable { var rtol: Double; var atol: Double; var inputs: [String]; var outputs: [String] }
        let names = try FileManager.default.contentsOfDirectory(atPath: lightModels.path).filter { !$0.hasPrefix(".") }.sorted()
        var ran: [String] = [], refused: [String] = []
        for name in names {
            let dir = lightModels.appending(path: name)
            let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: dir.appending(path: "meta.json")))
            let imported = ONNXConformanceRunner.importGraph(try Data(contentsOf: dir.appending(path: "model.onnx")),
                                                             file: name, name: name)
            guard case .success(let graph) = imported else {
                if case .failure(let error) = imported, case .invalidModel = error { Issue.record("\(name): \(error)") }
                refused.append(name)
                continue
            }
            let input = try ONNXTensor.decode(serialized: [UInt8](Data(contentsOf: dir.appending(path: "test_data_set_0/input_0.pb"))), file: name).tensor
            let expected = try ONNXTensor.decode(serialized: [UInt8](Data(contentsOf: dir.appending(path: "test_data_set_0/output_0.pb"))), file: name).tensor
            let outputs = try FloatExecutor(graph).run([meta.inputs[0]: input])
            let got = try #require(outputs[meta.outputs[0]], "\(name): output \(meta.outputs[0]) missing")
            #expect(got.elementCount == expected.elementCount, "\(name): \(got.shape) vs \(expected.shape)")
            let problem = ONNXConformanceRunner.compare(got.reshaped(expected.shape), expected, rtol: meta.rtol, atol: meta.atol)
            #expect(problem == nil, "\(name): \(problem ?? "")")
            ran.append(name)
        }
        print("ONNX light models: ran \(ran.joined(separator: ", ")); refused by the importer: \(refused.joined(separator: ", "))")
        #expect(ran.count >= 5, "only \(ran) parse")
    }
}
