// SSD head: per feature map a box convolution (4·A channels) and a class convolution (K·A
// channels) reading the same tensor, each reshaped and concatenated across scales into one
// box tensor and one score tensor.

import NpucGraph

enum SSDHead {
    static let passThrough: Set<String> = ["Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Identity"]

    static func recognize(_ c: HeadSearchContext) -> DetectionHead? {
        let concats = c.nodes.indices.filter { c.nodes[$0].opType == "Concat" && c.nodes[$0].inputs.count >= 2 }
        let convLists = concats.map { i in c.nodes[i].inputs.map { convBehindReshapes(c, $0) } }
        for (a, boxConvs) in convLists.enumerated() where boxConvs.allSatisfy({ $0 != nil }) {
            for (b, classConvs) in convLists.enumerated() where a != b && classConvs.count == boxConvs.count {
                guard classConvs.allSatisfy({ $0 != nil }) else { continue }
                if let head = pair(c, boxes: boxConvs.map { $0! }, classes: classConvs.map { $0! }) { return head }
            }
        }
        return nil
    }

    static func convBehindReshapes(_ c: HeadSearchContext, _ tensor: String) -> Int? {
        var t = tensor
        for _ in 0..<4 {
            guard let p = c.producer(t) else { return nil }
            if c.nodes[p].opType == "Conv" { return p }
            guard passThrough.contains(c.nodes[p].opType), let input = c.nodes[p].inputs.first else { return nil }
            t = input
        }
        return nil
    }

    static func pair(_ c: HeadSearchContext, boxes: [Int], classes: [Int]) -> DetectionHead? {
        var k: Int?
        var branches = [DetectionHead.Branch]()
        for (box, cls) in zip(boxes, classes) {
            guard box != cls, c.nodes[box].inputs.first == c.nodes[cls].inputs.first,
                  let boxChannels = c.outputChannels(ofConv: box), boxChannels % 4 == 0,
                  let classChannels = c.outputChannels(ofConv: cls) else { return nil }
            let anchorsHere = boxChannels / 4
            guard anchorsHere > 0, classChannels % anchorsHere == 0 else { return nil }
            let perAnchor = classChannels / anchorsHere
            if let known = k, known != perAnchor { return nil }
            k = perAnchor
            guard let size = c.spatialSize(ofNode: box) else { return nil }
            let stride = c.inputSize.count == 2 && size[0] > 0 ? max(1, Int((Double(c.inputSize[0]) / Double(size[0])).rounded())) : 0
            branches.append(DetectionHead.Branch(stride: stride, boxNode: c.nodes[box].name, classNode: c.nodes[cls].name,
                                                 anchorCount: anchorsHere))
        }
        guard let k, k >= 2, !branches.isEmpty else { return nil }
        // Class scores include the background class.
        return DetectionHead(metaArchitecture: .ssd, numberOfClasses: k, regMax: 0, classNames: c.classNames(count: k),
                             inputSize: c.inputSize, branches: branches)
    }
}
