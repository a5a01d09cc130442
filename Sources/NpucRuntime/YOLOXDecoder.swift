// YOLOX decoding (anchor-free, decoupled head). The end nodes are the raw convolutions, so the
// sigmoids the exported graph applies to objectness and classes are applied here. Per branch:
// box output [tx, ty, tw, th], class output nc logits, objectness output 1 logit. At cell (x, y)
// with stride s:  cx = (tx + x)·s,  cy = (ty + y)·s,  w = e^tw·s,  h = e^th·s,
// score(class c) = σ(obj)·σ(cls_c)   (YOLOX's reference decode: grid without a half-cell offset).

import Foundation

enum YOLOXDecoder {
    static func decode(_ branch: BranchOutputs, classes: Int, scoreThreshold: Double,
                       into candidates: inout [Detection]) {
        let boxes = branch.tensors[0]
        let logits = branch.tensors[1]
        let objectnessLogits = branch.tensors[2]
        let cells = branch.cellCount
        let stride = Double(branch.stride)
        for y in 0..<branch.height {
            for x in 0..<branch.width {
                let cell = y * branch.width + x
                let objectness = sigmoid(Double(objectnessLogits[cell]))
                var box: BoundingBox?
                for c in 0..<classes {
                    let score = objectness * sigmoid(Double(logits[c * cells + cell]))
                    guard score >= scoreThreshold else { continue }
                    if box == nil {
                        let cx = (Double(boxes[cell]) + Double(x)) * stride
                        let cy = (Double(boxes[cells + cell]) + Double(y)) * stride
                        let w = exp(Double(boxes[2 * cells + cell])) * stride
                        let h = exp(Double(boxes[3 * cells + cell])) * stride
                        box = BoundingBox(centerX: cx, centerY: cy, width: w, height: h)
                    }
                    candidates.append(Detection(box: box!, score: score, classIndex: c,
                                                anchorIndex: branch.anchorOffset + cell))
                }
            }
        }
    }
}
