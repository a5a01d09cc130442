// The calibrator's one-pass histograms: whatever the chunking, the order and the number of
// workers the values are spread over, the merged histogram equals binning all the values at once
// at the final width (computed here independently, in double); the width is the smallest power
// of two with at most maxBins bins over [min, max]; degenerate data (constants, zeros, a single
// value) gets a valid histogram.

import Foundation
import NpucOptimize
import Testing

@Suite("Growing histogram")
struct GrowingHistogramTests {
    /// Bin counts of `values` at width 2^e from bin floor(min / 2^e) to floor(max / 2^e), by
    /// plain double arithmetic.
    static func oneShot(_ values: [Float], exponent e: Int) -> (first: Int, counts: [Int]) {
        let w = pow(2.0, Double(e))
        let bins = values.map { Int((Double($0) / w).rounded(.down)) }
        let first = bins.min()!, last = bins.max()!
        var counts = [Int](repeating: 0, count: last - first + 1)
        for b in bins { counts[b - first] += 1 }
        return (first, counts)
    }

    /// `values` split into `workers` interleaved shares, each fed in chunks of `chunk` (in
    /// reverse chunk order when `reversed`), then merged.
    static func grown(_ values: [Float], workers: Int, chunk: Int, reversed: Bool, maxBins: Int) -> GrowingHistogram? {
        var parts = [GrowingHistogram](repeating: GrowingHistogram(maxBins: maxBins), count: workers)
        var chunks: [[Float]] = stride(from: 0, to: values.count, by: chunk).map { Array(values[$0..<min(values.count, $0 + chunk)]) }
        if reversed { chunks.reverse() }
        for (i, c) in chunks.enumerated() { parts[i % workers].add(c) }
        return GrowingHistogram.merged(parts)
    }

    /// Gaussian values whose spread grows along the array (so later chunks widen the range),
    /// plus outliers on both sides.
    static func widening(seed: UInt64, count: Int) -> [Float] {
        var random = PrepRandom(seed: seed)
        var values = random.gaussian(count, mean: 0.3, std: 1)
        for i in values.indices { values[i] *= Float(1 + 40 * i / count) }
        values[count / 3] = -700.25
        values[count - 5] = 1234.5
        return values
    }

    @Test("merged histograms equal one-shot binning at the final width for any chunking, order and worker count",
          arguments: [(1, 1_000, false), (1, 7, true), (2, 16, false), (2, 33, true), (3, 4_096, false), (5, 1, false)])
    func orderIndependent(workers: Int, chunk: Int, reversed: Bool) throws {
        let values = Self.widening(seed: 11, count: 20_000)
        let maxBins = 256
        let h = try #require(Self.grown(values, workers: workers, chunk: chunk, reversed: reversed, maxBins: maxBins))
        let e = GrowingHistogram.widthExponent(min: values.min()!, max: values.max()!, maxBins: maxBins)
        #expect(h.widthExponent == e)
        #expect(h.minimum == values.min()! && h.maximum == values.max()!)
        let expected = Self.oneShot(values, exponent: e)
        let histogram = try #require(h.histogram)
        #expect(histogram.counts == expected.counts)
        #expect(histogram.lowerBound == Double(expected.first) * pow(2.0, Double(e)))
        #expect(histogram.upperBound == Double(expected.first + expected.counts.count) * pow(2.0, Double(e)))
        #expect(histogram.total == values.count)
    }

    @Test("the same histogram whichever way the data is split (narrow first, wide first, one worker each)")
    func splits() throws {
        var random = PrepRandom(seed: 5)
        let narrow = random.uniform(3_000, -0.01...0.02), wide = random.gaussian(3_000, mean: -3, std: 50)
        var a = GrowingHistogram(maxBins: 64), b = GrowingHistogram(maxBins: 64)
        a.add(narrow)
        a.add(wide)
        b.add(wide)
        b.add(narrow)
        var c1 = GrowingHistogram(maxBins: 64), c2 = GrowingHistogram(maxBins: 64)
        c1.add(narrow)
        c2.add(wide)
        let c = try #require(GrowingHistogram.merged([c1, GrowingHistogram(maxBins: 64), c2]))
        #expect(a.histogram == b.histogram && a.histogram == c.histogram)
        #expect(a.widthExponent == b.widthExponent && a.widthExponent == c.widthExponent)
        // The narrow share alone had a much finer width; the merge brought it to the wide one's.
        #expect(c1.widthExponent < c.widthExponent)
        #expect(try #require(a.histogram).counts == Self.oneShot(narrow + wide, exponent: a.widthExponent).counts)
    }

