// Range setting on known distributions. Errors are measured on the samples themselves with the
// normative domain (QuantDomain: quantize, then dequantize), independently of the histogram model
// the MSE search uses: MSE clipping must beat min/max on Gaussian data with a few outliers, on a
// one-sided heavy-tailed (post-activation) distribution, and on the pre-activation grid it must
// not lose; percentiles land where the distribution puts them.

import Foundation
import NpucGraph
import NpucOptimize
import Testing

/// Mean squared error of quantizing `values` into the 8-bit domain of `range` (docs/QUANTIZATION.md).
func domainError(_ values: [Float], _ range: ClosedRange<Double>, bits: Int = 8) throws -> Double {
    let domain = try QuantDomain(range: range, bits: bits)
    var sum = 0.0
    for v in values {
        let e = domain.dequantize(domain.quantize(Double(v))) - Double(v)
        sum += e * e
    }
    return sum / Double(values.count)
}

@Suite("Range setting")
struct RangeSettingTests {
    /// 1,000,000 standard normal values plus 10 outliers at ±12.
    static let gaussianWithOutliers: [Float] = {
        var random = PrepRandom(seed: 2024)
        var values = random.gaussian(1_000_000)
        for i in 0..<10 { values.append(i % 2 == 0 ? 12 : -12) }
        return values
    }()

    @Test("Gaussian with a few outliers: the MSE range clips them and beats min/max on the domain's quantization error")
    func gaussianOutliers() throws {
        let stats = ValueStatistics(values: Self.gaussianWithOutliers, bins: 2048)
        let minMax = try ActivationRanges.range(of: stats, method: .minMax)
        let mse = try ActivationRanges.range(of: stats, method: .mse)
        #expect(minMax == -12...12)
        #expect(mse.lowerBound > -12 && mse.upperBound < 12 && mse.upperBound > 5, "MSE range \(mse)")
        let eMinMax = try domainError(Self.gaussianWithOutliers, minMax), eMSE = try domainError(Self.gaussianWithOutliers, mse)
        print("Gaussian + 10 outliers at ±12, uint8: min/max \(minMax) MSE \(eMinMax); MSE range \(mse) MSE \(eMSE) (\(eMinMax / eMSE)× lower)")
        #expect(eMSE < 0.9 * eMinMax, "MSE range error \(eMSE) vs min/max \(eMinMax)")
        // The histogram model the search minimizes predicts the measured error within 5 %.
        for range in [minMax, mse] {
            let predicted = QuantizationNoise.expectedSquaredError(stats.histogram!, GridGeometry(range: range, grid: .uint8)!)
            let measured = try domainError(Self.gaussianWithOutliers, range)
            #expect(abs(predicted - measured) <= 0.05 * measured, "\(range): predicted \(predicted), measured \(measured)")
        }
    }

    @Test("a one-sided heavy tail (exponential, post-activation-like): MSE keeps lo at 0 and beats min/max")
    func oneSided() throws {
        var random = PrepRandom(seed: 7)
        let values = random.uniform(500_000, 1e-7...1).map { -Float(log(Double($0))) }  // Exp(1)
        let stats = ValueStatistics(values: values, bins: 2048)
        let mse = try ActivationRanges.range(of: stats, method: .mse)
        #expect(mse.lowerBound == stats.min && mse.upperBound < stats.max)
        let eMinMax = try domainError(values, stats.range), eMSE = try domainError(values, mse)
        print("Exp(1), 500k values, uint8: min/max \(stats.range) MSE \(eMinMax); MSE range \(mse) MSE \(eMSE)")
        #expect(eMSE < eMinMax)
    }

    @Test("the pre-activation (int16, symmetric) grid: MSE never loses to min/max")
    func preActivation() throws {
        let stats = ValueStatistics(values: Self.gaussianWithOutliers, bins: 2048)
        let mse = try ActivationRanges.range(of: stats, method: .mse, grid: .preActivation)
        let expected = { (r: ClosedRange<Double>) in
            QuantizationNoise.expectedSquaredError(stats.histogram!, GridGeometry(range: r, grid: .preActivation)!)
        }
        #expect(expected(mse) <= expected(stats.range))
        let scale = try LookupTables.preActivationScale(range: mse, what: "test")
        var measured = 0.0, baseline = 0.0
        let baseScale = try LookupTables.preActivationScale(range: stats.range, what: "test")
        for v in Self.gaussianWithOutliers {
            let x = Double(v)
            let q = min(max((x / scale).rounded(.toNearestOrAwayFromZero), -32768), 32767)
            let p = min(max((x / baseScale).rounded(.toNearestOrAwayFromZero), -32768), 32767)
            measured += (q * scale - x) * (q * scale - x)
            baseline += (p * baseScale - x) * (p * baseScale - x)
        }
        #expect(measured <= baseline * 1.001, "int16: MSE range \(mse) error \(measured) vs min/max \(baseline)")
    }

    @Test("percentiles of a uniform distribution land within a bin width of the true quantiles")
    func percentiles() throws {
        var random = PrepRandom(seed: 3)
        let values = random.uniform(200_000, 0...1)
        let stats = ValueStatistics(values: values, bins: 2048)
        let r = try ActivationRanges.range(of: stats, method: .percentile(lower: 1, upper: 99))
        #expect(abs(r.lowerBound - 0.01) < 0.002 && abs(r.upperBound - 0.99) < 0.002, "\(r)")
        let sorted = values.sorted()
        let exact = Double(sorted[Int(0.999 * Double(sorted.count))])
        let p999 = ActivationRanges.percentile(stats.histogram!, 0.999)
        #expect(abs(p999 - exact) <= stats.histogram!.binWidth * 2, "\(p999) vs \(exact)")
        #expect(try ActivationRanges.range(of: stats, method: .percentile(lower: 0, upper: 100)) == stats.range)
    }

