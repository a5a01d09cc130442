// YOLOv8 DFL decoding on hand-built outputs whose boxes and scores are known exactly: a bin with a
// logit 1000 above the rest has softmax weight exactly 1 in Double (e^-1000 underflows to 0).

import Testing
import NpucGraph
@testable import NpucRuntime

struct YOLOv8DecodeTests {
    /// Box tensor for regMax bins where every side of every cell is peaked at bin 0, except where set.
    static func peakedBoxes(regMax: Int, height: Int, width: Int) -> TensorBuilder {
        var b = TensorBuilder(channels: 4 * regMax, height: height, width: width, fill: -1000)
        for side in 0..<4 { for y in 0..<height { for x in 0..<width { b.set(side * regMax, y: y, x: x, 0) } } }
        return b
    }

    /// Puts side `side`'s whole weight on `bin` at (x, y).
    static func peak(_ b: inout TensorBuilder, regMax: Int, side: Int, bin: Int, y: Int, x: Int) {
        for k in 0..<regMax { b.set(side * regMax + k, y: y, x: x, k == bin ? 0 : -1000) }
    }

    @Test func peakedDistributionGivesExactBox() throws {
        let head = yolov8Head(classes: 2, regMax: 4, strides: [8], input: 16)
        var boxes = Self.peakedBoxes(regMax: 4, height: 2, width: 2)
        // Cell (x 1, y 0): left 2, top 1, right 3, bottom 0 bins; anchor (1.5, 0.5).
        for (side, bin) in [(0, 2), (1, 1), (2, 3), (3, 0)] { Self.peak(&boxes, regMax: 4, side: side, bin: bin, y: 0, x: 1) }
        var classes = TensorBuilder(channels: 2, height: 2, width: 2, fill: -10)
        classes.set(1, y: 0, x: 1, 2)
        let post = try DetectionPostprocessor(head: head, config: DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.7))
        let found = try post.detections(from: [boxes.tensor, classes.tensor])
        // x1 = (1.5 − 2)·8, y1 = (0.5 − 1)·8, x2 = (1.5 + 3)·8, y2 = (0.5 + 0)·8.
        #expect(found == [Detection(box: box(-4, -4, 36, 4), score: logistic(2), classIndex: 1, anchorIndex: 1)])
        #expect(abs(found[0].score - 0.8807970779778823) < 1e-15)
    }

    @Test func twoEqualBinsGiveTheirMean() throws {
        let head = yolov8Head(classes: 1, regMax: 4, strides: [16], input: 16)
        var boxes = Self.peakedBoxes(regMax: 4, height: 1, width: 1)
        // Left: bins 1 and 2 equally likely → 1.5; the other sides at bin 0.
        for k in 0..<4 { boxes.set(k, y: 0, x: 0, k == 1 || k == 2 ? 5 : -1000) }
        var classes = TensorBuilder(channels: 1, height: 1, width: 1, fill: 0)
        classes.set(0, y: 0, x: 0, 0)
        let post = try DetectionPostprocessor(head: head, config: DetectionConfig(scoreThreshold: 0.5, iouThreshold: 0.7))
        let found = try post.candidates(from: [boxes.tensor, classes.tensor])
        // Anchor (0.5, 0.5)·16 = (8, 8); left 1.5·16 = 24; score σ(0) = 0.5 is kept at threshold 0.5.
        #expect(found == [Detection(box: box(8 - 24, 8, 8, 8), score: 0.5, classIndex: 0, anchorIndex: 0)])
    }

    @Test func branchesNumberAnchorsInHeadOrder() throws {
        let head = yolov8Head(classes: 3, regMax: 2, strides: [8, 16], input: 16)
        let boxes0 = Self.peakedBoxes(regMax: 2, height: 2, width: 2)
        var classes0 = TensorBuilder(channels: 3, height: 2, width: 2, fill: -20)
        classes0.set(0, y: 1, x: 1, 3)   // anchor 3
        let boxes1 = Self.peakedBoxes(regMax: 2, height: 1, width: 1)
        var classes1 = TensorBuilder(channels: 3, height: 1, width: 1, fill: -20)
        classes1.set(2, y: 0, x: 0, 1)   // anchor 4 + 0
        classes1.set(1, y: 0, x: 0, 4)   // same anchor, second class
        let post = try DetectionPostprocessor(head: head, config: DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.7))
        let candidates = try post.candidates(from: [boxes0.tensor, classes0.tensor, boxes1.tensor, classes1.tensor])
        // Anchor order, then class order; all distances 0 → zero-size boxes at the anchor points.
        #expect(candidates.map(\.anchorIndex) == [3, 4, 4])
        #expect(candidates.map(\.classIndex) == [0, 1, 2])
        #expect(candidates.map(\.box) == [box(12, 12, 12, 12), box(8, 8, 8, 8), box(8, 8, 8, 8)])
        let detections = try post.detections(from: [boxes0.tensor, classes0.tensor, boxes1.tensor, classes1.tensor])
        // Degenerate boxes have IoU 0 so nothing is suppressed; order is by score: σ(4) > σ(3) > σ(1).
        #expect(detections.map(\.classIndex) == [1, 0, 2])
    }

    @Test func scoreThresholdIsInclusiveAndFiltersBelow() throws {
        let head = yolov8Head(classes: 2, regMax: 1, strides: [16], input: 32)
        let boxes = TensorBuilder(channels: 4, height: 2, width: 2, fill: 0)   // reg_max 1: every distance is 0
        var classes = TensorBuilder(channels: 2, height: 2, width: 2, fill: -30)
        classes.set(0, y: 0, x: 0, 0)        // exactly 0.5
        classes.set(1, y: 1, x: 0, -0.001)   // just below 0.5
        let post = try DetectionPostprocessor(head: head, config: DetectionConfig(scoreThreshold: 0.5, iouThreshold: 0.7))
        let found = try post.candidates(from: [boxes.tensor, classes.tensor])
        #expect(found.map(\.anchorIndex) == [0])
        #expect(found.map(\.score) == [0.5])
    }
}
