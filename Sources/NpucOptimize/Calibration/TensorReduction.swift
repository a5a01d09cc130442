// The per-tensor loops calibration runs on every observed activation: minimum, maximum, sum and
// sum of squares in one vectorized pass, and vectorized binning into the power-of-two-wide bins of
// `GrowingHistogram`. Sums are accumulated in float
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

    /// Partial counts per histogram bin (see `GrowingHistogram`).
    static let binLanes = 4
    /// The lane of each of 16 consecutive elements.
    private static let laneOfElement = SIMD16<Int32>((0..<16).map { Int32($0 % binLanes) })

    /// Adds one to bin `floor(x · scale) − firstBin` for every x (`scale` a power of two, so the
    /// product is exact), with bin offsets clamped to [0, lastOffset] (NaN to 0). Bin j has
    /// `binLanes` partial counts `counts[j · binLanes + lane]`; element i goes to lane i mod
    /// binLanes. The bins of `GrowingHistogram`: indices must stay below 2^22 in magnitude.
    static func accumulateBins(_ values: UnsafeBufferPointer<Float>, scale: Float, firstBin: Int, lastOffset: Int,
                               into counts: UnsafeMutablePointer<Int>) {
        guard let base = values.baseAddress else { return }
        let n = values.count
        typealias V = SIMD16<Float>
        // Adding 1.5 · 2^23 to a float of magnitude below 2^22 rounds it to an integer held in the
        // low mantissa bits: subtracting it back rounds to nearest, and the bit pattern of the sum
        // minus that of 1.5 · 2^23 is the integer itself.
        let magic: Float = 12_582_912
        let low = Float(firstBin), high = Float(firstBin + lastOffset)
        let scaleV = V(repeating: scale), lowV = V(repeating: low), highV = V(repeating: high), magicV = V(repeating: magic)
        let one = V(repeating: 1)
        let bias = SIMD16<Int32>(repeating: Int32(bitPattern: magic.bitPattern) &+ Int32(firstBin))
        let lanes = Int32(binLanes)
        let laneOfElement = Self.laneOfElement
        var i = 0
        while i + 16 <= n {
            let t = UnsafeRawPointer(base + i).loadUnaligned(as: V.self) * scaleV
            // floor(t): round to nearest, then step down where that went up.
            var r = (t + magicV) - magicV
            r.replace(with: r - one, where: r .> t)
            r.replace(with: lowV, where: .!(r .>= lowV))
            r.replace(with: highV, where: r .> highV)
            let slots = (unsafeBitCast(r + magicV, to: SIMD16<Int32>.self) &- bias) &* lanes &+ laneOfElement
            for k in 0..<16 { counts[Int(slots[k])] &+= 1 }
            i += 16
        }
        while i < n {
            var t = (base[i] * scale).rounded(.down)
            if !(t >= low) { t = low }
            if t > high { t = high }
            counts[(Int(t) - firstBin) * binLanes + i % binLanes] &+= 1
            i += 1
        }
    }
}
