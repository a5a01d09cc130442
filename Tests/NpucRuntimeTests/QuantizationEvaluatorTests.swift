// The evaluator that scores a quantized model's outputs against the float model's: identical
// outputs score mAP 1 and infinite SNR; a moved box and noisy outputs score what the hand
// computation says.

import Testing
import NpucGraph
@testable import NpucRuntime

struct QuantizationEvaluatorTests {
    static let head = yolov8Head(classes: 2, regMax: 2, strides: [8], input: 32)

    /// Outputs with a box of the given bins at (x, y) for class `c` with logit 4 (score 0.982).
    static func outputs(_ cells: [(x: Int, y: Int, c: Int, bins: [Int])]) -> [Tensor] {
        var boxes = TensorBuilder(channels: 8, height: 4, width: 4, fill: -1000)
        var classes = TensorBuilder(channels: 2, height: 4, width: 4, fill: -20)
        for y in 0..<4 { for x in 0..<4 { for side in 0..<4 { boxes.set(side * 2, y: y, x: x, 0) } } }
        for cell in cells {
            for side in 0..<4 {
                boxes.set(side * 2, y: cell.y, x: cell.x, cell.bins[side] == 0 ? 0 : -1000)
                boxes.set(side * 2 + 1, y: cell.y, x: cell.x, cell.bins[side] == 1 ? 0 : -1000)
            }
            classes.set(cell.c, y: cell.y, x: cell.x, 4)
        }
        return [boxes.tensor, classes.tensor]
    }

    @Test func identicalOutputsScorePerfectly() throws {
        var evaluator = try QuantizationEvaluator(head: Self.head)
        let out = Self.outputs([(1, 1, 0, [1, 1, 1, 1]), (3, 2, 1, [1, 0, 1, 1])])
        let (truth, predictions) = try evaluator.addImage(reference: out, evaluated: out)
        #expect(truth.count == 2)
        #expect(predictions == truth)
        let q = evaluator.quality()
        #expect(q.map50 == 1 && q.map50to95 == 1)
        #expect(q.minOutputSNR == .infinity)
        #expect(q.outputs.map(\.name) == ["box0", "cls0"])
        #expect(q.imageCount == 1)
    }

    @Test func movedBoxIsAHitOnlyUpToItsIoU() throws {
        var evaluator = try QuantizationEvaluator(head: Self.head)
        // Reference: cell (1, 1), all sides 1 bin → box (4, 4, 20, 20). Evaluated: right side 0
        // bins → (4, 4, 12, 20): IoU 128/256 = 0.5 → a hit at 0.50 only: mAP50 1, mAP50:95 0.1.
        let reference = Self.outputs([(1, 1, 0, [1, 1, 1, 1])])
        let evaluated = Self.outputs([(1, 1, 0, [1, 1, 0, 1])])
        let (truth, predictions) = try evaluator.addImage(reference: reference, evaluated: evaluated)
        #expect(truth.map(\.box) == [box(4, 4, 20, 20)])
        #expect(predictions.map(\.box) == [box(4, 4, 12, 20)])
        let q = evaluator.quality()
        #expect(q.map50 == 1)
        #expect(abs(q.map50to95! - 0.1) < 1e-12)
        #expect(q.outputs[1].meanDecibels == .infinity)           // class outputs equal
        #expect(q.outputs[0].meanDecibels.isFinite)
        #expect(q.minOutputSNR == q.outputs[0].meanDecibels)
    }

    @Test func snrIsTheMeanOverImagesAndTheWorstIsKept() throws {
        var evaluator = try QuantizationEvaluator(head: Self.head)
        let reference = Self.outputs([(0, 0, 0, [1, 1, 1, 1])])
        // Scale every output by 0.9: error energy 0.01·signal → exactly 20 dB; by 0.99 → 40 dB.
        func scaled(_ f: Float) -> [Tensor] { reference.map { Tensor(shape: $0.shape, float32: $0.floats.map { $0 * f }) } }
        try evaluator.addImage(reference: reference, evaluated: scaled(0.9))
        try evaluator.addImage(reference: reference, evaluated: scaled(0.99))
        let q = evaluator.quality()
        for o in q.outputs {
            #expect(abs(o.meanDecibels - 30) < 1e-3)
            #expect(abs(o.worstDecibels - 20) < 1e-3)
        }
    }

    @Test func theStandardProtocol() {
        let p = EvaluationProtocol.standard
        #expect(p.groundTruth == DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.7, maxProposalsPerClass: 100, maxTotalProposals: 300))
        #expect(p.predictions == DetectionConfig(scoreThreshold: 0.001, iouThreshold: 0.7, maxProposalsPerClass: 100, maxTotalProposals: 300))
        #expect(p.iouThresholds == DetectionEvaluator.cocoIoUThresholds)
    }
}
