// Reference transposed convolution (any spatial rank, groups, strides, dilations, padding).

import NpucGraph

extension ReferenceKernels {
    /// y[n, m, o] = b[m] + Σ over c (in m's group), then taps k, of x[n, c, i] · w[c, m − g·Mg, k]
    /// for every i with i·s − padBegin + k·d = o, added by fused multiply-adds in (c, k) order.
    public static func convTranspose(_ op: ConvTranspose, x: FloatView, w: FloatView, b: FloatView?, y: MutableFloatView) {
        let r = op.spatialRank
        let batch = x.shape[0], inChannels = x.shape[1]
        let mg = w.shape[1], outChannels = y.shape[1]
        let cg = inChannels / op.group
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(y.shape[2...])
        let inStrides = ShapeArithmetic.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let taps = multiIndices(op.kernelShape)
        let outPositions = multiIndices(outSpatial)
        for n in 0..<batch {
            for m in 0..<outChannels {
                let group = m / mg, mInGroup = m % mg
                for (p, o) in outPositions.enumerated() {
                    var acc: Float = b?[m] ?? 0
                    for c in 0..<cg {
                        let inChannel = group * cg + c
                        let channel = x.base + (n * inChannels + inChannel) * inPlane
                        let weights = w.base + (inChannel * mg + mInGroup) * taps.count
                        for (t, k) in taps.enumerated() {
                            var offset = 0
                            var hit = true
                            for axis in 0..<r {
                                let numerator = o[axis] + op.padsBegin[axis] - k[axis] * op.dilations[axis]
                                guard numerator >= 0, numerator % op.strides[axis] == 0 else { hit = false; break }
                                let i = numerator / op.strides[axis]
                                guard i < inSpatial[axis] else { hit = false; break }
                                offset += i * inStrides[axis]
                            }
                            if hit { acc = acc.addingProduct(channel[offset], weights[t]) }
                        }
                    }
                    y[(n * outChannels + m) * outPlane + p] = acc
                }
            }
        }
    }
}
