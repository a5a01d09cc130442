// COCO-style detection accuracy: AP per class with 101-point interpolation, at IoU thresholds
// 0.50, 0.55, …, 0.95; mAP = mean AP over the classes that have ground truth.
//
// Per image and class, predictions are matched in score order (ties: the order given, which for
// post-processed lists is anchor order); each takes the unmatched ground-truth box of the same
// class with the highest IoU ≥ the threshold (ties: the lower ground-truth index) and is a true
// positive, else a false positive. Over all images, a class's predictions are ranked by score
// (ties: image order, then order within the image); precision is made non-increasing from the
// right; AP = mean over recall points r = 0, 0.01, …, 1 (k·0.01, as numpy.linspace makes them) of
// the precision at the first rank whose recall is ≥ r (0 when recall never reaches r).
// Differences from pycocotools: no area ranges, no crowd boxes, no per-image detection cap (the
// post-processing caps), and IoU ties go to the lower ground-truth index.

public struct GroundTruthBox: Hashable, Sendable, Codable {
    public var box: BoundingBox
    public var classIndex: Int

    public init(box: BoundingBox, classIndex: Int) {
        self.box = box
        self.classIndex = classIndex
    }

    /// A reference model's detection used as ground truth.
    public init(_ detection: Detection) {
        self.init(box: detection.box, classIndex: detection.classIndex)
    }
}

/// AP of one class at each IoU threshold.
public struct ClassAveragePrecision: Hashable, Sendable, Codable {
    public var classIndex: Int
    public var groundTruthCount: Int
    public var predictionCount: Int
    /// One AP per IoU threshold (in `DetectionMetrics.iouThresholds` order).
    public var averagePrecision: [Double]
}

public struct DetectionMetrics: Hashable, Sendable, Codable {
    public var iouThresholds: [Double]
    /// Classes with at least one ground-truth box, by class index.
    public var classes: [ClassAveragePrecision]
    /// mAP at each IoU threshold; empty when there is no ground truth at all.
    public var meanAveragePrecision: [Double]
    public var imageCount: Int
    public var groundTruthCount: Int
    public var predictionCount: Int

    /// mAP at IoU 0.5 (the first threshold); nil without ground truth.
    public var map50: Double? { meanAveragePrecision.first }
    /// mAP averaged over all IoU thresholds (0.5:0.95 for the COCO thresholds); nil without ground truth.
    public var map50to95: Double? {
        meanAveragePrecision.isEmpty ? nil : meanAveragePrecision.reduce(0, +) / Double(meanAveragePrecision.count)
    }
}

public struct DetectionEvaluator: Sendable {
    /// 0.50, 0.55, …, 0.95 computed as 0.5 + 0.05·i.
    public static let cocoIoUThresholds: [Double] = (0..<10).map { 0.5 + 0.05 * Double($0) }
    /// 0, 0.01, …, 1 computed as k·0.01 (the last exactly 1), the values numpy.linspace(0, 1, 101) holds.
    public static let recallPoints: [Double] = (0...100).map { $0 == 100 ? 1 : Double($0) * 0.01 }

    public let iouThresholds: [Double]

    /// Per class: every prediction with its score, rank key and true-positive flag per threshold.
    private var predictions: [Int: [(score: Double, image: Int, rank: Int, truePositive: [Bool])]] = [:]
    private var groundTruthCounts: [Int: Int] = [:]
    private var imageCount = 0

    public init(iouThresholds: [Double] = DetectionEvaluator.cocoIoUThresholds) {
        precondition(!iouThresholds.isEmpty, "an evaluator needs at least one IoU threshold")
        self.iouThresholds = iouThresholds
    }

