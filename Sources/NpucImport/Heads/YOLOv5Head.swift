// YOLOv5 / YOLOv7 anchor-based head: per scale one convolution with na·(5+nc) channels, reshaped
// to [N, na, 5+nc, H, W], permuted and passed through a sigmoid; anchors come from the constant
// anchor grid the export multiplies the box sizes by.

import NpucGraph

enum YOLOv5Head {
    static func recognize(_ c: HeadSearchContext) -> DetectionHead? {
        var found = [(conv: Int, anchors: Int, outputs: Int, reshape: Int)]()
        for (i, node) in c.nodes.enumerated() where node.opType == "Conv" {
            guard let channels = c.outputChannels(ofConv: i), let out = node.outputs.first else { continue }
            let consumers = c.consumers(out)
            guard consumers.count == 1, c.nodes[consumers[0]].opType == "Reshape",
                  c.nodes[consumers[0]].inputs.count >= 2,
                  let target = c.model.initializers[c.nodes[consumers[0]].inputs[1]]?.int64s, target.count == 5 else { continue }
            let na = Int(target[1]), no = Int(target[2])
            guard na >= 1, no >= 6, na * no == channels else { continue }
            // The permute to [N, na, H, W, 5+nc] must follow.
            guard let reshaped = c.nodes[consumers[0]].outputs.first,
                  c.consumers(reshaped).contains(where: { c.nodes[$0].opType == "Transpose" }) else { continue }
            found.append((i, na, no, consumers[0]))
        }
        guard let first = found.first, found.allSatisfy({ $0.outputs == first.outputs && $0.anchors == first.anchors }) else { return nil }
        var branches = [DetectionHead.Branch]()
        for f in found {
            guard let size = c.spatialSize(ofNode: f.conv), let stride = c.stride(forSpatial: size) else { return nil }
            let name = c.nodes[f.conv].name
            branches.append(DetectionHead.Branch(stride: stride, boxNode: name, classNode: name, anchorCount: f.anchors,
                                                 anchors: anchors(c, from: f.reshape, count: f.anchors)))
        }
        guard Set(branches.map(\.stride)).count == branches.count else { return nil }
        branches.sort { $0.stride < $1.stride }
        let nc = first.outputs - 5
        return DetectionHead(metaArchitecture: .yolov5, numberOfClasses: nc, regMax: 0, classNames: c.classNames(count: nc),
                             inputSize: c.inputSize, branches: branches)
    }

    /// The anchor sizes of one scale: the first (w, h) of each anchor in a constant
    /// [1, na, …, 2] tensor multiplied in downstream of the reshape.
    static func anchors(_ c: HeadSearchContext, from reshape: Int, count: Int) -> [[Float]] {
        guard let out = c.nodes[reshape].outputs.first else { return [] }
        var grid: Tensor?
        _ = c.downstream(from: out, limit: 10) { i in
            let node = c.nodes[i]
            guard node.opType == "Mul" else { return false }
            for input in node.inputs {
                if let t = c.model.initializers[input], t.rank == 5, t.shape[1] == count, t.shape[4] == 2 {
                    grid = t
                    return true
                }
            }
            return false
        }
        guard let grid else { return [] }
        let values = grid.floats
        let perAnchor = grid.shape[2] * grid.shape[3] * 2
        return (0..<count).map { a in [values[a * perAnchor], values[a * perAnchor + 1]] }
    }
}
