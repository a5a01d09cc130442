// The knobs of host-side detection post-processing, with the meanings of the model zoo's NMS JSON
// (`nms_scores_th`, `nms_iou_th`, `max_proposals_per_class`, `max_total_output_proposals`,
// `image_dims`). NpucScript's `NMSConfig` maps onto it field by field (docs/POSTPROCESS.md).

public struct DetectionConfig: Hashable, Sendable, Codable {
    /// `nms_scores_th`: a (box, class) candidate is kept when its score is ≥ this.
    public var scoreThreshold: Double
    /// `nms_iou_th`: within a class, a box is suppressed when its IoU with a higher-ranked kept box
    /// is > this.
    public var iouThreshold: Double
    /// `max_proposals_per_class`: at most this many boxes survive NMS per class.
    public var maxProposalsPerClass: Int
    /// `max_total_output_proposals`: at most this many boxes in total (highest scores first); nil: no cap.
    public var maxTotalProposals: Int?
    /// `image_dims`: the network input [height, width] the strides refer to; nil: the head's input size.
    public var imageDims: [Int]?

    public init(scoreThreshold: Double, iouThreshold: Double, maxProposalsPerClass: Int = 100,
                maxTotalProposals: Int? = nil, imageDims: [Int]? = nil) {
        self.scoreThreshold = scoreThreshold
        self.iouThreshold = iouThreshold
        self.maxProposalsPerClass = maxProposalsPerClass
        self.maxTotalProposals = maxTotalProposals
        self.imageDims = imageDims
    }

    enum CodingKeys: String, CodingKey {
        case scoreThreshold = "nms_scores_th", iouThreshold = "nms_iou_th"
        case maxProposalsPerClass = "max_proposals_per_class", maxTotalProposals = "max_total_output_proposals"
        case imageDims = "image_dims"
    }

    /// Every value that cannot be used, one sentence each (empty when the config is valid).
    public var problems: [String] {
        var problems: [String] = []
        if !(0...1).contains(scoreThreshold) {
            problems.append("nms_scores_th is \(scoreThreshold); it must be between 0 and 1")
        }
        if !(0...1).contains(iouThreshold) {
            problems.append("nms_iou_th is \(iouThreshold); it must be between 0 and 1")
        }
        if maxProposalsPerClass < 1 {
            problems.append("max_proposals_per_class is \(maxProposalsPerClass); it must be at least 1")
        }
        if let total = maxTotalProposals, total < 1 {
            problems.append("max_total_output_proposals is \(total); it must be at least 1 (or absent for no cap)")
        }
        if let dims = imageDims, dims.count != 2 || dims.contains(where: { $0 < 1 }) {
            problems.append("image_dims is \(dims); give the network input as [height, width], both at least 1")
        }
        return problems
    }
}
