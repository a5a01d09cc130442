// Reference resize (nearest, linear, cubic; antialias, exclude_outside, every coordinate
// transformation) following ONNX's definition: per axis, each output coordinate maps to a source
// coordinate x; the n input indices nearest to x (ties to the smaller index, edge-padded by
// ⌈n/2⌉) are weighted by the mode's coefficients for the fractional part of x; the N-D result is
// the 1-D interpolation applied axis by axis (innermost first), in Double.

import Foundation
import NpucGraph

/// The taps of one output coordinate along one axis: input indices (clamped to the axis) and
/// weights, or nil when tf_crop_and_resize extrapolates there.
public typealias ResizeTaps = [(index: Int, weight: Double)]?

extension ReferenceKernels {
    /// The taps of every output coordinate along `axis` for an input of `inputLength`.
    public static func resizeTaps(_ op: Resize, axis: Int, inputLength: Int) -> [ResizeTaps] {
        (0..<op.outputShape[axis]).map { o in
            let x = op.sourceCoordinate(o, axis: axis, inputLength: inputLength)
            if op.isExtrapolated(x, inputLength: inputLength) { return nil }
            let floorX = x.rounded(.down)
            let ratio = x == floorX ? 1.0 : x - floorX
            var weights = resizeCoefficients(op, ratio: ratio, scale: op.scales[axis])
            let n = weights.count
            let padding = (n + 1) / 2
            let indices = nearestIndices(to: x, count: n, lowest: -padding, end: inputLength + padding)
            if op.excludeOutside {
                for (k, i) in indices.enumerated() where i < 0 || i >= inputLength { weights[k] = 0 }
                let sum = weights.reduce(0, +)
                weights = weights.map { $0 / sum }
            }
            var taps = [(index: Int, weight: Double)]()
            for (k, i) in indices.enumerated() {
                // Nearest mode selects one neighbor; the other's zero weight is not a term.
                if op.mode == .nearest && weights[k] == 0 { continue }
                taps.append((min(max(i, 0), inputLength - 1), weights[k]))
            }
            return taps
        }
    }

    /// The `count` integers in [lowest, end) nearest to x, ties to the smaller, in ascending order.
    static func nearestIndices(to x: Double, count: Int, lowest: Int, end: Int) -> [Int] {
        let center = Int(x.rounded(.down))
        let candidates = Array(max(lowest, center - count - 1)..<max(lowest, min(end, center + count + 2)))
        let chosen = candidates.sorted { a, b in
            let da = abs(x - Double(a)), db = abs(x - Double(b))
            return da != db ? da < db : a < b
        }.prefix(count)
        if chosen.count == count { return chosen.sorted() }
        // x lies far outside the padded axis: the nearest ones are at its end.
        let all = Array(lowest..<end).sorted { abs(x - Double($0)) != abs(x - Double($1)) ? abs(x - Double($0)) < abs(x - Double($1)) : $0 < $1 }
        return Array(all.prefix(count)).sorted()
    }

    /// The interpolation weights of the mode for fractional position `ratio` ∈ (0, 1] (1 when
    /// the source coordinate is an integer).
    static func resizeCoefficients(_ op: Resize, ratio: Double, scale: Double) -> [Double] {
        switch op.mode {
        case .nearest:
            if ratio == 1 { return [0, 1] }
            switch op.nearestMode {
            case .roundPreferFloor: return ratio <= 0.5 ? [1, 0] : [0, 1]
            case .roundPreferCeil: return ratio < 0.5 ? [1, 0] : [0, 1]
            case .floor: return [1, 0]
            case .ceil: return [0, 1]
            }
        case .linear:
            guard op.antialias else { return [1 - ratio, ratio] }
            let s = min(scale, 1)
            let start = Int((-1 / s).rounded(.down)) + 1
            let footprint = 2 - 2 * start
            let weights = (start..<(start + footprint)).map { i in min(max(1 - abs((Double(i) - ratio) * s), 0), 1) }
            let sum = weights.reduce(0, +)
            return weights.map { $0 / sum }
        case .cubic:
            let a = Double(op.cubicCoefficientA)
            guard op.antialias else {
                let r1 = ratio + 1, q = 1 - ratio, q1 = q + 1
                return [((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a,
                        ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1,
                        ((a + 2) * q - (a + 3)) * q * q + 1,
                        ((a * q1 - 5 * a) * q1 + 8 * a) * q1 - 4 * a]
            }
            let s = min(scale, 1)
            func kernel(_ v: Double) -> Double {
                let x = abs(v), x2 = x * x, x3 = x * x2
                if x <= 1 { return (a + 2) * x3 - (a + 3) * x2 + 1 }
                if x < 2 { return a * x3 - 5 * a * x2 + 8 * a * x - 4 * a }
                return 0
            }
            let start = Int((-2 / s).rounded(.down)) + 1
            let end = 2 - start
            let weights = (start..<end).map { i in kernel(s * (Double(i) - ratio)) }
            let sum = weights.reduce(0, +)
            return weights.map { $0 / sum }
        }
    }

    public static func resize(_ op: Resize, x: FloatView, y: MutableFloatView) {
        let rank = x.shape.count
        let taps = (0..<rank).map { resizeTaps(op, axis: $0, inputLength: x.shape[$0]) }
        let xStrides = x.strides
        let extrapolation = Double(op.extrapolationValue)
        var odometer = IndexOdometer(y.shape)
        var i = 0
        func value(_ axis: Int, _ offset: Int, _ o: [Int]) -> Double {
            if axis == rank { return Double(x[offset]) }
            guard let axisTaps = taps[axis][o[axis]] else { return extrapolation }
            var sum = 0.0
            for tap in axisTaps {
                sum += tap.weight * value(axis + 1, offset + tap.index * xStrides[axis], o)
            }
            return sum
        }
        while !odometer.done {
            y[i] = Float(value(0, 0, odometer.index))
            i += 1
            odometer.advance()
        }
    }
}
