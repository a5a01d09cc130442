// MSE weight clipping: per output channel, the clipped largest magnitude m[c] for which the
// doc's symmetric weight grid (Sw = m / Qw, w_q = Clamp(RoundHalfAway(w / Sw), −Qw, Qw),
// Qw = 2^(b−1) − 1) reconstructs the channel's weights with the least squared error. The error
// is computed on the weights themselves (no histogram). Candidates: m = M·k/64 for k in 16…64
// (M the channel's largest magnitude, which stays a candidate, so clipping never loses to plain
// max-magnitude scaling), then 32 finer steps around the best. The quantizer takes m[c] in place
// of M when it computes Sw[c]. Most useful at 4 bits; at 8 bits clipping rarely pays.

import Dispatch
import Foundation
import NpucGraph

public enum WeightClipping {
    /// m[c] per output channel of `weights` (laid out as `layout` says) for `bits`-bit weights;
    /// 0 for an all-zero channel. Throws when a weight is NaN or infinite.
    public static func mseMagnitudes(_ weights: Tensor, layout: WeightLayout, bits: Int,
                                     name: String = "weights") throws(RangeSettingError) -> [Double] {
        guard (2...16).contains(bits) else { throw .invalidBits(bits) }
        guard weights.allFinite else { throw .nonFinite(value: name) }
        let (channelOf, count) = layout.channels(shape: weights.shape)
        let values = weights.floats
        var perChannel = [[Float]](repeating: [], count: count)
        for (i, v) in values.enumerated() { perChannel[channelOf[i]].append(v) }
        let qw = Double((1 << (bits - 1)) - 1)
        let channels = perChannel
        let results = MagnitudeSlots(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { c in
            results.set(c, mseMagnitude(channels[c], levels: qw))
        }
        return results.values
    }

    /// The clipped magnitude of one channel's weights for a grid of ±`levels` steps.
    public static func mseMagnitude(_ weights: [Float], levels qw: Double) -> Double {
        let largest = Double(weights.map { abs($0) }.max() ?? 0)
        guard largest > 0 else { return 0 }
        func cost(_ m: Double) -> Double {
            let step = m / qw
            var sum = 0.0
            for w in weights {
                let x = Double(w)
                let q = Swift.min(Swift.max((x / step).rounded(.toNearestOrAwayFromZero), -qw), qw)
                let e = q * step - x
                sum += e * e
            }
            return sum
        }
        let coarse = 64
        var best = largest, bestCost = cost(largest), bestIndex = coarse
        for k in stride(from: coarse - 1, through: coarse / 4, by: -1) {
            let m = largest * Double(k) / Double(coarse)
            let c = cost(m)
            if c < bestCost { (best, bestCost, bestIndex) = (m, c, k) }
        }
        let low = largest * Double(bestIndex - 1) / Double(coarse)
        let high = largest * Double(Swift.min(bestIndex + 1, coarse)) / Double(coarse)
        for k in 1..<32 {
            let m = low + (high - low) * Double(k) / 32
            let c = cost(m)
            if c < bestCost { (best, bestCost) = (m, c) }
        }
        return best
    }
}

private final class MagnitudeSlots: @unchecked Sendable {
    private var slots: [Double]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: 0, count: count) }
    func set(_ i: Int, _ v: Double) { lock.withLock { slots[i] = v } }
    var values: [Double] { lock.withLock { slots } }
}
