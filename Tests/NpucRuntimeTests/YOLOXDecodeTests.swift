// YOLOX decoding on hand-built raw convolution outputs: sigmoids on objectness and classes are
// applied by the decoder; centers use the grid without a half-cell offset; sizes are e^t·stride.

import Testing
import NpucGraph
@testable import NpucRuntime

struct YOLOXDecodeTests {
    static let head = DetectionHead(
        metaArchitecture: .yolox, numberOfClasses: 2, regMax: 0, classNames: [], inputSize: [32, 32],
        branches: [DetectionHead.Branch(stride: 16, boxNode: "reg", classNode: "cls", objectnessNode: "obj")])

    @Test func decodesCenterSizeAndScore() throws {
        var reg = TensorBuilder(channels: 4, height: 2, width: 2, fill: 0)
        reg.set(0, y: 1, x: 1, 0.25)
        reg.set(1, y: 1, x: 1, -0.5)
        var cls = TensorBuilder(channels: 2, height: 2, width: 2, fill: -40)
        cls.set(1, y: 1, x: 1, 0)          // σ = 0.5
        var obj = TensorBuilder(channels: 1, height: 2, width: 2, fill: -40)
        obj.set(0, y: 1, x: 1, 40)         // σ = 1
        let post = try DetectionPostprocessor(head: Self.head, config: DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.65))
        let found = try post.detections(from: [reg.tensor, cls.tensor, obj.tensor])
        // cx = (0.25 + 1)·16 = 20, cy = (−0.5 + 1)·16 = 8, w = h = e^0·16 = 16; anchor y·W + x = 3.
        #expect(found == [Detection(box: box(12, 0, 28, 16), score: 0.5, classIndex: 1, anchorIndex: 3)])
    }

    @Test func objectnessMultipliesClassScore() throws {
        let reg = TensorBuilder(channels: 4, height: 2, width: 2, fill: 0)
        var cls = TensorBuilder(channels: 2, height: 2, width: 2, fill: 40)   // σ = 1 for both classes
        cls.set(0, y: 0, x: 0, 40)
        var obj = TensorBuilder(channels: 1, height: 2, width: 2, fill: -40)
        obj.set(0, y: 0, x: 0, 0)          // σ = 0.5 → both classes score 0.5
        let post = try DetectionPostprocessor(head: Self.head, config: DetectionConfig(scoreThreshold: 0.4, iouThreshold: 0.65))
        let found = try post.detections(from: [reg.tensor, cls.tensor, obj.tensor])
        #expect(found.map(\.score) == [0.5, 0.5])
        #expect(found.map(\.classIndex) == [0, 1])   // equal scores: class order
        #expect(found.allSatisfy { $0.box == box(-8, -8, 8, 8) })
    }
}
