// npuc's protocol for scoring a quantized detector against its float model (docs/POSTPROCESS.md):
// the float model's post-processed detections at score ≥ 0.25 are the ground truth; the quantized
// model's detections at score ≥ 0.001 are the predictions; both through per-class NMS at IoU 0.7,
// at most 100 boxes per class and 300 in total; COCO IoU thresholds 0.50:0.95.
// scripts/fixtures/ort_quantize.py implements the same protocol in Python for the ONNX Runtime peer.

public struct EvaluationProtocol: Hashable, Sendable, Codable {
    /// Post-processing of the reference (float) model's outputs into ground truth.
    public var groundTruth: DetectionConfig
    /// Post-processing of the evaluated model's outputs into scored predictions.
    public var predictions: DetectionConfig
    public var iouThresholds: [Double]

    public init(groundTruth: DetectionConfig, predictions: DetectionConfig,
                iouThresholds: [Double] = DetectionEvaluator.cocoIoUThresholds) {
        self.groundTruth = groundTruth
        self.predictions = predictions
        self.iouThresholds = iouThresholds
    }

    /// The protocol of the quantization benchmarks (issue #5), with the values named above.
    public static let standard = EvaluationProtocol(
        groundTruth: DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.7, maxProposalsPerClass: 100, maxTotalProposals: 300),
        predictions: DetectionConfig(scoreThreshold: 0.001, iouThreshold: 0.7, maxProposalsPerClass: 100, maxTotalProposals: 300))
}
