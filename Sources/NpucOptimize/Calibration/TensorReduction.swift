// The per-tensor loops calibration runs on every observed activation: minimum, maximum, sum and
// sum of squares in one vectorized pass, and histogram binning. Sums are accumulated in float
// over blocks of 4096 elements and in double across blocks, always in the same order, so a
// tensor's result does not depend on which thread reduces it.

enum TensorReduction {
    struct Partial: Sendable {
        var min: Float
        var max: Float
        var sum: Double
        var sumOfSquares: Double
        /// False when an element is NaN or infinite (then min, max and sums are meaningless).
        var finite: Bool
    }

    static func reduce(_ values: UnsafeBufferPointer<Float>) -> Partial {
        guard let base = values.baseAddress, values.count > 0 else {
            return Partial(min: .infinity, max: -.infinity, sum: 0, sumOfSquares: 0, finite: true)
        }
        let n = values.count
        typealias V = SIMD16<Float>
        var lo = V(repeating: .infinity), hi = V(repeating: -.infinity)
        var sum = 0.0, squares = 0.0
        let block = 4096
        var start = 0
        while start < n {
            let end = Swift.min(n, start + block)
            var s = V(repeating: 0), q = V(repeating: 0)
            var i = start
            while i + 16 <= end {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: V.self)
                // One compare-and-select each (pointwiseMin/Max compile to a lane-by-lane loop).
                // NaN never replaces; it shows in the sums, which send the tensor to the exact check.
                lo.replace(with: v, where: v .< lo)
                hi.replace(with: v, where: v .> hi)
                s += v
                q += v * v
                i += 16
            }
            var tailSum: Float = 0, tailSquares: Float = 0
            while i < end {
                let v = base[i]
                lo[0] = Swift.min(lo[0], v)
                hi[0] = Swift.max(hi[0], v)
                tailSum += v
                tailSquares += v * v
                i += 1
            }
            sum += Double(s.sum()) + Double(tailSum)
            squares += Double(q.sum()) + Double(tailSquares)
            start = end
        }
        var result = Partial(min: lo.min(), max: hi.max(), sum: sum, sumOfSquares: squares, finite: true)
        if !(sum.isFinite && squares.isFinite && result.min.isFinite && result.max.isFinite) {
            // Either a non-finite element, or float block sums that overflowed: decide exactly.
            result.finite = values.allSatisfy { $0.isFinite }
            if result.finite {
                var s = 0.0, q = 0.0, l = Float.infinity, h = -Float.infinity
                for v in values {
                    s += Double(v)
                    q += Double(v) * Double(v)
                    l = Swift.min(l, v)
                    h = Swift.max(h, v)
                }
                result = Partial(min: l, max: h, sum: s, sumOfSquares: q, finite: true)
            }
        }
        return result
    }

    /// Adds the bins of `values` over [lowerBound, upperBound] to `counts` (values below or
    /// above go to the first or last bin; everything to bin 0 when the range is empty).
    static func accumulateHistogram(_ values: UnsafeBufferPointer<Float>, lowerBound: Double, upperBound: Double,
                                    into counts: UnsafeMutableBufferPointer<Int>) {
        let bins = counts.count
        guard bins > 0, !values.isEmpty else { return }
        let width = upperBound - lowerBound
        guard width > 0 else {
            counts[0] += values.count
            return
        }
        let last = bins - 1
        let lo = Float(lowerBound), scale = Float(Double(bins) / width)
        // Per-call counts in 32 bits (a tensor has fewer than 2^31 elements), added at the end.
        var local = [UInt32](repeating: 0, count: bins)
        local.withUnsafeMutableBufferPointer { l in
            for v in values {
                let t = (v - lo) * scale
                let index = t >= Float(last) ? last : (t > 0 ? Int(t) : 0)
                l[index] &+= 1
            }
        }
        for i in 0..<bins { counts[i] += Int(local[i]) }
    }
}
