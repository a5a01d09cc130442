// Weights and biases (docs/QUANTIZATION.md, "Weights and biases"): per-output-channel symmetric
// integer weights of 4, 8 or 16 bits, biases in the accumulator's scale with overflow checks,
// and the accumulator's worst case.

import NpucGraph

/// How a weight tensor's elements map to output channels.
public enum WeightLayout: Hashable, Sendable, Codable {
    /// Output channel = index along axis 0 (convolution [M, C/g, k…], dense [M, K]).
    case outputChannelsFirst
    /// Transposed convolution [C, M/g, k…]: output channel = (c / (C/g)) · (M/g) + j.
    case convTranspose(group: Int)

    /// The output channel of every element of a weight tensor of `shape`, and the channel count.
    func channels(shape: [Int]) -> (channelOf: [Int], count: Int) {
        let total = shape.reduce(1, *)
        switch self {
        case .outputChannelsFirst:
            let count = shape.first ?? 1
            let per = count == 0 ? 0 : total / count
            return ((0..<total).map { per == 0 ? 0 : $0 / per }, count)
        case .convTranspose(let group):
            let c = shape[0], mg = shape[1]
            let taps = shape.dropFirst(2).reduce(1, *)
            let cg = Swift.max(c / Swift.max(group, 1), 1)
            let channelOf = (0..<total).map { i -> Int in
                let inChannel = i / (mg * taps), j = (i / taps) % mg
                return (inChannel / cg) * mg + j
            }
            return (channelOf, mg * group)
        }
    }
}

/// Integer weights with their per-output-channel scales: the real weight is `values[i] ·
/// scales[channel of i]`.
public struct QuantizedWeights: Hashable, Sendable {
    /// 4, 8 or 16.
    public var bits: Int
    public var shape: [Int]
    /// In [−Qw, Qw] with Qw = 2^(bits−1) − 1, in the float tensor's element order.
    public var values: [Int32]
    /// Sw[c] per output channel.
    public var scales: [Double]

    public init(bits: Int, shape: [Int], values: [Int32], scales: [Double]) {
        self.bits = bits
        self.shape = shape
        self.values = values
        self.scales = scales
    }

    /// Qw = 2^(bits−1) − 1.
    public static func maxMagnitude(bits: Int) -> Int32 { Int32((1 << (bits - 1)) - 1) }

    /// The integers as an int8 (4 or 8 bits) or int16 (16 bits) tensor.
    public var tensor: Tensor {
        bits <= 8 ? Tensor(shape: shape, storage: .int8(values.map { Int8(truncatingIfNeeded: $0) }))
            : Tensor(shape: shape, storage: .int16(values.map { Int16(truncatingIfNeeded: $0) }))
    }
}

public enum WeightQuantization {
    /// Symmetric per-output-channel quantization: Sw[c] = m[c] / Qw with m[c] the channel's
    /// largest magnitude (or `clip[c]` when an algorithm chose one; Sw[c] = 1 for an all-zero
    /// channel or a zero clip), w_q = Clamp(RoundHalfAway(w / Sw[c]), −Qw, Qw). `what` names the
    /// tensor in errors (non-finite weights, bad bits or clip count).
    public static func quantize(_ weights: Tensor, layout: WeightLayout, bits: Int, clip: [Double]? = nil,
                                what: @autoclosure () -> String) throws(QuantizationError) -> QuantizedWeights {
        guard [4, 8, 16].contains(bits) else {
            throw QuantizationError("\(what()): weights are 4, 8 or 16 bits, not \(bits)")
        }
        guard weights.dataType.isFloatingPoint, weights.allFinite else {
            throw QuantizationError("\(what()) holds NaN or infinite values (or is not floating point); fix the model's weights")
        }
        let w = weights.doubleValues
        let (channelOf, count) = layout.channels(shape: weights.shape)
        var largest = [Double](repeating: 0, count: count)
        for (i, v) in w.enumerated() { largest[channelOf[i]] = Swift.max(largest[channelOf[i]], v.magnitude) }
        if let clip {
            guard clip.count == count, clip.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw QuantizationError("\(what()): \(clip.count) clipping values given for \(count) output channels (they must be finite and ≥ 0)")
            }
            largest = clip
        }
        let qw = QuantizedWeights.maxMagnitude(bits: bits)
        let scales = largest.map { $0 > 0 ? $0 / Double(qw) : 1 }
        let values = w.enumerated().map { i, v in
            Int32(Rounding.roundHalfAway(v / scales[channelOf[i]], clampedTo: Int64(-qw)...Int64(qw), nan: 0))
        }
        return QuantizedWeights(bits: bits, shape: weights.shape, values: values, scales: scales)
    }

    /// b_q[c] = RoundHalfAway(b[c] / (Sx · Sw[c])) (zeros without a bias); refuses a bias that
    /// does not fit an `accumulatorBits` (32 or 64) accumulator, naming `layer`.
    public static func quantizeBias(_ bias: Tensor?, inputScale: Double, weightScales: [Double], accumulatorBits: Int,
                                    layer: String) throws(QuantizationError) -> [Int64] {
        guard let bias else { return [Int64](repeating: 0, count: weightScales.count) }
        guard bias.dataType.isFloatingPoint, bias.allFinite else {
            throw QuantizationError("layer '\(layer)': the bias holds NaN or infinite values; fix the model's weights")
        }
        let b = bias.doubleValues
        guard b.count == weightScales.count else {
            throw QuantizationError("layer '\(layer)': the bias has \(b.count) values for \(weightScales.count) output channels")
        }
        let limit = accumulatorBits == 32 ? Double(Int32.max) : 9.2e18
        var result = [Int64]()
        result.reserveCapacity(b.count)
        for c in b.indices {
            let r = Rounding.roundHalfAway(b[c] / (inputScale * weightScales[c]))
            guard r.isFinite, r.magnitude <= limit else {
                throw QuantizationError("layer '\(layer)': the bias of output channel \(c) (\(b[c])) is \(r) in the accumulator's scale, which does not fit a \(accumulatorBits)-bit accumulator; the input range is probably tiny for this layer — force a wider input range or use 16-bit precision")
            }
            result.append(Int64(r))
        }
        return result
    }

    /// The largest |accumulator| a layer can reach per output channel: |b_q[c]| + Σ |w_q| ·
    /// max(Zx, Qx − Zx) over the channel's weights (every input term is at most that far from
    /// Zx), for weights whose elements belong to channels by `layout`.
    public static func worstCaseAccumulators(weights: QuantizedWeights, layout: WeightLayout, bias: [Int64],
                                             input: QuantDomain) -> [Double] {
        let (channelOf, count) = layout.channels(shape: weights.shape)
        var sums = [Double](repeating: 0, count: count)
        for (i, v) in weights.values.enumerated() { sums[channelOf[i]] += Double(v.magnitude) }
        let reach = Double(Swift.max(input.zeroPoint, input.maxQ - input.zeroPoint))
        return (0..<count).map { c in sums[c] * reach + Double((c < bias.count ? bias[c] : 0).magnitude) }
    }
}
