// Scores a model's raw head outputs against a reference model's, image by image, the way the
// quantization benchmarks report it: SNR of every output (mean over images, and the minimum of
// those means over outputs) and mAP@0.5 / mAP@0.5:0.95 of the decoded detections, with the
// reference's detections as ground truth (EvaluationProtocol).

import NpucGraph

public struct QuantizationQuality: Hashable, Sendable, Codable {
    public struct OutputSNR: Hashable, Sendable, Codable {
        /// The end node whose output this is.
        public var name: String
        /// Mean over images of the per-image SNR in dB.
        public var meanDecibels: Double
        /// Lowest per-image SNR in dB.
        public var worstDecibels: Double
    }

    public var outputs: [OutputSNR]
    public var detection: DetectionMetrics
    public var imageCount: Int

    /// The weakest output's mean SNR (dB); nil before the first image.
    public var minOutputSNR: Double? { outputs.map(\.meanDecibels).min() }
    public var map50: Double? { detection.map50 }
    public var map50to95: Double? { detection.map50to95 }
}

public struct QuantizationEvaluator: Sendable {
    public let evaluationProtocol: EvaluationProtocol
    private let reference: DetectionPostprocessor
    private let evaluated: DetectionPostprocessor
    private var evaluator: DetectionEvaluator
    private var snrSums: [Double]
    private var snrWorst: [Double]
    private var imageCount = 0

    public init(head: DetectionHead, evaluationProtocol: EvaluationProtocol = .standard) throws(PostprocessError) {
        self.evaluationProtocol = evaluationProtocol
        reference = try DetectionPostprocessor(head: head, config: evaluationProtocol.groundTruth)
        evaluated = try DetectionPostprocessor(head: head, config: evaluationProtocol.predictions)
        guard !evaluationProtocol.iouThresholds.isEmpty else {
            throw PostprocessError(.invalidConfig(["the evaluation needs at least one IoU threshold"]))
        }
        evaluator = DetectionEvaluator(iouThresholds: evaluationProtocol.iouThresholds)
        snrSums = [Double](repeating: 0, count: head.endNodes.count)
        snrWorst = [Double](repeating: .infinity, count: head.endNodes.count)
    }

    /// Adds one image: the reference model's outputs and the evaluated model's, both in the head's
    /// end-node order. Returns the two detection lists (ground truth, predictions).
    @discardableResult
    public mutating func addImage(reference referenceOutputs: [Tensor],
                                  evaluated evaluatedOutputs: [Tensor]) throws(PostprocessError) -> (groundTruth: [Detection], predictions: [Detection]) {
        let truth = try reference.detections(from: referenceOutputs)
        let predicted = try evaluated.detections(from: evaluatedOutputs)
        var snr: [Double] = []
        for (i, name) in reference.outputNames.enumerated() {
            snr.append(try SignalToNoise.decibels(reference: referenceOutputs[i], actual: evaluatedOutputs[i], name: name))
        }
        for (i, value) in snr.enumerated() {
            snrSums[i] += value
            snrWorst[i] = min(snrWorst[i], value)
        }
        evaluator.addImage(predictions: predicted, groundTruth: truth.map(GroundTruthBox.init))
        imageCount += 1
        return (truth, predicted)
    }

    public func quality() -> QuantizationQuality {
        let outputs = imageCount == 0 ? [] : reference.outputNames.enumerated().map { i, name in
            QuantizationQuality.OutputSNR(name: name, meanDecibels: snrSums[i] / Double(imageCount), worstDecibels: snrWorst[i])
        }
        return QuantizationQuality(outputs: outputs, detection: evaluator.metrics(), imageCount: imageCount)
    }
}