    @Test("percentile and MSE ranges stay inside the observed [min, max] though the histogram's bin edges lie outside it")
    func insideObserved() throws {
        var random = PrepRandom(seed: 21)
        // Values in [0.3, 0.7] with coarse bins: the end bins reach well below 0.3 and above 0.7.
        let values = random.uniform(10_000, 0.3...0.7) + [0.3, 0.7]
        let stats = ValueStatistics(values: values, bins: 3)
        let h = try #require(stats.histogram)
        #expect(h.lowerBound < stats.min - 0.01 && h.upperBound > stats.max + 0.01, "bins \(h.lowerBound)...\(h.upperBound)")
        #expect(try ActivationRanges.range(of: stats, method: .percentile(lower: 0, upper: 100)) == stats.range)
        let p = try ActivationRanges.range(of: stats, method: .percentile(lower: 0.001, upper: 99.999))
        #expect(stats.range.contains(p.lowerBound) && stats.range.contains(p.upperBound), "\(p)")
        // Without the observed range the end bins would be taken as filled out to their edges.
        #expect(ActivationRanges.percentile(h, 0.00001) < stats.min)
        #expect(ActivationRanges.percentile(h, 0.00001, within: stats.range) >= stats.min)
        for grid in [ActivationGrid.uint8, .preActivation] {
            let m = try ActivationRanges.range(of: stats, method: .mse, grid: grid)
            #expect(stats.range.contains(m.lowerBound) && stats.range.contains(m.upperBound), "\(grid): \(m)")
        }
    }

    @Test("percentile and MSE without a histogram, and bad percentiles, are refused")
    func errors() throws {
        let stats = ValueStatistics(values: [1, 2, 3])
        #expect(throws: RangeSettingError.missingHistogram(value: "conv1_out", method: "MSE")) {
            try ActivationRanges.range(of: stats, method: .mse, value: "conv1_out")
        }
        #expect(throws: RangeSettingError.invalidPercentiles(lower: 5, upper: 1)) {
            try ActivationRanges.range(of: ValueStatistics(values: [1, 2], bins: 4), method: .percentile(lower: 5, upper: 1))
        }
    }

    @Test("ranges for a whole model: a per-value method overrides the default")
    func dictionary() throws {
        let a = ValueStatistics(values: Self.gaussianWithOutliers, bins: 2048)
        let b = ValueStatistics(values: [0, 1, 2, 3])
        let ranges = try ActivationRanges.ranges(["a": a, "b": b], method: .minMax, methods: ["a": .mse])
        #expect(ranges["b"] == 0...3)
        #expect(ranges["a"] == (try ActivationRanges.range(of: a, method: .mse)))
        #expect(ranges["a"] != a.range)
    }
}

@Suite("Weight clipping")
struct WeightClippingTests {
    /// Doc rule: Sw = m / Qw, w_q = Clamp(RoundHalfAway(w / Sw), −Qw, Qw); squared error summed.
    static func error(_ w: [Float], magnitude m: Double, bits: Int) -> Double {
        let qw = Double((1 << (bits - 1)) - 1), s = m / qw
        return w.reduce(0.0) { sum, v in
            let q = min(max((Double(v) / s).rounded(.toNearestOrAwayFromZero), -qw), qw)
            return sum + (q * s - Double(v)) * (q * s - Double(v))
        }
    }

    @Test("per channel, 4-bit MSE magnitudes clip an outlier weight and reconstruct with less error than the max magnitude")
    func fourBit() throws {
        var random = PrepRandom(seed: 99)
        let channels = 8, per = 3 * 3 * 16
        var weights: [Float] = []
        for c in 0..<channels {
            var w = random.gaussian(per, std: 0.05 * Double(c + 1))
            w[c] = Float(0.05 * Double(c + 1) * 8)  // one outlier per channel at 8 σ
            weights += w
        }
        let tensor = Tensor(shape: [channels, 16, 3, 3], float32: weights)
        let m = try WeightClipping.mseMagnitudes(tensor, layout: .outputChannelsFirst, bits: 4)
        #expect(m.count == channels)
        var ratios: [Double] = []
        for c in 0..<channels {
            let w = Array(weights[(c * per)..<((c + 1) * per)])
            let largest = Double(w.map { abs($0) }.max()!)
            #expect(m[c] < largest)
            let clipped = Self.error(w, magnitude: m[c], bits: 4), plain = Self.error(w, magnitude: largest, bits: 4)
            #expect(clipped < 0.9 * plain, "channel \(c): \(clipped) vs \(plain)")
            ratios.append(clipped / plain)
        }
        print("4-bit weights with an 8σ outlier per channel: MSE-clipped error / max-magnitude error per channel \(ratios.map { (($0 * 1000).rounded() / 1000) })")
    }

    @Test("8-bit magnitudes never lose to the max magnitude; an all-zero channel gets 0")
    func eightBit() throws {
        var random = PrepRandom(seed: 5)
        var weights = random.gaussian(2 * 64)
        for i in 64..<128 { weights[i] = 0 }
        let m = try WeightClipping.mseMagnitudes(Tensor(shape: [2, 64], float32: weights), layout: .outputChannelsFirst, bits: 8)
        let w = Array(weights[0..<64]), largest = Double(w.map { abs($0) }.max()!)
        #expect(m[0] <= largest && Self.error(w, magnitude: m[0], bits: 8) <= Self.error(w, magnitude: largest, bits: 8))
        #expect(m[1] == 0)
        #expect(throws: RangeSettingError.self) {
            try WeightClipping.mseMagnitudes(Tensor(shape: [1, 2], float32: [1, .nan]), layout: .outputChannelsFirst, bits: 8)
        }
    }
}
