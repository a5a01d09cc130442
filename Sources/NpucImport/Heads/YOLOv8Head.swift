// YOLOv8 / YOLO11 detection head: per scale a box convolution with 4·reg_max channels and a class
// convolution, decoded by a distribution-focal-loss (DFL) convolution whose constant weights are
// 0, 1, …, reg_max−1 after a softmax. Recognized from that DFL convolution.

import NpucGraph

enum YOLOv8Head {
    static func recognize(_ c: HeadSearchContext) -> DetectionHead? {
        guard let (dfl, regMax) = findDFLConvolution(c) else { return nil }
        let boxes = c.upstreamConvs(from: c.nodes[dfl].inputs.prefix(1).map { $0 })
            .filter { c.outputChannels(ofConv: $0) == 4 * regMax }
        guard !boxes.isEmpty else { return nil }
        let all = c.upstreamConvs(from: c.model.outputs.map(\.name), transparent: [dfl])
        let classes = all.filter { !boxes.contains($0) }
        guard classes.count == boxes.count, let nc = c.outputChannels(ofConv: classes[0]),
              classes.allSatisfy({ c.outputChannels(ofConv: $0) == nc }) else { return nil }
        var branches = [DetectionHead.Branch]()
        for box in boxes {
            guard let size = c.spatialSize(ofNode: box), let stride = c.stride(forSpatial: size),
                  let cls = classes.first(where: { c.spatialSize(ofNode: $0) == size }) else { return nil }
            branches.append(DetectionHead.Branch(stride: stride, boxNode: c.nodes[box].name, classNode: c.nodes[cls].name))
        }
        guard Set(branches.map(\.stride)).count == branches.count else { return nil }
        branches.sort { $0.stride < $1.stride }
        return DetectionHead(metaArchitecture: .yolov8, numberOfClasses: nc, regMax: regMax,
                             classNames: c.classNames(count: nc), inputSize: c.inputSize, branches: branches)
    }

    /// A Conv with constant weights [1, R, 1, 1] equal to 0, 1, …, R−1 (R ≥ 2).
    static func findDFLConvolution(_ c: HeadSearchContext) -> (node: Int, regMax: Int)? {
        for (i, node) in c.nodes.enumerated() where node.opType == "Conv" && node.inputs.count >= 2 {
            guard let w = c.model.initializers[node.inputs[1]], w.rank == 4, w.shape[0] == 1, w.shape[2] == 1,
                  w.shape[3] == 1, w.shape[1] >= 2 else { continue }
            let values = w.floats
            if values.enumerated().allSatisfy({ abs($0.element - Float($0.offset)) < 1e-5 }) {
                return (i, w.shape[1])
            }
        }
        return nil
    }
}
