// The Swift post-processing and metrics agree with the Python twin in
// scripts/fixtures/ort_quantize.py, which scores ONNX Runtime's quantized models: the script
// writes the float and quantized head outputs of two eval pages with its own detections, SNRs and
// mAP (.fixtures/reference/postprocess-check.{npz,json}); this test recomputes all of them.
// Also: the float model scored against itself on the fetched ORT reference outputs gives mAP 1.

import Foundation
import Testing
import NpucGraph
import NpucIO
@testable import NpucRuntime

struct CheckFile: Decodable {
    struct Head: Decodable {
        var strides: [Int]
        var reg_max: Int
        var classes: Int
        var end_nodes: [String]
    }
    struct Config: Decodable {
        var nms_scores_th: Double
        var nms_iou_th: Double
        var max_proposals_per_class: Int
        var max_total_output_proposals: Int?
    }
    struct PythonDetection: Decodable {
        var box: [Double]
        var score: Double
        var `class`: Int
        var anchor: Int
    }
    struct Page: Decodable {
        var page: String
        var ground_truth: [PythonDetection]
        var predictions: [PythonDetection]
        var snr_db: [Double]
    }
    struct Metrics: Decodable {
        var map50: Double?
        var map50_95: Double?
        var map_per_iou: [Double]
    }
    var head: Head
    var ground_truth_config: Config
    var predictions_config: Config
    var pages: [Page]
    var metrics: Metrics
}

extension DetectionConfig {
    init(_ c: CheckFile.Config) {
        self.init(scoreThreshold: c.nms_scores_th, iouThreshold: c.nms_iou_th, maxProposalsPerClass: c.max_proposals_per_class,
                  maxTotalProposals: c.max_total_output_proposals)
    }
}

struct PythonAgreementTests {
    /// The YOLOv8n-DocLayNet head as the parser records it (six end nodes, box then class per stride).
    static func docLayNetHead(_ h: CheckFile.Head) -> DetectionHead {
        DetectionHead(metaArchitecture: .yolov8, numberOfClasses: h.classes, regMax: h.reg_max, classNames: [], inputSize: [640, 640],
                      branches: h.strides.enumerated().map { i, s in
                          DetectionHead.Branch(stride: s, boxNode: h.end_nodes[2 * i], classNode: h.end_nodes[2 * i + 1])
                      })
    }

    func compare(_ swift: [Detection], _ python: [CheckFile.PythonDetection], _ label: String) {
        #expect(swift.count == python.count, "\(label): \(swift.count) Swift detections, \(python.count) Python")
        for (i, (s, p)) in zip(swift, python).enumerated() {
            let boxError = zip([s.box.x1, s.box.y1, s.box.x2, s.box.y2], p.box).map { abs($0 - $1) }.max() ?? 0
            let same = s.classIndex == p.class && s.anchorIndex == p.anchor && abs(s.score - p.score) <= 1e-12 && boxError <= 1e-9
            #expect(same, "\(label) #\(i): Swift \(s) vs Python \(p)")
            if !same { return }
        }
    }

    @Test(.enabled(if: Fixtures.hasCheck, "needs .fixtures/reference/postprocess-check.{npz,json}: run python3 scripts/fixtures/ort_quantize.py (after scripts/fetch-fixtures.sh)"))
    func detectionsSNRAndMAPMatchPython() throws {
        let check = try JSONDecoder().decode(CheckFile.self, from: Data(contentsOf: Fixtures.checkJSON))
        let members = Dictionary(uniqueKeysWithValues: try Npz.decode(contentsOf: Fixtures.checkNpz).map { ($0.name, $0.tensor) })
        let head = Self.docLayNetHead(check.head)
        let evaluationProtocol = EvaluationProtocol(groundTruth: DetectionConfig(check.ground_truth_config),
                                                    predictions: DetectionConfig(check.predictions_config))
        #expect(evaluationProtocol == .standard, "the script's protocol differs from EvaluationProtocol.standard")
        var evaluator = try QuantizationEvaluator(head: head, evaluationProtocol: evaluationProtocol)
        for (p, page) in check.pages.enumerated() {
            let reference = try (0..<6).map { k in try #require(members["reference_p\(p)_o\(k)"]) }
            let evaluated = try (0..<6).map { k in try #require(members["evaluated_p\(p)_o\(k)"]) }
            let (truth, predictions) = try evaluator.addImage(reference: reference, evaluated: evaluated)
            #expect(!truth.isEmpty && !predictions.isEmpty)
            compare(truth, page.ground_truth, "\(page.page) ground truth")
            compare(predictions, page.predictions, "\(page.page) predictions")
            for k in 0..<6 {
                let snr = try SignalToNoise.decibels(reference: reference[k], actual: evaluated[k])
                #expect(abs(snr - page.snr_db[k]) < 1e-9, "\(page.page) output \(k): Swift \(snr) dB, Python \(page.snr_db[k]) dB")
            }
        }
        let quality = evaluator.quality()
        let map50 = try #require(quality.map50), map = try #require(quality.map50to95)
        let python50 = try #require(check.metrics.map50), python = try #require(check.metrics.map50_95)
        #expect(abs(map50 - python50) < 1e-9, "mAP@0.5 Swift \(map50), Python \(python50)")
        #expect(abs(map - python) < 1e-9, "mAP@0.5:0.95 Swift \(map), Python \(python)")
        for (s, p) in zip(quality.detection.meanAveragePrecision, check.metrics.map_per_iou) { #expect(abs(s - p) < 1e-9) }
    }

    @Test(.enabled(if: Fixtures.hasORTReference, "needs .fixtures/reference/yolov8n-cut640-ort: run scripts/fetch-fixtures.sh --only reference"))
    func floatModelAgainstItselfScoresOne() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.ortReference.path).filter { $0.hasSuffix(".npz") }.sorted()
        try #require(!files.isEmpty)
        let endNodes = (0..<3).flatMap { i in ["/model.22/cv2.\(i)/cv2.\(i).2/Conv", "/model.22/cv3.\(i)/cv3.\(i).2/Conv"] }
        let head = Self.docLayNetHead(CheckFile.Head(strides: [8, 16, 32], reg_max: 16, classes: 11, end_nodes: endNodes))
        var evaluator = try QuantizationEvaluator(head: head)
        var truthCount = 0
        for file in files.prefix(4) {
            let members = Dictionary(uniqueKeysWithValues: try Npz.decode(contentsOf: Fixtures.ortReference.appendingPathComponent(file))
                .map { ($0.name, $0.tensor) })
            let outputs = try endNodes.map { name in try #require(members[name + "_output_0"], "\(file) lacks \(name)") }
            let (truth, predictions) = try evaluator.addImage(reference: outputs, evaluated: outputs)
            truthCount += truth.count
            // The ground truth is the high-score head of the prediction list, box for box.
            #expect(Array(predictions.prefix(truth.count)) == truth)
            #expect(predictions.dropFirst(truth.count).allSatisfy { $0.score < 0.25 })
        }
        #expect(truthCount > 0)
        let quality = evaluator.quality()
        #expect(quality.map50 == 1)
        #expect(quality.map50to95 == 1)
        #expect(quality.minOutputSNR == .infinity)
    }
}
