// What calibration records per tensor: minimum, maximum, element count, sum and sum of squares
// (mean and spread), and — when an algorithm needs it — a histogram (GrowingHistogram's bins of
// power-of-two width, enclosing [min, max]).

public struct ValueStatistics: Sendable, Hashable, Codable {
    public var min: Double
    public var max: Double
    /// Elements observed (samples × elements per sample).
    public var count: Int
    public var sum: Double
    public var sumOfSquares: Double
    /// Equal bins whose bounds enclose [min, max] by less than a bin on each side; nil unless
    /// requested.
    public var histogram: Histogram?

    public init(min: Double, max: Double, count: Int, sum: Double, sumOfSquares: Double, histogram: Histogram? = nil) {
        self.min = min
        self.max = max
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
        self.histogram = histogram
    }

    /// Statistics of `values` computed directly (for weights and tests), with the histogram the
    /// calibrator would build (`CalibrationOptions.histogramBins` = `bins`) when `bins > 0` and
    /// every value is finite.
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
        var histogram: Histogram?
        if bins > 0, lo.isFinite, hi.isFinite {
            var growing = GrowingHistogram(maxBins: 2 * bins)
            growing.add(values)
            histogram = growing.histogram
        }
        self.init(min: lo, max: hi, count: values.count, sum: sum, sumOfSquares: squares, histogram: histogram)
    }

    public var range: ClosedRange<Double> { min...max }
    public var mean: Double { count > 0 ? sum / Double(count) : 0 }
    public var standardDeviation: Double {
        guard count > 0 else { return 0 }
        let m = mean
        return Swift.max(0, sumOfSquares / Double(count) - m * m).squareRoot()
    }
}

/// Counts of values in `counts.count` equal-width bins over [lowerBound, upperBound].
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

    public var binCount: Int { counts.count }
    public var binWidth: Double { (upperBound - lowerBound) / Double(counts.count) }
    public var total: Int { counts.reduce(0, +) }

    /// The interval bin `i` covers.
    public func bin(_ i: Int) -> ClosedRange<Double> {
        (lowerBound + Double(i) * binWidth)...(i == counts.count - 1 ? upperBound : lowerBound + Double(i + 1) * binWidth)
    }
}
