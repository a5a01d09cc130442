// Reference integer convolution, transposed convolution and dense layers: the plain sums of
// docs/QUANTIZATION.md over every output element, in Int64, then the epilogue. Any spatial rank,
// groups, strides, dilations and padding (padded positions are skipped: they would add 0).

import NpucGraph

enum ReferenceKernels {}

extension ReferenceKernels {
    /// acc[n, m, o] = bias[m] + Σ_{c in m's group} Σ_taps (x[n, c, o·s − padBegin + k·d] − Zx) · w[m, c, k].
    static func convolution(_ op: IntegerConvolution, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let a = op.attributes
        let w = op.weights.int64s, bias = op.bias.int64s
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let batch = x.shape[0], inChannels = x.shape[1], outChannels = op.weights.shape[0]
        let cg = inChannels / a.group, mg = outChannels / a.group
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(output.shape[2...])
        let inStrides = IndexMath.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let taps = a.kernelShape.reduce(1, *)
        var result = [Int32](repeating: 0, count: batch * outChannels * outPlane)
        for n in 0..<batch {
            for m in 0..<outChannels {
                let group = m / mg
                var position = Odometer(outSpatial)
                var p = 0
                while !position.done {
                    var acc = bias[m]
                    for c in 0..<cg {
                        let channel = (n * inChannels + group * cg + c) * inPlane
                        var tap = Odometer(a.kernelShape)
                        var t = 0
                        while !tap.done {
                            var offset = 0
                            var inside = true
                            for axis in 0..<inSpatial.count {
                                let i = position.index[axis] * a.strides[axis] - a.padsBegin[axis] + tap.index[axis] * a.dilations[axis]
                                if i < 0 || i >= inSpatial[axis] { inside = false }
                                offset += i * inStrides[axis]
                            }
                            if inside {
                                acc += (Int64(x.data[channel + offset]) - x.zero) * w[(m * cg + c) * taps + t]
                            }
                            t += 1
                            tap.advance()
                        }
                    }
                    result[(n * outChannels + m) * outPlane + p] = epilogue.apply(acc, channel: m)
                    p += 1
                    position.advance()
                }
            }
        }
        return result
    }

    /// acc[n, m, o] = bias[m] + Σ_{c in m's group} Σ_taps (x[n, c, i] − Zx) · w[c, m − g·Mg, k]
    /// over every input position i with i·s − padBegin + k·d = o.
    static func convTranspose(_ op: IntegerConvTranspose, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let a = op.attributes
        let w = op.weights.int64s, bias = op.bias.int64s
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let batch = x.shape[0], inChannels = x.shape[1], mg = op.weights.shape[1], outChannels = output.shape[1]
        let cg = inChannels / a.group
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(output.shape[2...])
        let inStrides = IndexMath.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let taps = a.kernelShape.reduce(1, *)
        var result = [Int32](repeating: 0, count: batch * outChannels * outPlane)
        for n in 0..<batch {
            for m in 0..<outChannels {
                let group = m / mg, j = m % mg
                var position = Odometer(outSpatial)
                var p = 0
                while !position.done {
                    var acc = bias[m]
                    for c in 0..<cg {
                        let inChannel = group * cg + c
                        let channel = (n * inChannels + inChannel) * inPlane
                        var tap = Odometer(a.kernelShape)
                        var t = 0
                        while !tap.done {
                            var offset = 0
                            var hit = true
                            for axis in 0..<inSpatial.count {
                                let numerator = position.index[axis] + a.padsBegin[axis] - tap.index[axis] * a.dilations[axis]
                                guard numerator >= 0, numerator % a.strides[axis] == 0, numerator / a.strides[axis] < inSpatial[axis] else {
                                    hit = false
                                    break
                                }
                                offset += numerator / a.strides[axis] * inStrides[axis]
                            }
                            if hit {
                                acc += (Int64(x.data[channel + offset]) - x.zero) * w[(inChannel * mg + j) * taps + t]
                            }
                            t += 1
                            tap.advance()
                        }
                    }
                    result[(n * outChannels + m) * outPlane + p] = epilogue.apply(acc, channel: m)
                    p += 1
                    position.advance()
                }
            }
        }
        return result
    }

    /// acc[n, m] = bias[m] + Σ_k (x[n, k] − Zx) · w[m, k].
    static func dense(_ op: IntegerDense, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let w = op.weights.int64s, bias = op.bias.int64s
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let batch = x.shape[0], k = x.shape[1], outChannels = op.weights.shape[0]
        var result = [Int32](repeating: 0, count: batch * outChannels)
        for n in 0..<batch {
            for m in 0..<outChannels {
                var acc = bias[m]
                for i in 0..<k { acc += (Int64(x.data[n * k + i]) - x.zero) * w[m * k + i] }
                result[n * outChannels + m] = epilogue.apply(acc, channel: m)
            }
        }
        return result
    }
}
