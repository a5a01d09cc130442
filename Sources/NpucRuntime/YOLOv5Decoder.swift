// YOLOv5 / YOLOv7 decoding (anchor-based). Each branch's one output holds A·(5 + nc) channels,
// anchor-major: for anchor a, channels a·(5+nc) + [tx, ty, tw, th, obj, cls0 …]. With σ the sigmoid,
// stride s and anchor size (aw, ah) in input pixels, at grid cell (x, y):
//   cx = (2σ(tx) − 0.5 + x)·s,  cy = (2σ(ty) − 0.5 + y)·s,  w = (2σ(tw))²·aw,  h = (2σ(th))²·ah,
//   score(class c) = σ(obj)·σ(cls_c).
// Anchor indices follow the export's layout: a·H·W + y·W + x within the branch.

import Foundation

enum YOLOv5Decoder {
    static func decode(_ branch: BranchOutputs, anchors: [[Float]], classes: Int, scoreThreshold: Double,
                       into candidates: inout [Detection]) {
        let values = branch.tensors[0]
        let cells = branch.cellCount
        let stride = Double(branch.stride)
        let perAnchor = 5 + classes
        for (a, size) in anchors.enumerated() {
            let base = a * perAnchor
            let anchorW = Double(size[0]), anchorH = Double(size[1])
            for y in 0..<branch.height {
                for x in 0..<branch.width {
                    let cell = y * branch.width + x
                    @inline(__always) func channel(_ k: Int) -> Double { Double(values[(base + k) * cells + cell]) }
                    let objectness = sigmoid(channel(4))
                    var box: BoundingBox?
                    for c in 0..<classes {
                        let score = objectness * sigmoid(channel(5 + c))
                        guard score >= scoreThreshold else { continue }
                        if box == nil {
                            let cx = (2 * sigmoid(channel(0)) - 0.5 + Double(x)) * stride
                            let cy = (2 * sigmoid(channel(1)) - 0.5 + Double(y)) * stride
                            let sw = 2 * sigmoid(channel(2)), sh = 2 * sigmoid(channel(3))
                            box = BoundingBox(centerX: cx, centerY: cy, width: sw * sw * anchorW, height: sh * sh * anchorH)
                        }
                        candidates.append(Detection(box: box!, score: score, classIndex: c,
                                                    anchorIndex: branch.anchorOffset + a * cells + cell))
                    }
                }
            }
        }
    }
}
