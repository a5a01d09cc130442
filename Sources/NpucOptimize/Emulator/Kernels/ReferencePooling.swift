// Reference integer pooling and reductions: max pooling (domain kept, padded positions
// ignored), average pooling with a multiplier per divisor, global max/average pooling and
// reduce-mean (sum of q − Z, then a multiplier for the count).

import NpucGraph

extension ReferenceKernels {
    /// For output coordinate o along an axis: the taps' input indices that lie inside the padded
    /// extent [−padBegin, L + padEnd) (ceil mode can put taps past it; they are not part of the
    /// window).
    static func poolWindow(_ a: Pooling, axis: Int, output o: Int, inputLength: Int) -> [Int] {
        (0..<a.kernelShape[axis]).map { k in o * a.strides[axis] - a.padsBegin[axis] + k * a.dilations[axis] }
            .filter { $0 < inputLength + a.padsEnd[axis] }
    }

    /// Visits every output position of a pooling layer with the input integers of its window
    /// that lie inside the input and the count of taps inside the padded extent.
    static func pool(_ a: Pooling, x: IntValue, outputShape: [Int], _ reduce: ([Int32], Int) -> Int32) -> [Int32] {
        let planes = x.shape[0] * x.shape[1]
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(outputShape[2...])
        let inStrides = IndexMath.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let windows = outSpatial.indices.map { axis in
            (0..<outSpatial[axis]).map { poolWindow(a, axis: axis, output: $0, inputLength: inSpatial[axis]) }
        }
        var result = [Int32](repeating: 0, count: planes * outPlane)
        var values = [Int32]()
        for plane in 0..<planes {
            var position = Odometer(outSpatial)
            var p = 0
            while !position.done {
                let axisWindows = outSpatial.indices.map { windows[$0][position.index[$0]] }
                let paddedCount = axisWindows.reduce(1) { $0 * $1.count }
                values.removeAll(keepingCapacity: true)
                var tap = Odometer(axisWindows.map(\.count))
                while !tap.done {
                    var offset = 0
                    var inside = true
                    for axis in axisWindows.indices {
                        let i = axisWindows[axis][tap.index[axis]]
                        if i < 0 || i >= inSpatial[axis] { inside = false }
                        offset += i * inStrides[axis]
                    }
                    if inside { values.append(x.data[plane * inPlane + offset]) }
                    tap.advance()
                }
                result[plane * outPlane + p] = reduce(values, paddedCount)
                p += 1
                position.advance()
            }
        }
        return result
    }

    /// The largest input integer of the window (Z when no tap lies inside the input).
    static func maxPool(_ a: Pooling, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let zero = Int32(output.domain.zeroPoint)
        return pool(a, x: x, outputShape: output.shape) { values, _ in values.max() ?? zero }
    }

    /// sum = Σ (q − Z_in); n = the padded-extent count (count_include_pad) or the inside count;
    /// q = Clamp(Z_out + RSH(sum · m_n, s_n), 0, Q), Z_out when n = 0.
    static func averagePool(_ op: IntegerAveragePool, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        return pool(op.attributes, x: x, outputShape: output.shape) { values, paddedCount in
            let n = op.attributes.countIncludePad ? paddedCount : values.count
            guard n > 0 else { return Int32(zOut) }
            let sum = values.reduce(Int64(0)) { $0 + Int64($1) - x.zero }
            let m = op.divisors[n - 1]
            return Int32(IndexMath.clamp(zOut + m.apply(sum), 0, q))
        }
    }

    /// The largest integer of each N×C plane.
    static func globalMaxPool(x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.count / Swift.max(planes, 1)
        return (0..<planes).map { p in x.data[(p * plane)..<((p + 1) * plane)].max() ?? Int32(output.domain.zeroPoint) }
    }

    /// q = Clamp(Z_out + RSH(Σ (q − Z_in) · m, s), 0, Q) over each N×C plane.
    static func globalAveragePool(_ op: IntegerGlobalAveragePool, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.count / Swift.max(planes, 1)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        return (0..<planes).map { p in
            var sum: Int64 = 0
            for i in (p * plane)..<((p + 1) * plane) { sum += Int64(x.data[i]) - x.zero }
            return Int32(IndexMath.clamp(zOut + op.multiplier.apply(sum), 0, q))
        }
    }

    /// q = Clamp(Z_out + RSH(Σ (q − Z_in) · m, s), 0, Q) over the reduced axes.
    static func reduceMean(_ op: IntegerReduceMean, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let reduced = Set(op.axes)
        let kept = x.shape.indices.filter { !reduced.contains($0) }
        let xStrides = IndexMath.strides(x.shape)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        var result = [Int32]()
        var outer = Odometer(kept.map { x.shape[$0] })
        while !outer.done {
            var base = 0
            for (k, axis) in kept.enumerated() { base += outer.index[k] * xStrides[axis] }
            var sum: Int64 = 0
            var inner = Odometer(op.axes.map { x.shape[$0] })
            while !inner.done {
                var offset = base
                for (k, axis) in op.axes.enumerated() { offset += inner.index[k] * xStrides[axis] }
                sum += Int64(x.data[offset]) - x.zero
                inner.advance()
            }
            result.append(Int32(IndexMath.clamp(zOut + op.multiplier.apply(sum), 0, q)))
            outer.advance()
        }
        return result
    }
}
