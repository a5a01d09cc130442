// Histograms built in the same pass as the minima and maxima, so calibration runs every sample
// once. Bins have a power-of-two width W = 2^e anchored at 0: value x falls in bin floor(x / W),
// which is exact in floating point because dividing by a power of two only changes the exponent.
// A histogram keeps at most `maxBins` bins; when a tensor's [min, max] does not fit, W doubles
// (bin i of width W goes to bin floor(i / 2) of width 2W) until it does.
//
// Why the result does not depend on order or on how many workers share the data: the width is a
// function of the observed [min, max] only — the smallest power of two (no finer than the float
// resolution of the values) whose bins over [min, max] number at most `maxBins` — and a wider
// range never gets a narrower width. Each worker's width is therefore at most the width of the
// whole data's range; `merged` brings every worker's counts to that width (exact, by halving bin
// indices) and adds them, which gives exactly the histogram of all the values at that width.

public struct GrowingHistogram: Sendable, Hashable {
    /// Most bins the histogram holds (at least 2).
    public let maxBins: Int
    /// Smallest and largest value added (meaningless while `isEmpty`).
    public private(set) var minimum: Float = .infinity
    public private(set) var maximum: Float = -.infinity
    /// Bins are 2^widthExponent wide.
    public private(set) var widthExponent = 0
    /// The bin index (floor(x / W)) of `counts[0]`: the bin of `minimum`.
    public private(set) var firstBin = 0
    /// `maxBins` counts from `firstBin` on (empty until the first value), each split into
    /// `TensorReduction.binLanes` interleaved partial counts: bin j's count is the sum of
    /// counts[j · binLanes ..< (j + 1) · binLanes]. Runs of equal values then update different
    /// memory words, so the vectorized binning is not held up by one counter's increments.
    private var counts: [Int] = []

    /// The width of the finest bins: values have at most 2^21 bins between them and 0, so a bin
    /// index is exact in a float (and in the vectorized conversion of TensorReduction).
    static let finestExponentBelowMagnitude = 20
    /// No bin is narrower than 2^-100 (all-zero tensors; keeps x / W away from float underflow).
    static let smallestExponent = -100

    public init(maxBins: Int) {
        precondition(maxBins >= 2, "a growing histogram needs at least 2 bins")
        self.maxBins = maxBins
    }

    public var isEmpty: Bool { counts.isEmpty }
    public var binWidth: Double { Self.power(widthExponent) }

    /// The width exponent for data spanning [min, max] (both finite, min ≤ max): the smallest e
    /// at or above the float-resolution floor with at most `maxBins` bins of width 2^e over it.
    /// A wider range never gets a smaller exponent.
    public static func widthExponent(min: Float, max: Float, maxBins: Int) -> Int {
        precondition(min.isFinite && max.isFinite && min <= max && maxBins >= 2, "width of an invalid range [\(min), \(max)]")
        let magnitude = Swift.max(abs(min), abs(max))
        var e = smallestExponent
        if magnitude > 0 { e = Swift.max(e, Int(magnitude.exponent) - finestExponentBelowMagnitude) }
        // A width at or below spread / maxBins never fits; starting there skips the hopeless ones.
        let spread = Double(max) - Double(min)
        if spread > 0 { e = Swift.max(e, Int((spread / Double(maxBins)).exponent)) }
        while bin(Double(max), e) - bin(Double(min), e) + 1 > maxBins { e += 1 }
        return e
    }

    /// floor(x / 2^e), exactly.
    public static func bin(_ x: Double, _ e: Int) -> Int { Int((x * power(-e)).rounded(.down)) }

    static func power(_ e: Int) -> Double { Double(sign: .plus, exponent: e, significand: 1) }

