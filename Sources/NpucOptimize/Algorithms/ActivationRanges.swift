// Range setting: from calibration statistics to the [lo, hi] the quantizer turns into domains.
//   - min/max: the observed extremes (nothing clipped).
//   - percentile: the lower and upper percentiles of the histogram (linear inside a bin), which
//     ignores rare outliers.
//   - MSE: the range whose grid (docs/QUANTIZATION.md: unsigned with a zero point, or the signed
//     16-bit pre-activation grid) minimizes the expected squared error of the histogram's values,
//     rounding and clipping together (`QuantizationNoise`). The search runs over each bound in
//     turn (the other fixed): a coarse geometric sweep of 64 candidates from the bound's extreme
//     down to a thousandth of it, then 32 between the best candidate's neighbours, twice. Min/max is always among the
//     candidates, so the result is never worse than min/max by the model's own measure.
// Percentile and MSE need histograms (`Calibrator.collect(_:histograms:)`). A histogram's bounds
// are bin edges that may lie outside the observed [min, max] (GrowingHistogram); the end bins are
// taken as holding values between the observed extreme and their inner edge only, and no range is
// ever wider than [min, max].

import Dispatch
import Foundation
import NpucGraph

public enum RangeMethod: Sendable, Hashable {
    case minMax
    /// Percentiles in percent (e.g. 0.01 and 99.99).
    case percentile(lower: Double, upper: Double)
    case mse
}

public enum RangeSettingError: Error, Hashable, Sendable, CustomStringConvertible {
    case missingHistogram(value: String, method: String)
    case invalidPercentiles(lower: Double, upper: Double)
    case nonFinite(value: String)
    case invalidBits(Int)

    public var description: String {
        switch self {
        case .missingHistogram(let value, let method):
            return "\(method) range setting needs a histogram of '\(value)'; calibrate with histograms for it"
        case .invalidPercentiles(let lower, let upper):
            return "percentiles \(lower) and \(upper) are not 0 ≤ lower ≤ upper ≤ 100"
        case .nonFinite(let value):
            return "'\(value)' has a non-finite calibrated range (NaN or infinity in the data or weights?)"
        case .invalidBits(let bits):
            return "weights of \(bits) bits are not supported; use 4, 8 or 16"
        }
    }
}

public enum ActivationRanges {
    /// The range of one value.
    public static func range(of statistics: ValueStatistics, method: RangeMethod, grid: ActivationGrid = .uint8,
                             value: String = "value") throws(RangeSettingError) -> ClosedRange<Double> {
        guard statistics.min.isFinite, statistics.max.isFinite else { throw .nonFinite(value: value) }
        switch method {
        case .minMax:
            return statistics.range
        case .percentile(let lower, let upper):
            guard lower >= 0, upper <= 100, lower <= upper else { throw .invalidPercentiles(lower: lower, upper: upper) }
            guard let h = statistics.histogram else { throw .missingHistogram(value: value, method: "percentile") }
            return percentile(h, lower / 100, within: statistics.range)...percentile(h, upper / 100, within: statistics.range)
        case .mse:
            guard let h = statistics.histogram else { throw .missingHistogram(value: value, method: "MSE") }
            return mseRange(h, within: statistics.range, grid: grid)
        }
    }

    /// Ranges of every value in `statistics`: `methods[name]` or `method`, on `grids[name]` or `.uint8`.
    /// Values are processed in parallel; the result does not depend on the order.
    public static func ranges(_ statistics: [String: ValueStatistics], method: RangeMethod,
                              methods: [String: RangeMethod] = [:], grids: [String: ActivationGrid] = [:])
        throws(RangeSettingError) -> [String: ClosedRange<Double>] {
        let names = statistics.keys.sorted()
        let results = RangeSlots(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let name = names[i]
            do throws(RangeSettingError) {
                let r = try range(of: statistics[name]!, method: methods[name] ?? method, grid: grids[name] ?? .uint8, value: name)
                results.set(i, .success(r))
            } catch {
                results.set(i, .failure(error))
            }
        }
        var out: [String: ClosedRange<Double>] = [:]
        for (i, name) in names.enumerated() {
            switch results.get(i) {
            case .success(let r): out[name] = r
            case .failure(let e): throw e
            }
        }
        return out
    }

    // MARK: Percentile