    /// Adds one image: its predictions and its ground truth.
    public mutating func addImage(predictions imagePredictions: [Detection], groundTruth: [GroundTruthBox]) {
        let image = imageCount
        imageCount += 1
        var truthByClass: [Int: [BoundingBox]] = [:]
        for truth in groundTruth { truthByClass[truth.classIndex, default: []].append(truth.box) }
        for (c, boxes) in truthByClass { groundTruthCounts[c, default: 0] += boxes.count }

        var predictionsByClass: [Int: [(offset: Int, detection: Detection)]] = [:]
        for (i, p) in imagePredictions.enumerated() { predictionsByClass[p.classIndex, default: []].append((i, p)) }
        for (c, list) in predictionsByClass {
            let ordered = list.sorted { a, b in
                a.detection.score != b.detection.score ? a.detection.score > b.detection.score : a.offset < b.offset
            }
            let truths = truthByClass[c] ?? []
            var flags = [[Bool]](repeating: [], count: ordered.count)
            for threshold in iouThresholds {
                var matched = [Bool](repeating: false, count: truths.count)
                for (k, p) in ordered.enumerated() {
                    var best = -1
                    var bestIoU = threshold
                    for (g, truth) in truths.enumerated() where !matched[g] {
                        let iou = p.detection.box.intersectionOverUnion(truth)
                        if iou >= bestIoU && (best < 0 || iou > bestIoU) {
                            best = g
                            bestIoU = iou
                        }
                    }
                    if best >= 0 { matched[best] = true }
                    flags[k].append(best >= 0)
                }
            }
            for (k, p) in ordered.enumerated() {
                predictions[c, default: []].append((p.detection.score, image, k, flags[k]))
            }
        }
    }

    public func metrics() -> DetectionMetrics {
        var classes: [ClassAveragePrecision] = []
        for (c, truthCount) in groundTruthCounts.sorted(by: { $0.key < $1.key }) where truthCount > 0 {
            let ranked = (predictions[c] ?? []).sorted { a, b in
                if a.score != b.score { return a.score > b.score }
                if a.image != b.image { return a.image < b.image }
                return a.rank < b.rank
            }
            let ap = iouThresholds.indices.map { t in
                Self.averagePrecision(truePositives: ranked.map { $0.truePositive[t] }, groundTruthCount: truthCount)
            }
            classes.append(ClassAveragePrecision(classIndex: c, groundTruthCount: truthCount, predictionCount: ranked.count,
                                                 averagePrecision: ap))
        }
        let mean: [Double] = classes.isEmpty ? [] : iouThresholds.indices.map { t in
            classes.reduce(0) { $0 + $1.averagePrecision[t] } / Double(classes.count)
        }
        return DetectionMetrics(iouThresholds: iouThresholds, classes: classes, meanAveragePrecision: mean,
                                imageCount: imageCount, groundTruthCount: groundTruthCounts.values.reduce(0, +),
                                predictionCount: predictions.values.reduce(0) { $0 + $1.count })
    }

    /// 101-point interpolated AP of a ranked list of hits against `groundTruthCount` boxes.
    public static func averagePrecision(truePositives: [Bool], groundTruthCount: Int) -> Double {
        guard groundTruthCount > 0 else { return 0 }
        var recall: [Double] = []
        var precision: [Double] = []
        recall.reserveCapacity(truePositives.count)
        precision.reserveCapacity(truePositives.count)
        var tp = 0, fp = 0
        for hit in truePositives {
            if hit { tp += 1 } else { fp += 1 }
            recall.append(Double(tp) / Double(groundTruthCount))
            precision.append(Double(tp) / Double(tp + fp))
        }
        if precision.count > 1 {
            for i in stride(from: precision.count - 1, to: 0, by: -1) where precision[i - 1] < precision[i] {
                precision[i - 1] = precision[i]
            }
        }
        var sum = 0.0
        var i = 0
        for r in recallPoints {
            while i < recall.count && recall[i] < r { i += 1 }
            sum += i < recall.count ? precision[i] : 0
        }
        return sum / Double(recallPoints.count)
    }
}
