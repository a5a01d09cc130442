// Reference convolution (any spatial rank, groups, strides, dilations, padding).

import NpucGraph

extension ReferenceKernels {
    /// y[n, m, o] = b[m] + Σ over c (in m's group), then kernel taps k in row-major order, of
    /// w[m, c, k] · x̂[n, g·Cg + c, o·s − padBegin + k·d], where x̂ is x padded with zeros. Each
    /// term is added with one fused multiply-add, starting from the bias (or +0).
    public static func convolution(_ op: Convolution, x: FloatView, w: FloatView, b: FloatView?, y: MutableFloatView) {
        let r = op.spatialRank
        let batch = x.shape[0], inChannels = x.shape[1]
        let outChannels = w.shape[0]
        let cg = inChannels / op.group, mg = outChannels / op.group
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(y.shape[2...])
        let inStrides = ShapeArithmetic.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let taps = multiIndices(op.kernelShape)
        let outPositions = multiIndices(outSpatial)
        for n in 0..<batch {
            for m in 0..<outChannels {
                let group = m / mg
                for (p, o) in outPositions.enumerated() {
                    var acc: Float = b?[m] ?? 0
                    for c in 0..<cg {
                        let channel = x.base + (n * inChannels + group * cg + c) * inPlane
                        let weights = w.base + (m * cg + c) * taps.count
                        for (t, k) in taps.enumerated() {
                            var offset = 0
                            var inside = true
                            for axis in 0..<r {
                                let i = o[axis] * op.strides[axis] - op.padsBegin[axis] + k[axis] * op.dilations[axis]
                                if i < 0 || i >= inSpatial[axis] { inside = false }
                                offset += i * inStrides[axis]
                            }
                            let value: Float = inside ? channel[offset] : 0
                            acc = acc.addingProduct(weights[t], value)
                        }
                    }
                    y[(n * outChannels + m) * outPlane + p] = acc
                }
            }
        }
    }
}
