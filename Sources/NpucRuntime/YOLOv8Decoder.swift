// YOLOv8 / YOLO11 decoding (anchor-free, DFL boxes). Per grid cell (x, y) of a branch with stride s:
// - the box output holds 4·reg_max channels, side-major (left, top, right, bottom; bins 0…reg_max−1);
//   each side's distance is the expectation Σ k·softmax(bins)_k, in grid units;
// - the anchor point is (x + 0.5, y + 0.5); the box is ((ax − l)·s, (ay − t)·s, (ax + r)·s, (ay + b)·s);
// - the class output holds one logit per class; the score is sigmoid(logit).
// Every (cell, class) whose score is ≥ the threshold becomes a candidate.

import Foundation

enum YOLOv8Decoder {
    static func decode(_ branch: BranchOutputs, classes: Int, regMax: Int, scoreThreshold: Double,
                       into candidates: inout [Detection]) {
        let boxes = branch.tensors[0]
        let logits = branch.tensors[1]
        let cells = branch.cellCount
        let stride = Double(branch.stride)
        for y in 0..<branch.height {
            for x in 0..<branch.width {
                let cell = y * branch.width + x
                var box: BoundingBox?
                for c in 0..<classes {
                    let score = sigmoid(Double(logits[c * cells + cell]))
                    guard score >= scoreThreshold else { continue }
                    if box == nil {
                        let l = expectation(boxes, side: 0, regMax: regMax, cells: cells, cell: cell)
                        let t = expectation(boxes, side: 1, regMax: regMax, cells: cells, cell: cell)
                        let r = expectation(boxes, side: 2, regMax: regMax, cells: cells, cell: cell)
                        let b = expectation(boxes, side: 3, regMax: regMax, cells: cells, cell: cell)
                        let ax = Double(x) + 0.5, ay = Double(y) + 0.5
                        box = BoundingBox(x1: (ax - l) * stride, y1: (ay - t) * stride,
                                          x2: (ax + r) * stride, y2: (ay + b) * stride)
                    }
                    candidates.append(Detection(box: box!, score: score, classIndex: c,
                                                anchorIndex: branch.anchorOffset + cell))
                }
            }
        }
    }

    /// The DFL distance of one side: the mean bin index under the softmax of the side's bins
    /// (softmax computed stably, after subtracting the largest bin).
    static func expectation(_ boxes: [Float], side: Int, regMax: Int, cells: Int, cell: Int) -> Double {
        let base = side * regMax * cells + cell
        var largest = -Double.infinity
        for k in 0..<regMax { largest = max(largest, Double(boxes[base + k * cells])) }
        var total = 0.0, weighted = 0.0
        for k in 0..<regMax {
            let e = exp(Double(boxes[base + k * cells]) - largest)
            total += e
            weighted += Double(k) * e
        }
        return weighted / total
    }
}
