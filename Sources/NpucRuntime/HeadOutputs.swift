// Checks the raw head outputs against the detection head (count, type, NCHW shape, channel counts,
// grid size against the stride, finiteness) and hands each branch's tensors to its decoder.

import NpucGraph

/// The outputs of one detection scale, checked: float values in NCHW order with N = 1.
struct BranchOutputs {
    var stride: Int
    var height: Int
    var width: Int
    /// One flat array per end node of the branch, in `DetectionHead.Branch.endNodes` order.
    var tensors: [[Float]]
    /// Anchor index of this branch's first anchor.
    var anchorOffset: Int
    /// Anchors per grid cell (1 for anchor-free heads).
    var anchorsPerCell: Int

    var cellCount: Int { height * width }
}

enum HeadOutputs {
    /// Channel count each end node of `branch` must have.
    static func expectedChannels(_ head: DetectionHead, _ branch: DetectionHead.Branch) -> [Int] {
        let nc = head.numberOfClasses
        switch head.metaArchitecture {
        case .yolov8: return [4 * head.regMax, nc]
        case .yolov5: return [branch.anchorCount * (5 + nc)]
        case .yolox: return [4, nc, 1]
        case .ssd: return []
        }
    }

    /// The head's problems for decoding, one sentence each (empty when it can be decoded).
    static func problems(_ head: DetectionHead) -> [String] {
        var problems: [String] = []
        let arch = head.metaArchitecture.displayName
        if head.metaArchitecture == .ssd {
            problems.append("ssd post-processing (prior boxes with center/size coding) is not implemented in npuc's runtime; "
                            + "decode SSD outputs on the host with the model's own prior boxes")
            return problems
        }
        if head.branches.isEmpty { problems.append("\(arch) head has no branches; parse the model again so the head is recognized") }
        if head.numberOfClasses < 1 { problems.append("\(arch) head has \(head.numberOfClasses) classes; it needs at least 1") }
        if head.metaArchitecture == .yolov8, head.regMax < 1 {
            problems.append("yolov8 head has reg_max \(head.regMax); DFL boxes need at least 1 bin per side")
        }
        for (i, branch) in head.branches.enumerated() {
            if branch.stride < 1 { problems.append("branch \(i) (\(branch.boxNode)) has stride \(branch.stride); it must be at least 1") }
            switch head.metaArchitecture {
            case .yolov5:
                if branch.anchorCount < 1 || branch.anchors.count != branch.anchorCount
                    || branch.anchors.contains(where: { $0.count < 2 }) {
                    problems.append("yolov5 branch \(i) (\(branch.boxNode)) has \(branch.anchorCount) anchors per cell but "
                                    + "\(branch.anchors.count) anchor sizes; the archive must hold one (w, h) per anchor")
                }
            case .yolox:
                if branch.objectnessNode == nil {
                    problems.append("yolox branch \(i) (\(branch.boxNode)) has no objectness output")
                }
            case .yolov8, .ssd:
                break
            }
        }
        return problems
    }

    /// Checks `outputs` (one tensor per end node, in `head.endNodes` order) and groups them by branch.
    static func branches(_ outputs: [Tensor], head: DetectionHead,
                         inputSize: (height: Int, width: Int)?) throws(PostprocessError) -> [BranchOutputs] {
        let names = head.endNodes
        guard outputs.count == names.count else {
            throw PostprocessError(.outputCount(expected: names, found: outputs.count))
        }
        var result: [BranchOutputs] = []
        var next = 0
        var anchorOffset = 0
        for branch in head.branches {
            let channels = expectedChannels(head, branch)
            var tensors: [[Float]] = []
            var grid: (height: Int, width: Int)?
            for expected in channels {
                let name = names[next]
                let tensor = outputs[next]
                next += 1
                guard tensor.dataType.isFloatingPoint else {
                    throw PostprocessError(.outputType(name: name, found: tensor.dataType))
                }
                let s = tensor.shape
                let gridText = grid.map { "\($0.height)×\($0.width)" } ?? "H×W"
                let expectation = "1×\(expected)×\(gridText)"
                guard s.count == 4, s[0] == 1, s[1] == expected, s[2] >= 1, s[3] >= 1 else {
                    throw PostprocessError(.outputShape(name: name, expected: expectation, found: s))
                }
                if let g = grid {
                    guard s[2] == g.height, s[3] == g.width else {
                        throw PostprocessError(.outputShape(name: name, expected: expectation, found: s))
                    }
                } else {
                    if let input = inputSize, !fits(s[2], stride: branch.stride, input: input.height)
                        || !fits(s[3], stride: branch.stride, input: input.width) {
                        let h = (input.height + branch.stride - 1) / branch.stride
                        let w = (input.width + branch.stride - 1) / branch.stride
                        throw PostprocessError(.outputShape(
                            name: name, expected: "1×\(expected)×\(h)×\(w) for stride \(branch.stride) at input \(input.height)×\(input.width)",
                            found: s))
                    }
                    grid = (s[2], s[3])
                }
                guard tensor.allFinite else { throw PostprocessError(.nonFinite(name: name)) }
                tensors.append(tensor.floats)
            }
            let g = grid ?? (0, 0)
            let perCell = head.metaArchitecture == .yolov5 ? branch.anchorCount : 1
            result.append(BranchOutputs(stride: branch.stride, height: g.height, width: g.width, tensors: tensors,
                                        anchorOffset: anchorOffset, anchorsPerCell: perCell))
            anchorOffset += g.height * g.width * perCell
        }
        return result
    }

    /// A grid of `cells` at `stride` covers an input of `input` pixels (the last cell may hang over).
    private static func fits(_ cells: Int, stride: Int, input: Int) -> Bool {
        (cells - 1) * stride < input && input <= cells * stride
    }
}