    /// The value below which a fraction `p` of the histogram's mass lies (linear inside a bin),
    /// in `observed` (the values' true [min, max]; the histogram's bounds when nil): the bins are
    /// cut to it, so a result never lies outside it.
    public static func percentile(_ h: Histogram, _ p: Double, within observed: ClosedRange<Double>? = nil) -> Double {
        let bounds = observed.map { $0.clamped(to: h.lowerBound...h.upperBound) } ?? h.lowerBound...h.upperBound
        let total = Double(h.total)
        guard total > 0, h.binWidth > 0 else { return bounds.lowerBound }
        if p <= 0 { return bounds.lowerBound }
        if p >= 1 { return bounds.upperBound }
        let target = p * total
        var below = 0.0
        for (i, c) in h.counts.enumerated() where c > 0 {
            let next = below + Double(c)
            if next >= target {
                let fraction = (target - below) / Double(c)
                let bin = h.bin(i).clamped(to: bounds)
                return bin.lowerBound + fraction * (bin.upperBound - bin.lowerBound)
            }
            below = next
        }
        return bounds.upperBound
    }

    // MARK: MSE

    /// The range inside `observed` (the values' true [min, max]; the histogram's bounds when nil)
    /// minimizing the expected squared quantization error of `h` on `grid`.
    public static func mseRange(_ h: Histogram, within observed: ClosedRange<Double>? = nil, grid: ActivationGrid) -> ClosedRange<Double> {
        let bounds = observed.map { $0.clamped(to: h.lowerBound...h.upperBound) } ?? h.lowerBound...h.upperBound
        let lo0 = bounds.lowerBound, hi0 = bounds.upperBound
        func cost(_ lo: Double, _ hi: Double) -> Double {
            // A candidate bound past the other one (data on one side of 0) is no range.
            guard lo <= hi, let g = GridGeometry(range: lo...hi, grid: grid) else { return .infinity }
            return QuantizationNoise.expectedSquaredError(h, g)
        }
        if case .preActivation = grid {
            // One parameter: the magnitude m; the range is the data's range clipped to ±m.
            let extreme = Swift.max(abs(lo0), abs(hi0))
            guard extreme > 0 else { return lo0...hi0 }
            let m = search(from: extreme) { m in cost(Swift.max(lo0, -m), Swift.min(hi0, m)) }
            return Swift.max(lo0, -m)...Swift.min(hi0, m)
        }
        var lo = lo0, hi = hi0
        for _ in 0..<2 {
            if hi0 > 0 { hi = search(from: hi0) { cost(lo, $0) } }
            if lo0 < 0 { lo = -search(from: -lo0) { cost(-$0, hi) } }
        }
        return Swift.min(lo, hi)...Swift.max(lo, hi)
    }

    /// The magnitude in (0, extreme] minimizing `cost` (extreme itself is a candidate): a coarse
    /// geometric sweep from `extreme` down to extreme/1000 (heavy tails put the optimum far below
    /// the extreme), then a linear one between the best candidate's neighbours.
    static func search(from extreme: Double, _ cost: (Double) -> Double) -> Double {
        let coarse = 64
        let ratio = Foundation.pow(1000.0, 1.0 / Double(coarse - 1))
        var candidates = [extreme]
        for _ in 1..<coarse { candidates.append(candidates.last! / ratio) }
        var best = extreme, bestCost = cost(extreme), bestIndex = 0
        for k in 1..<coarse {
            let c = cost(candidates[k])
            if c < bestCost { (best, bestCost, bestIndex) = (candidates[k], c, k) }
        }
        let high = bestIndex == 0 ? extreme : candidates[bestIndex - 1]
        let low = bestIndex == coarse - 1 ? 0 : candidates[bestIndex + 1]
        let fine = 32
        for k in 1..<fine {
            let m = low + (high - low) * Double(k) / Double(fine)
            guard m > 0 else { continue }
            let c = cost(m)
            if c < bestCost { (best, bestCost) = (m, c) }
        }
        return best
    }
}

/// Results written by concurrent workers, one slot each.
private final class RangeSlots: @unchecked Sendable {
    private var slots: [Result<ClosedRange<Double>, RangeSettingError>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<ClosedRange<Double>, RangeSettingError>) { lock.withLock { slots[i] = r } }
    func get(_ i: Int) -> Result<ClosedRange<Double>, RangeSettingError> { lock.withLock { slots[i]! } }
}