    /// Adds `values`, whose smallest and largest elements are `min` and `max` (finite; the
    /// calibrator's reduction computes them anyway). Elements outside [min, max] or NaN are
    /// counted in the nearest end bin rather than trusted.
    mutating func add(_ values: UnsafeBufferPointer<Float>, min lo: Float, max hi: Float) {
        guard !values.isEmpty else { return }
        precondition(lo.isFinite && hi.isFinite && lo <= hi, "histogram bounds [\(lo), \(hi)] are not a finite range")
        if isEmpty {
            minimum = lo
            maximum = hi
            widthExponent = Self.widthExponent(min: lo, max: hi, maxBins: maxBins)
            firstBin = Self.bin(Double(lo), widthExponent)
            counts = [Int](repeating: 0, count: maxBins * TensorReduction.binLanes)
        } else if lo < minimum || hi > maximum {
            grow(toMin: Swift.min(lo, minimum), max: Swift.max(hi, maximum))
        }
        let last = Self.bin(Double(maximum), widthExponent) - firstBin
        let scale = Float(Self.power(-widthExponent))
        counts.withUnsafeMutableBufferPointer { c in
            TensorReduction.accumulateBins(values, scale: scale, firstBin: firstBin, lastOffset: last, into: c.baseAddress!)
        }
    }

    /// Adds `values` (non-finite elements are skipped).
    public mutating func add(_ values: [Float]) {
        let finite = values.allSatisfy(\.isFinite) ? values : values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return }
        finite.withUnsafeBufferPointer { add($0, min: lo, max: hi) }
    }

    /// Re-bins to the width of [newMin, newMax] ⊇ [minimum, maximum].
    private mutating func grow(toMin newMin: Float, max newMax: Float) {
        let e = Self.widthExponent(min: newMin, max: newMax, maxBins: maxBins)
        precondition(e >= widthExponent, "the width of a wider range shrank")
        let first = Self.bin(Double(newMin), e)
        minimum = newMin
        maximum = newMax
        guard e != widthExponent || first != firstBin else { return }
        counts = rebinned(to: e, firstBin: first)
        widthExponent = e
        firstBin = first
    }

    /// The counts at width 2^e (e ≥ widthExponent), `maxBins` of them from bin `first` on, with
    /// their partial counts kept apart.
    private func rebinned(to e: Int, firstBin first: Int) -> [Int] {
        let shift = e - widthExponent, lanes = TensorReduction.binLanes
        var out = [Int](repeating: 0, count: maxBins * lanes)
        for (i, c) in counts.enumerated() where c != 0 {
            // An arithmetic right shift is floor division by 2^shift, negative indices included.
            out[(((firstBin + i / lanes) >> shift) - first) * lanes + i % lanes] += c
        }
        return out
    }

    /// The histogram of all the values added to `parts` (all with the same `maxBins`): each
    /// brought to the width of the overall [min, max], then added. Independent of how the values
    /// were split among the parts and in which order they arrived.
    public static func merged(_ parts: [GrowingHistogram]) -> GrowingHistogram? {
        let filled = parts.filter { !$0.isEmpty }
        guard let seed = filled.first else { return nil }
        precondition(filled.allSatisfy { $0.maxBins == seed.maxBins }, "merging histograms of different sizes")
        var result = GrowingHistogram(maxBins: seed.maxBins)
        result.minimum = filled.map(\.minimum).min()!
        result.maximum = filled.map(\.maximum).max()!
        result.widthExponent = widthExponent(min: result.minimum, max: result.maximum, maxBins: seed.maxBins)
        result.firstBin = bin(Double(result.minimum), result.widthExponent)
        result.counts = [Int](repeating: 0, count: seed.maxBins * TensorReduction.binLanes)
        for part in filled {
            precondition(part.widthExponent <= result.widthExponent, "a part's width exceeds the merged range's")
            let counts = part.rebinned(to: result.widthExponent, firstBin: result.firstBin)
            for j in 0..<counts.count { result.counts[j] += counts[j] }
        }
        return result
    }

    /// The bins from `minimum`'s to `maximum`'s, as a fixed-width histogram (its bounds are bin
    /// edges, so they enclose [minimum, maximum] by less than a bin on each side); nil when empty.
    public var histogram: Histogram? {
        guard !isEmpty else { return nil }
        let used = Self.bin(Double(maximum), widthExponent) - firstBin + 1
        let w = binWidth
        let lanes = TensorReduction.binLanes
        let binCounts = (0..<used).map { j in counts[(j * lanes)..<((j + 1) * lanes)].reduce(0, +) }
        return Histogram(lowerBound: Double(firstBin) * w, upperBound: Double(firstBin + used) * w, counts: binCounts)
    }
}
