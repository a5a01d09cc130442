// YOLOv5 anchor decoding on hand-built outputs: with t = 0 every sigmoid is exactly 0.5, so the
// center is half a cell in (2·0.5 − 0.5 = 0.5) and the size is exactly the anchor ((2·0.5)² = 1).

import Testing
import NpucGraph
@testable import NpucRuntime

struct YOLOv5DecodeTests {
    static let head = DetectionHead(
        metaArchitecture: .yolov5, numberOfClasses: 1, regMax: 0, classNames: [], inputSize: [16, 16],
        branches: [DetectionHead.Branch(stride: 8, boxNode: "p3", classNode: "p3", anchorCount: 2, anchors: [[10, 13], [16, 30]])])

    @Test func centerAndAnchorSizes() throws {
        // 2 anchors × (5 + 1) channels on a 2×2 grid; objectness −40 (score ≈ 4e-18) everywhere but one place.
        var t = TensorBuilder(channels: 12, height: 2, width: 2, fill: 0)
        for a in 0..<2 { for y in 0..<2 { for x in 0..<2 { t.set(a * 6 + 4, y: y, x: x, -40) } } }
        t.set(6 + 4, y: 1, x: 0, 40)   // anchor 1 at cell (x 0, y 1): σ(40) is 1 in Double
        let post = try DetectionPostprocessor(head: Self.head, config: DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.6))
        let found = try post.detections(from: [t.tensor])
        // cx = (0.5 + 0)·8 = 4, cy = (0.5 + 1)·8 = 12, w = 16, h = 30, score = 1·σ(0) = 0.5;
        // anchor index a·H·W + y·W + x = 4 + 2.
        #expect(found == [Detection(box: box(-4, -3, 12, 27), score: 0.5, classIndex: 0, anchorIndex: 6)])
    }

    @Test func offsetsAndScales() throws {
        var t = TensorBuilder(channels: 12, height: 2, width: 2, fill: 0)
        for a in 0..<2 { for y in 0..<2 { for x in 0..<2 { t.set(a * 6 + 4, y: y, x: x, -40) } } }
        // Anchor 0 at (x 1, y 1): σ(tx) = σ(ln 3) = 0.75 → cx = (1.5 − 0.5 + 1)·8 = 16;
        // σ(tw) = 0.75 → w = 1.5²·10 = 22.5; obj σ(40) = 1, class logit ln 3 → score 0.75.
        let ln3 = Float(1.0986122886681098)
        t.set(0, y: 1, x: 1, ln3)
        t.set(2, y: 1, x: 1, ln3)
        t.set(4, y: 1, x: 1, 40)
        t.set(5, y: 1, x: 1, ln3)
        let post = try DetectionPostprocessor(head: Self.head, config: DetectionConfig(scoreThreshold: 0.5, iouThreshold: 0.6))
        let found = try #require(try post.detections(from: [t.tensor]).first)
        let s = logistic(Double(ln3))   // 0.75 up to float rounding of ln 3
        #expect(abs(s - 0.75) < 1e-7)
        #expect(found.anchorIndex == 3)
        #expect(abs(found.score - s) < 1e-15)
        let cx = (2 * s - 0.5 + 1) * 8, w = (2 * s) * (2 * s) * 10
        let cy = (2 * 0.5 - 0.5 + 1) * 8, h = 13.0
        #expect(abs(found.box.x1 - (cx - w / 2)) < 1e-12 && abs(found.box.x2 - (cx + w / 2)) < 1e-12)
        #expect(abs(found.box.x1 - (16 - 11.25)) < 1e-5)
        #expect(found.box.y1 == cy - h / 2 && found.box.y2 == cy + h / 2)
    }
}
