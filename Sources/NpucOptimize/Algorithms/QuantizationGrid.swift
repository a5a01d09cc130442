// The grid of reals an activation range turns into under docs/QUANTIZATION.md, and the expected
// squared error of quantizing a histogram's values onto it (rounding inside the grid, clipping
// outside) — the quantity the MSE range search minimizes.
//
// Two grids exist: the unsigned domain of every activation tensor (`QuantDomain(range:bits:)`:
// S = (hi' − lo') / Q, zero point Z, points S·(q − Z) for q ∈ [0, Q]) and the signed 16-bit
// pre-activation domain of lookup epilogues (S = max(|lo|, |hi|) / 32767, points S·k for
// k ∈ [−32768, 32767]). Both are evenly spaced points g0 + S·j, j ∈ [0, J].
//
// Values inside a histogram bin are taken as uniformly spread over the bin. The error of x is
// (x − g0)² below the grid, (x − g_J)² above it, and S²·min(f, 1 − f)² inside it (f the fraction
// of x between its two grid points); its antiderivative Φ has a closed form, so a bin's
// expected error is count · (Φ(b) − Φ(a)) / (b − a) and a whole histogram costs one Φ per edge.

import NpucGraph

/// Which grid a range becomes.
public enum ActivationGrid: Sendable, Hashable {
    /// An activation tensor: unsigned `bits` (8 or 16) with a zero point.
    case unsigned(bits: Int)
    /// The signed 16-bit pre-activation domain of a lookup epilogue (zero point 0, symmetric).
    case preActivation

    public static let uint8 = ActivationGrid.unsigned(bits: 8)
}

/// Evenly spaced points g0 + S·j, j ∈ [0, J].
public struct GridGeometry: Sendable, Hashable {
    public var step: Double
    public var first: Double
    public var intervals: Int
    public var last: Double { first + step * Double(intervals) }

    /// The grid `range` becomes under `grid`, by the doc's rules (nil when `range` is not finite
    /// or the bit width is not 8 or 16).
    public init?(range: ClosedRange<Double>, grid: ActivationGrid) {
        switch grid {
        case .unsigned(let bits):
            guard let domain = try? QuantDomain(range: range, bits: bits) else { return nil }
            step = domain.scale
            first = -domain.scale * Double(domain.zeroPoint)
            intervals = domain.maxQ
        case .preActivation:
            guard let scale = try? LookupTables.preActivationScale(range: range, what: "range") else { return nil }
            step = scale
            first = -scale * 32768
            intervals = 65535
        }
    }

    /// The squared error of quantizing `x` onto this grid.
    public func squaredError(_ x: Double) -> Double {
        if x <= first { return (first - x) * (first - x) }
        if x >= last { return (x - last) * (x - last) }
        let t = (x - first) / step
        let f = t - t.rounded(.down)
        let d = Swift.min(f, 1 - f) * step
        return d * d
    }

    /// ∫ from −∞-ish (the grid's start) of the squared error: the antiderivative Φ with Φ(first) = 0.
    func antiderivative(_ x: Double) -> Double {
        if x <= first {
            let d = first - x
            return -d * d * d / 3
        }
        let cube = step * step * step
        if x >= last {
            let d = x - last
            return cube * Double(intervals) / 12 + d * d * d / 3
        }
        let t = (x - first) / step
        let n = t.rounded(.down)
        let f = t - n
        let g = f <= 0.5 ? f * f * f / 3 : 1.0 / 12 - (1 - f) * (1 - f) * (1 - f) / 3
        return cube * (n / 12 + g)
    }
}

public enum QuantizationNoise {
    /// The mean squared error per value of quantizing the histogram's values onto `geometry`.
    public static func expectedSquaredError(_ histogram: Histogram, _ geometry: GridGeometry) -> Double {
        let total = histogram.total
        guard total > 0 else { return 0 }
        let width = histogram.binWidth
        if width <= 0 {
            return geometry.squaredError(histogram.lowerBound)
        }
        var sum = 0.0
        var previous = geometry.antiderivative(histogram.lowerBound)
        for (i, count) in histogram.counts.enumerated() {
            let edge = i == histogram.counts.count - 1 ? histogram.upperBound : histogram.lowerBound + Double(i + 1) * width
            let next = geometry.antiderivative(edge)
            if count > 0 { sum += Double(count) * (next - previous) }
            previous = next
        }
        return Swift.max(0, sum / width / Double(total))
    }

    /// The mean squared error of quantizing `values` onto the grid of `range` exactly (no
    /// histogram): the measure tests and analyses use.
    public static func measuredSquaredError(_ values: [Float], range: ClosedRange<Double>, grid: ActivationGrid) -> Double? {
        guard let geometry = GridGeometry(range: range, grid: grid), !values.isEmpty else { return nil }
        var sum = 0.0
        for v in values { sum += geometry.squaredError(Double(v)) }
        return sum / Double(values.count)
    }
}
