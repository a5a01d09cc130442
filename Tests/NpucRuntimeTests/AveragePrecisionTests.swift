// mAP on tiny examples computed by hand (COCO rules: greedy matching by score, best-IoU ground
// truth, non-increasing precision envelope, 101 recall points r = k·0.01).

import Testing
@testable import NpucRuntime

struct AveragePrecisionTests {
    @Test func falsePositiveBetweenTwoHits() {
        // GT g1, g2; predictions: 0.9 on g1 (TP), 0.8 nowhere (FP), 0.7 on g2 (TP).
        // recall 0.5, 0.5, 1; precision 1, 0.5, 2/3 → envelope 1, 2/3, 2/3.
        // r = 0 … 0.50 (51 points) → 1; r = 0.51 … 1 (50 points) → 2/3. AP = (51 + 100/3) / 101.
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 10, 10), 0.9), detection(box(50, 50, 60, 60), 0.8),
                                 detection(box(20, 0, 30, 10), 0.7)],
                   groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0), GroundTruthBox(box: box(20, 0, 30, 10), classIndex: 0)])
        let m = e.metrics()
        let expected = (51.0 + 100.0 / 3.0) / 101.0   // 0.83498349…
        #expect(abs(m.map50! - expected) < 1e-12)
        #expect(abs(m.map50to95! - expected) < 1e-12)  // IoUs are 1 or 0: the same at every threshold
        #expect(m.classes.map(\.predictionCount) == [3])
        #expect(m.groundTruthCount == 2 && m.predictionCount == 3 && m.imageCount == 1)
    }

    @Test func iouDecidesAtWhichThresholdsAHitCounts() {
        // IoU 72/100 = 0.72: a hit at 0.50 … 0.70 (5 thresholds), a miss at 0.75 … 0.95.
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 10, 7.2), 0.5)], groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0)])
        let m = e.metrics()
        #expect(m.meanAveragePrecision.map { abs($0 - 1) < 1e-12 } == [true, true, true, true, true, false, false, false, false, false])
        #expect(m.meanAveragePrecision.suffix(5) == [0, 0, 0, 0, 0])
        #expect(m.map50 == 1)
        #expect(abs(m.map50to95! - 0.5) < 1e-12)
    }

    @Test func classesWithoutGroundTruthAreLeftOutAndMissedClassesCountZero() {
        // Class 0: one hit (AP 1). Class 1: ground truth, no prediction (AP 0). Class 2: predictions only.
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 10, 10), 0.9, class: 0), detection(box(0, 0, 10, 10), 0.9, class: 2)],
                   groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0), GroundTruthBox(box: box(30, 30, 40, 40), classIndex: 1)])
        let m = e.metrics()
        #expect(m.classes.map(\.classIndex) == [0, 1])
        #expect(m.map50 == 0.5)
        #expect(m.map50to95 == 0.5)
    }

    @Test func rankingIsAcrossImages() {
        // Image 0: 0.6 on its one GT (TP). Image 1: 0.9 with no GT of the class (FP).
        // Ranked: FP, TP → recall 0, 1; precision 0, 0.5 → envelope 0.5, 0.5 → AP 0.5.
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 10, 10), 0.6)], groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0)])
        e.addImage(predictions: [detection(box(0, 0, 10, 10), 0.9)], groundTruth: [])
        #expect(e.metrics().map50 == 0.5)
    }

    @Test func duplicateOfAMatchedBoxIsAFalsePositive() {
        // Two predictions on one GT: the first (higher score) matches; the second is a FP after full recall.
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 10, 10), 0.8), detection(box(0, 0, 10, 10), 0.9)],
                   groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0)])
        #expect(e.metrics().map50 == 1)
    }

    @Test func predictionTakesTheGroundTruthWithTheHighestIoU() {
        // g1 = (0,0,10,10), g2 = (2,0,12,10). p1 (0.9) = (1.5,0,11.5,10): IoU 85/115 = 0.739 with g1,
        // 95/105 = 0.905 with g2 → takes g2. p2 (0.8) = g1 exactly → takes g1. Both hit at 0.50 … 0.90.
        // At 0.95 p1 misses: flags F, T → recall 0, 0.5, precision 0, 0.5 → envelope 0.5, 0.5;
        // r = 0 … 0.5 (51 points) → 0.5, above → 0: AP = 25.5 / 101.
        // (Taking the first acceptable GT instead would leave p2 with g2 at IoU 80/120 = 0.667 and miss at ≥ 0.70.)
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(1.5, 0, 11.5, 10), 0.9), detection(box(0, 0, 10, 10), 0.8)],
                   groundTruth: [GroundTruthBox(box: box(0, 0, 10, 10), classIndex: 0), GroundTruthBox(box: box(2, 0, 12, 10), classIndex: 0)])
        let m = e.metrics()
        #expect(m.meanAveragePrecision.prefix(9).allSatisfy { abs($0 - 1) < 1e-12 })
        #expect(abs(m.meanAveragePrecision[9] - 25.5 / 101) < 1e-12)
        #expect(abs(m.map50to95! - (9 + 25.5 / 101) / 10) < 1e-12)   // 0.92524752…
    }

    @Test func noGroundTruthGivesNoMAP() {
        var e = DetectionEvaluator()
        e.addImage(predictions: [detection(box(0, 0, 1, 1), 0.5)], groundTruth: [])
        #expect(e.metrics().map50 == nil)
        #expect(e.metrics().map50to95 == nil)
    }

    @Test func recallPointsAreThoseOfNumpyLinspace() {
        #expect(DetectionEvaluator.recallPoints.count == 101)
        #expect(DetectionEvaluator.recallPoints[50] == 0.5)
        #expect(DetectionEvaluator.recallPoints[100] == 1)
        #expect(DetectionEvaluator.recallPoints[3] == 3 * 0.01)
        #expect(DetectionEvaluator.cocoIoUThresholds.count == 10)
        #expect(DetectionEvaluator.cocoIoUThresholds.first == 0.5)
    }
}