    @Test("the width is the smallest power of two with at most maxBins bins over [min, max]")
    func smallestWidth() {
        for (lo, hi) in [(Float(-0.27846), Float(7.32)), (0, 255), (-50.47, 3.589), (1e-3, 2e-3), (-1e6, 1e6), (0, 1)] {
            for maxBins in [2, 3, 100, 4096] {
                let e = GrowingHistogram.widthExponent(min: lo, max: hi, maxBins: maxBins)
                let span = { (e: Int) in GrowingHistogram.bin(Double(hi), e) - GrowingHistogram.bin(Double(lo), e) + 1 }
                #expect(span(e) <= maxBins, "[\(lo), \(hi)] maxBins \(maxBins): \(span(e)) bins at 2^\(e)")
                #expect(span(e - 1) > maxBins, "[\(lo), \(hi)] maxBins \(maxBins): 2^\(e - 1) also fits")
            }
        }
        // Exact bin edges, negative values included: floor, not truncation.
        #expect(GrowingHistogram.bin(-0.5, 0) == -1 && GrowingHistogram.bin(-1, 0) == -1 && GrowingHistogram.bin(-1.5, 1) == -1)
        #expect(GrowingHistogram.bin(0.75, -2) == 3 && GrowingHistogram.bin(-0.0, 3) == 0)
    }

    @Test("constants, zeros and a single value give one bin around the value; no bins finer than the values' float resolution")
    func degenerate() throws {
        var zeros = GrowingHistogram(maxBins: 16)
        zeros.add([Float](repeating: 0, count: 100))
        zeros.add([-0.0])
        let z = try #require(zeros.histogram)
        #expect(z.counts == [101] && z.lowerBound == 0 && z.upperBound > 0)

        var constant = GrowingHistogram(maxBins: 4096)
        constant.add([Float](repeating: 1000.5, count: 10))
        let c = try #require(constant.histogram)
        #expect(c.counts == [10] && c.lowerBound <= 1000.5 && c.upperBound > 1000.5)
        // Width at least 2^-20 of the magnitude's power of two (2^9 here): 2^-11.
        #expect(constant.widthExponent == -11)

        var nearby = GrowingHistogram(maxBins: 4096)
        nearby.add([1000, 1000.0001, 1000.001])
        #expect(try #require(nearby.histogram).total == 3)
        #expect(nearby.widthExponent == -11)

        var empty = GrowingHistogram(maxBins: 8)
        empty.add([])
        empty.add([.nan, .infinity])
        #expect(empty.isEmpty && empty.histogram == nil)
        #expect(GrowingHistogram.merged([empty, GrowingHistogram(maxBins: 8)]) == nil)
    }

    @Test("ValueStatistics(values:bins:) builds the calibrator's histogram: at most 2 × bins bins enclosing [min, max]")
    func statistics() throws {
        var random = PrepRandom(seed: 9)
        let values = random.gaussian(50_000, mean: 2, std: 3)
        let stats = ValueStatistics(values: values, bins: 100)
        let h = try #require(stats.histogram)
        #expect(h.binCount <= 200 && h.binCount > 100)
        #expect(h.lowerBound <= stats.min && h.upperBound > stats.max && stats.min - h.lowerBound < h.binWidth)
        let e = GrowingHistogram.widthExponent(min: values.min()!, max: values.max()!, maxBins: 200)
        #expect(h.binWidth == pow(2.0, Double(e)) && h.counts == Self.oneShot(values, exponent: e).counts)
    }
}
