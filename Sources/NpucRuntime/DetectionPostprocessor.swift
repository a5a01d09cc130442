// Host-side post-processing of a detector cut at its head convolutions, as HailoRT runs it after
// the NPU: raw head outputs (float, ONNX NCHW, in the head's end-node order) → decoded candidates
// above the score threshold → per-class NMS. Boxes are in network-input pixels (not clipped);
// `InputGeometry` maps them back to the original image.

import NpucGraph

public struct DetectionPostprocessor: Sendable {
    public let head: DetectionHead
    public let config: DetectionConfig

    /// Checks that `head` can be decoded and `config` is usable.
    public init(head: DetectionHead, config: DetectionConfig) throws(PostprocessError) {
        let configProblems = config.problems
        guard configProblems.isEmpty else { throw PostprocessError(.invalidConfig(configProblems)) }
        let headProblems = HeadOutputs.problems(head)
        guard headProblems.isEmpty else { throw PostprocessError(.unsupportedHead(headProblems.joined(separator: "; "))) }
        self.head = head
        self.config = config
    }

    /// The end-node names whose outputs `detections(from:)` expects, in order.
    public var outputNames: [String] { head.endNodes }

    /// The network input (height, width) that grid sizes are checked against, when known.
    var inputSize: (height: Int, width: Int)? {
        let dims = config.imageDims ?? head.inputSize
        guard dims.count == 2, dims[0] > 0, dims[1] > 0 else { return nil }
        return (dims[0], dims[1])
    }

    /// Every (anchor, class) whose score is ≥ the score threshold, in anchor order then class order.
    public func candidates(from outputs: [Tensor]) throws(PostprocessError) -> [Detection] {
        let branches = try HeadOutputs.branches(outputs, head: head, inputSize: inputSize)
        var candidates: [Detection] = []
        for (i, branch) in branches.enumerated() {
            switch head.metaArchitecture {
            case .yolov8:
                YOLOv8Decoder.decode(branch, classes: head.numberOfClasses, regMax: head.regMax,
                                     scoreThreshold: config.scoreThreshold, into: &candidates)
            case .yolov5:
                YOLOv5Decoder.decode(branch, anchors: head.branches[i].anchors, classes: head.numberOfClasses,
                                     scoreThreshold: config.scoreThreshold, into: &candidates)
            case .yolox:
                YOLOXDecoder.decode(branch, classes: head.numberOfClasses, scoreThreshold: config.scoreThreshold,
                                    into: &candidates)
            case .ssd:
                preconditionFailure("ssd heads are refused by init")
            }
        }
        return candidates
    }

    /// Decoded and suppressed detections, highest score first.
    public func detections(from outputs: [Tensor]) throws(PostprocessError) -> [Detection] {
        NonMaximumSuppression.perClass(try candidates(from: outputs), iouThreshold: config.iouThreshold,
                                       maxPerClass: config.maxProposalsPerClass, maxTotal: config.maxTotalProposals)
    }
}
