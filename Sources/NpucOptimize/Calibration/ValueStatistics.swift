// What calibration records per tensor: minimum, maximum, element count, sum and sum of squares
// (mean and spread), and — when an algorithm needs it — a fixed-bin histogram over [min, max].

public struct ValueStatistics: Sendable, Hashable, Codable {
    public var min: Double
    public var max: Double
    /// Elements observed (samples × elements per sample).
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double
    /// Fixed-width bins over [min, max]; nil unless requested.
    public var histogram: Histogram?

    public init(min: Double, max: Double, count: Int, sum: Double, sumOfSquares: Double, histogram: Histogram? = nil) {
        self.min = min
        self.max = max
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.histogram = histogram
    }

    /// Statistics of `values` computed directly (for weights and tests), with `bins` histogram
    /// bins when `bins > 0`.
    public init(values: [Float], bins: Int = 0) {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, squares = 0.0
        for v in values {
            let d = Double(v)
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
            sum += d
            squares += d * d
        }
        if values.isEmpty { (lo, hi) = (0, 0) }
        self.init(min: lo, max: hi, count: values.count, sum: sum, sumOfSquares: squares,
                  histogram: bins > 0 ? Histogram(values: values, lowerBound: lo, upperBound: hi, bins: bins) : nil)
    }

    public var range: ClosedRange<Double> { min...max }
    public var mean: Double { count > 0 ? sum / Double(count) : 0 }
    public var standardDeviation: Double {
        guard count > 0 else { return 0 }
        let m = mean
        return Swift.max(0, sumOfSquares / Double(count) - m * m).squareRoot()
    }
}

/// Counts of values in `counts.count` equal-width bins over [lowerBound, upperBound]; a value
/// equal to the upper bound falls in the last bin.
public struct Histogram: Sendable, Hashable, Codable {
    public var lowerBound: Double
    public var upperBound: Double
    public var counts: [Int]

    public init(lowerBound: Double, upperBound: Double, counts: [Int]) {
        precondition(!counts.isEmpty && upperBound >= lowerBound, "a histogram needs bins over an ordered range")
        self.lowerBound = lowerBound
        self.upperBound = upperBound
        self.counts = counts
    }

    /// The histogram of `values` over [lowerBound, upperBound] (values outside go to the end bins).
    public init(values: [Float], lowerBound: Double, upperBound: Double, bins: Int) {
        var counts = [Int](repeating: 0, count: Swift.max(bins, 1))
        values.withUnsafeBufferPointer { buffer in
            counts.withUnsafeMutableBufferPointer { c in
                TensorReduction.accumulateHistogram(buffer, lowerBound: lowerBound, upperBound: upperBound, into: c)
            }
        }
        self.init(lowerBound: lowerBound, upperBound: upperBound, counts: counts)
    }

    public var binCount: Int { counts.count }
    public var binWidth: Double { (upperBound - lowerBound) / Double(counts.count) }
    public var total: Int { counts.reduce(0, +) }

    /// The interval bin `i` covers.
    public func bin(_ i: Int) -> ClosedRange<Double> {
        (lowerBound + Double(i) * binWidth)...(i == counts.count - 1 ? upperBound : lowerBound + Double(i + 1) * binWidth)
    }
}
