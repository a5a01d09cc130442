// `ModelScript.check`: scripts next to NMS config files on disk, layer resolution against a
// catalog (including the layers the NMS config names), and the JSON report.

import Foundation
import Testing
import NpucGraph
@testable import NpucScript

@Suite struct CheckTests {
    /// A folder with `alls/s.alls` and `cfg/nms.json`, removed afterwards.
    func withFiles(_ script: String, config: String, _ body: (String, String) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("alls"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("cfg"), withIntermediateDirectories: true)
        try Data(config.utf8).write(to: root.appendingPathComponent("cfg/nms.json"))
        try body(script, root.appendingPathComponent("alls").path)
    }

    static let catalog = LayerCatalog(layers: [
        (name: "input_layer1", sourceNames: ["images"]),
        (name: "conv10", sourceNames: ["/m/cv2.0/Conv"]),
        (name: "conv11", sourceNames: ["/m/cv3.0/Conv"]),
        (name: "conv20", sourceNames: []),
        (name: "conv21", sourceNames: []),
    ], networkName: "net")

    @Test func scriptWithConfigAndCatalogChecksClean() throws {
        let script = """
        normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
        change_output_activation(conv11, sigmoid)
        change_output_activation(/m/cv3.0/Conv, sigmoid)
        nms_postprocess("../cfg/nms.json", meta_arch=yolov8, engine=cpu)
        quantization_param([normalization1], precision_mode=a16_w16)
        """
        try withFiles(script, config: NMSConfigTests.yolov8JSON) { text, directory in
            let report = ModelScript.check(text, fileName: "s.alls",
                                           options: ScriptCheckOptions(scriptDirectory: directory, catalog: Self.catalog))
            #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
            #expect(report.nmsConfigs[3]?.classes == 3)
            #expect(report.resolvedLayers.map(\.role) == ["layers", "layers", "bbox_decoders[0].reg_layer", "bbox_decoders[0].cls_layer",
                                                          "bbox_decoders[1].reg_layer", "bbox_decoders[1].cls_layer", "layers"])
            #expect(report.resolvedLayers.map(\.layers) == [["conv11"], ["conv11"], ["conv10"], ["conv11"], ["conv20"], ["conv21"],
                                                            ["normalization1"]])
            let json = try report.json()
            #expect(json.contains("\"command\" : \"nms_postprocess\""))
            #expect(json.contains("\"meta_arch\" : \"yolov8\""))
            #expect(json.contains("\"ok\" : true"))
        }
    }

    @Test func unknownLayersInScriptAndConfigAreErrors() throws {
        let config = NMSConfigTests.yolov8JSON.replacingOccurrences(of: "\"conv21\"", with: "\"conv211\"")
        let script = """
        change_output_activation(conv111, sigmoid)
        nms_postprocess("../cfg/nms.json", meta_arch=yolov8)
        """
        try withFiles(script, config: config) { text, directory in
            let report = ModelScript.check(text, fileName: "s.alls",
                                           options: ScriptCheckOptions(scriptDirectory: directory, catalog: Self.catalog))
            #expect(report.hasErrors)
            #expect(report.diagnostics.map(\.message) == [
                "unknown layer 'conv111'; did you mean 'conv11', 'conv10', 'conv21'?",
                "NMS config bbox_decoders[1].cls_layer: unknown layer 'conv211'; did you mean 'conv11', 'conv21', 'conv10'?",
            ])
            #expect(report.diagnostics.map(\.location?.line) == [1, 2])
        }
    }

    @Test func configProblemsAndMissingFilesAreReported() throws {
        try withFiles("nms_postprocess(\"../cfg/nms.json\", meta_arch=yolox)\nnms_postprocess(\"../cfg/none.json\", yolov8)\n",
                      config: NMSConfigTests.yolov8JSON) { text, directory in
            let report = ModelScript.check(text, fileName: "s.alls", options: ScriptCheckOptions(scriptDirectory: directory))
            let messages = report.diagnostics.map(\.message)
            #expect(messages.count == 3)
            #expect(messages[0] == "../cfg/nms.json: bbox_decoders[0]: 'objectness_layer' is missing or empty; yolox needs it")
            #expect(messages[2].hasPrefix("../cfg/none.json: file not found: "))
            #expect(messages[2].hasSuffix("/cfg/none.json (paths are relative to the script's folder)"))
        }
    }

    @Test func headSuppliesTheConfigWhenNoFileIsNamed() {
        let head = DetectionHead(metaArchitecture: .yolov8, numberOfClasses: 2, regMax: 16, classNames: [], inputSize: [640, 640],
                                 branches: [.init(stride: 8, boxNode: "/m/cv2.0/Conv", classNode: "/m/cv3.0/Conv")])
        let report = ModelScript.check("nms_postprocess(meta_arch=yolov8, nms_scores_th=0.4)\n", fileName: "s.alls",
                                       options: ScriptCheckOptions(catalog: Self.catalog, detectionHead: head))
        #expect(report.diagnostics.isEmpty)
        #expect(report.nmsConfigs[0]?.scoresThreshold == 0.4)
        #expect(report.resolvedLayers.map(\.layers) == [["conv10"], ["conv11"]])

        let wrong = ModelScript.check("nms_postprocess(meta_arch=ssd)\n", fileName: "s.alls",
                                      options: ScriptCheckOptions(catalog: Self.catalog, detectionHead: head))
        #expect(wrong.diagnostics.first?.message == "nms_postprocess says meta_arch=ssd but the model's detection head is yolov8")

        let none = ModelScript.check("nms_postprocess(meta_arch=yolov8)\n", fileName: "s.alls", options: ScriptCheckOptions(catalog: Self.catalog))
        #expect(none.diagnostics.map(\.message) == ["nms_postprocess names no config file and the model has no recognized detection head"])
    }
}
