// YOLOX decoupled head: per scale a regression convolution (4 channels), an objectness
// convolution (1 channel) and a class convolution (nc channels), concatenated as
// [reg, sigmoid(obj), sigmoid(cls)] along the channels.

import NpucGraph

enum YOLOXHead {
    static func recognize(_ c: HeadSearchContext) -> DetectionHead? {
        var branches = [DetectionHead.Branch]()
        var classCount: Int?
        for node in c.nodes where node.opType == "Concat" && node.inputs.count == 3 {
            guard let reg = convProducing(c, node.inputs[0], throughSigmoid: false),
                  let obj = convProducing(c, node.inputs[1], throughSigmoid: true),
                  let cls = convProducing(c, node.inputs[2], throughSigmoid: true),
                  c.outputChannels(ofConv: reg) == 4, c.outputChannels(ofConv: obj) == 1,
                  let nc = c.outputChannels(ofConv: cls) else { continue }
            if let known = classCount, known != nc { return nil }
            classCount = nc
            guard let size = c.spatialSize(ofNode: reg), let stride = c.stride(forSpatial: size) else { return nil }
            branches.append(DetectionHead.Branch(stride: stride, boxNode: c.nodes[reg].name, classNode: c.nodes[cls].name,
                                                 objectnessNode: c.nodes[obj].name))
        }
        guard let nc = classCount, !branches.isEmpty, Set(branches.map(\.stride)).count == branches.count else { return nil }
        branches.sort { $0.stride < $1.stride }
        return DetectionHead(metaArchitecture: .yolox, numberOfClasses: nc, regMax: 0, classNames: c.classNames(count: nc),
                             inputSize: c.inputSize, branches: branches)
    }

    static func convProducing(_ c: HeadSearchContext, _ tensor: String, throughSigmoid: Bool) -> Int? {
        guard var p = c.producer(tensor) else { return nil }
        if throughSigmoid {
            guard c.nodes[p].opType == "Sigmoid", let inner = c.producer(c.nodes[p].inputs[0]) else { return nil }
            p = inner
        }
        return c.nodes[p].opType == "Conv" ? p : nil
    }
}
