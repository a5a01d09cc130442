// Reference depth-to-space (DCR and CRD) and space-to-depth.

import NpucGraph

extension ReferenceKernels {
    /// y[n, c, h·b + by, w·b + bx] = x[n, channel, h, w] with channel = (by·b + bx)·C' + c (DCR)
    /// or c·b² + by·b + bx (CRD), C' the output channel count.
    public static func depthToSpace(_ op: DepthToSpace, x: FloatView, y: MutableFloatView) {
        let b = op.blockSize
        let (batch, outC, outH, outW) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3])
        let (inC, inH, inW) = (x.shape[1], x.shape[2], x.shape[3])
        var i = 0
        for n in 0..<batch {
            for c in 0..<outC {
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        let (h, by) = (oh / b, oh % b), (w, bx) = (ow / b, ow % b)
                        let channel = op.mode == .dcr ? (by * b + bx) * outC + c : c * b * b + by * b + bx
                        y[i] = x[((n * inC + channel) * inH + h) * inW + w]
                        i += 1
                    }
                }
            }
        }
    }

    /// y[n, channel, h, w] = x[n, c, h·b + by, w·b + bx] with channel = (by·b + bx)·C + c (DCR)
    /// or c·b² + by·b + bx (CRD), C the input channel count.
    public static func spaceToDepth(_ op: SpaceToDepth, x: FloatView, y: MutableFloatView) {
        let b = op.blockSize
        let (batch, outC, outH, outW) = (y.shape[0], y.shape[1], y.shape[2], y.shape[3])
        let (inC, inH, inW) = (x.shape[1], x.shape[2], x.shape[3])
        var i = 0
        for n in 0..<batch {
            for oc in 0..<outC {
                let (block, c) = op.mode == .dcr ? (oc / inC, oc % inC) : (oc % (b * b), oc / (b * b))
                let (by, bx) = (block / b, block % b)
                for h in 0..<outH {
                    for w in 0..<outW {
                        y[i] = x[((n * inC + c) * inH + h * b + by) * inW + w * b + bx]
                        i += 1
                    }
                }
            }
        }
    }
}
