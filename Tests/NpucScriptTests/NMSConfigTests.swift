// The model zoo's NMS config format: parsing each meta architecture's layout (configs written
// for these tests), messages naming the bad key, checks per meta architecture, overrides from
// nms_postprocess, path resolution, and the config derived from a recognized detection head.

import Foundation
import Testing
import NpucGraph
@testable import NpucScript

@Suite struct NMSConfigTests {
    static let yolov8JSON = """
    {
        "nms_scores_th": 0.25, "nms_iou_th": 0.45, "image_dims": [480, 640],
        "max_proposals_per_class": 50, "classes": 3, "regression_length": 16, "background_removal": false,
        "bbox_decoders": [
            {"name": "net/bbox_decoder1", "stride": 8, "reg_layer": "net/conv10", "cls_layer": "net/conv11"},
            {"name": "net/bbox_decoder2", "stride": 16, "reg_layer": "conv20", "cls_layer": "conv21"}
        ]
    }
    """

    @Test func yolov8Config() throws {
        let (config, warnings) = try NMSConfig.parse(Data(Self.yolov8JSON.utf8), fileName: "v8.json")
        #expect(warnings.isEmpty)
        #expect(config.scoresThreshold == 0.25 && config.iouThreshold == 0.45)
        #expect(config.imageDims == [480, 640])
        #expect(config.maxProposalsPerClass == 50 && config.classes == 3 && config.regressionLength == 16)
        #expect(config.backgroundRemoval == false)
        #expect(config.bboxDecoders == [
            .init(name: "net/bbox_decoder1", stride: 8, regLayer: "net/conv10", clsLayer: "net/conv11"),
            .init(name: "net/bbox_decoder2", stride: 16, regLayer: "conv20", clsLayer: "conv21"),
        ])
        #expect(config.problems(for: .yolov8).isEmpty)
        #expect(config.problems(for: .yolox) == [
            "bbox_decoders[0]: 'objectness_layer' is missing or empty; yolox needs it",
            "bbox_decoders[1]: 'objectness_layer' is missing or empty; yolox needs it",
        ])
    }

    @Test func anchorBasedAndObjectnessConfigs() throws {
        let yolov5 = """
        {"nms_scores_th": 0.001, "nms_iou_th": 0.6, "image_dims": [320, 320], "max_proposals_per_class": 80,
         "classes": 2, "input_division_factor": 4,
         "bbox_decoders": [{"name": "d0", "w": [10, 16], "h": [13, 30], "stride": 8, "encoded_layer": "conv5"}]}
        """
        let v5 = try NMSConfig.parse(Data(yolov5.utf8), fileName: "v5.json").config
        #expect(v5.bboxDecoders[0].anchorWidths == [10, 16] && v5.bboxDecoders[0].anchorHeights == [13, 30])
        #expect(v5.inputDivisionFactor == 4)
        #expect(v5.problems(for: .yolov5).isEmpty)
        #expect(v5.problems(for: .yolov8) == [
            "regression_length is missing; yolov8 boxes are DFL distributions (16 bins for Ultralytics models)",
            "bbox_decoders[0]: 'reg_layer' is missing or empty; yolov8 needs it",
            "bbox_decoders[0]: 'cls_layer' is missing or empty; yolov8 needs it",
        ])
        let ssd = """
        {"nms_scores_th": 0.3, "nms_iou_th": 0.6, "max_proposals_per_class": 20, "centers_scale_factor": 10,
         "bbox_dimensions_scale_factor": 5, "image_dims": [300, 300], "classes": 91, "background_removal": true,
         "background_removal_index": 0,
         "bbox_decoders": [{"name": "b13", "h": [0.1, 0.14], "w": [0.1, 0.28], "reg_layer": "conv13", "cls_layer": "conv14"}]}
        """
        let s = try NMSConfig.parse(Data(ssd.utf8), fileName: "ssd.json").config
        #expect(s.backgroundRemoval && s.backgroundRemovalIndex == 0 && s.centersScaleFactor == 10 && s.bboxDimensionsScaleFactor == 5)
        #expect(s.problems(for: .ssd).isEmpty)
    }

    @Test func everyProblemIsNamedByKey() {
        let bad = """
        {"nms_scores_th": "0.2", "nms_iou_th": 1.5, "image_dims": [640], "classes": 0, "background_removal": 1,
         "extra": 1, "bbox_decoders": [{"stride": "8", "w": [1, 2], "h": [1], "reg_layer": 5}, 3]}
        """
        #expect(throws: NMSConfigError(fileName: "bad.json", problems: [
            "nms_scores_th: expected a number, found a string",
            "nms_iou_th: 1.5 is out of range; it must be between 0.0 and 1.0",
            "image_dims: expected 2 whole numbers of at least 1",
            "max_proposals_per_class is missing",
            "classes: 0 must be at least 1",
            "background_removal: expected true or false, found 1.0",
            "bbox_decoders[0].stride: expected a whole number, found a string",
            "bbox_decoders[0].reg_layer: expected a string, found 5.0",
            "bbox_decoders[0]: 'w' has 2 anchors but 'h' has 1",
            "bbox_decoders[1] must be a JSON object",
        ])) {
            try NMSConfig.parse(Data(bad.utf8), fileName: "bad.json")
        }
        #expect(throws: NMSConfigError(fileName: "x.json", problems: ["not valid JSON; check brackets, commas and quotes"])) {
            try NMSConfig.parse(Data("{\"a\": [1,}".utf8), fileName: "x.json")
        }
    }

    @Test func unknownKeysAreWarnings() throws {
        let text = Self.yolov8JSON.replacingOccurrences(of: "\"classes\": 3,", with: "\"classes\": 3, \"new_key\": true,")
            .replacingOccurrences(of: "\"stride\": 8,", with: "\"stride\": 8, \"odd\": 1,")
        let (_, warnings) = try NMSConfig.parse(Data(text.utf8), fileName: "v8.json")
        #expect(warnings == ["unknown key 'new_key' is ignored", "bbox_decoders[0]: unknown key 'odd' is ignored"])
    }

    @Test func overridesAndPathResolution() throws {
        let config = try NMSConfig.parse(Data(Self.yolov8JSON.utf8), fileName: "v8.json").config
        let overridden = config.applying(NMSPostprocess(scoresThreshold: 0.5, classes: 80, imageDims: [640, 640], maxProposalsPerClass: 7))
        #expect(overridden.scoresThreshold == 0.5 && overridden.iouThreshold == 0.45)
        #expect(overridden.classes == 80 && overridden.imageDims == [640, 640] && overridden.maxProposalsPerClass == 7)

        #expect(try NMSConfig.resolvePath("../cfg/a.json", relativeTo: "/x/alls", environment: [:]) == "/x/cfg/a.json")
        #expect(try NMSConfig.resolvePath("$D/b.json", relativeTo: "/x", environment: ["D": "/data"]) == "/data/b.json")
        #expect(try NMSConfig.resolvePath("${D}/c_$E.json", relativeTo: "/x", environment: ["D": "/d", "E": "e"]) == "/d/c_e.json")
        #expect(throws: NMSConfigError(fileName: "$HMZ_DATA/a.json",
                                       problems: ["environment variable HMZ_DATA is not set; set it to the folder the path refers to"])) {
            try NMSConfig.resolvePath("$HMZ_DATA/a.json", relativeTo: nil, environment: [:])
        }
    }

    @Test func configFromARecognizedHead() {
        let head = DetectionHead(metaArchitecture: .yolov8, numberOfClasses: 80, regMax: 16, classNames: [], inputSize: [640, 640],
                                 branches: [.init(stride: 8, boxNode: "/m/cv2.0/Conv", classNode: "/m/cv3.0/Conv"),
                                            .init(stride: 16, boxNode: "/m/cv2.1/Conv", classNode: "/m/cv3.1/Conv")])
        let config = NMSConfig(head: head)
        #expect(config.scoresThreshold == 0.2 && config.iouThreshold == 0.7)
        #expect(config.imageDims == [640, 640] && config.classes == 80 && config.regressionLength == 16)
        #expect(config.bboxDecoders.map(\.regLayer) == ["/m/cv2.0/Conv", "/m/cv2.1/Conv"])
        #expect(config.bboxDecoders.map(\.clsLayer) == ["/m/cv3.0/Conv", "/m/cv3.1/Conv"])
        #expect(config.bboxDecoders.map(\.stride) == [8, 16])
        #expect(config.problems(for: .yolov8).isEmpty)

        let ssdHead = DetectionHead(metaArchitecture: .ssd, numberOfClasses: 91, regMax: 0, classNames: [], inputSize: [300, 200],
                                    branches: [.init(stride: 16, boxNode: "box", classNode: "cls", anchors: [[30, 60], [20, 15]])])
        let ssd = NMSConfig(head: ssdHead)
        #expect(ssd.bboxDecoders[0].anchorWidths == [0.15, 0.1])
        #expect(ssd.bboxDecoders[0].anchorHeights == [0.2, 0.05])
        #expect(ssd.backgroundRemoval && ssd.centersScaleFactor == 10 && ssd.bboxDimensionsScaleFactor == 5)
        #expect(ssd.problems(for: .ssd).isEmpty)
    }
}
