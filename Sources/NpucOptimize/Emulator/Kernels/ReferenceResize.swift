// Reference integer resize: nearest (a copy of the input position ONNX's formulas give, clamped)
// and bilinear (10-bit weights per spatial axis, a 20-bit fixed-point sum of the 2×2 neighbours'
// q − Z, then a multiplier).

import NpucGraph

extension ReferenceKernels {
    /// The input index each output coordinate copies along `axis` (nearest mode).
    static func nearestIndices(_ a: Resize, axis: Int, inputLength: Int) -> [Int] {
        (0..<a.outputShape[axis]).map { o in
            Swift.min(Swift.max(a.nearestIndex(a.sourceCoordinate(o, axis: axis, inputLength: inputLength)), 0), inputLength - 1)
        }
    }

    static func resizeNearest(_ a: Resize, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let maps = x.shape.indices.map { nearestIndices(a, axis: $0, inputLength: x.shape[$0]) }
        let xStrides = IndexMath.strides(x.shape)
        var result = [Int32]()
        result.reserveCapacity(output.shape.reduce(1, *))
        var odometer = Odometer(output.shape)
        while !odometer.done {
            var offset = 0
            for axis in x.shape.indices { offset += maps[axis][odometer.index[axis]] * xStrides[axis] }
            result.append(x.data[offset])
            odometer.advance()
        }
        return result
    }

    /// Per output coordinate along an axis: (i0, i1, W0, W1) with i0 = ⌊u⌋, i1 = i0 + 1 (both
    /// clamped to the input) and W1 = RoundHalfAway((u − ⌊u⌋) · 2^10), W0 = 2^10 − W1.
    static func bilinearTaps(_ a: Resize, axis: Int, inputLength: Int) -> [(i0: Int, i1: Int, w0: Int64, w1: Int64)] {
        (0..<a.outputShape[axis]).map { o in
            let u = a.sourceCoordinate(o, axis: axis, inputLength: inputLength)
            let floorU = u.rounded(.down)
            let w1 = Int64(Rounding.roundHalfAway((u - floorU) * 1024))
            let i0 = Int(floorU)
            return (Swift.min(Swift.max(i0, 0), inputLength - 1), Swift.min(Swift.max(i0 + 1, 0), inputLength - 1), 1024 - w1, w1)
        }
    }

    /// acc = Σ Wy · Wx · (q − Z_in) over the 2×2 neighbours (a 1-D resize weights its missing row
    /// axis (2^10, 0)); q = Clamp(Z_out + RSH(acc · m, s), 0, Q).
    static func resizeBilinear(_ op: IntegerResizeBilinear, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let a = op.attributes
        let twoD = x.shape.count == 4
        let inH = twoD ? x.shape[2] : 1, inW = x.shape[x.shape.count - 1]
        let outH = twoD ? output.shape[2] : 1, outW = output.shape[output.shape.count - 1]
        let rows = twoD ? bilinearTaps(a, axis: 2, inputLength: inH) : [(0, 0, Int64(1024), Int64(0))]
        let columns = bilinearTaps(a, axis: x.shape.count - 1, inputLength: inW)
        let planes = x.shape[0] * x.shape[1]
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        var result = [Int32](repeating: 0, count: planes * outH * outW)
        for plane in 0..<planes {
            let base = plane * inH * inW
            func t(_ y: Int, _ xx: Int) -> Int64 { Int64(x.data[base + y * inW + xx]) - x.zero }
            for oy in 0..<outH {
                let r = rows[oy]
                for ox in 0..<outW {
                    let c = columns[ox]
                    let acc = r.2 * (c.w0 * t(r.0, c.i0) + c.w1 * t(r.0, c.i1)) + r.3 * (c.w0 * t(r.1, c.i0) + c.w1 * t(r.1, c.i1))
                    result[(plane * outH + oy) * outW + ox] = Int32(IndexMath.clamp(zOut + op.multiplier.apply(acc), 0, q))
                }
            }
        }
        return result
    }
}
