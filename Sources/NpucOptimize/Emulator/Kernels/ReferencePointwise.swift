// Reference integer pointwise layers: a standalone activation (a table over every input
// integer), PReLU (one linear-combination factor for d ≥ 0, one per channel for d < 0) and
// softmax (an exponential table, an integer sum, a rounded integer division).

import NpucGraph

extension ReferenceKernels {
    /// q_out = table[q_in].
    static func activation(_ op: IntegerActivation, x: IntValue) -> [Int32] {
        let table = op.table.int64s.map { Int32(truncatingIfNeeded: $0) }
        return x.data.map { table[Int($0)] }
    }

    /// d = q − Z_in; q_out = Clamp(Z_out + RSH(d · I, P), 0, Q), I = positive (d ≥ 0) or
    /// negative[c] (d < 0).
    static func prelu(_ op: IntegerPRelu, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let channel = channelIndexer(x.shape)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        let perChannel = op.negative.count > 1
        return x.data.indices.map { i in
            let d = Int64(x.data[i]) - x.zero
            let factor = d >= 0 ? op.positive : op.negative[perChannel ? channel(i) : 0]
            return Int32(IndexMath.clamp(zOut + Rounding.rsh(d * factor, op.precision), 0, q))
        }
    }

    /// Along the axis: d_i = q_i − max q; E = exponentials[−d]; sum = Σ E;
    /// q_i = Clamp(Z_out + ⌊(2 · E_i · R + sum · 2^16) / (2 · sum · 2^16)⌋, 0, Q).
    static func softmax(_ op: IntegerSoftmax, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let e = op.exponentials.int64s
        let outer = x.shape[..<op.axis].reduce(1, *), length = x.shape[op.axis], inner = x.shape[(op.axis + 1)...].reduce(1, *)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        let r = op.reciprocal
        var result = [Int32](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var largest: Int32 = 0
                for k in 0..<length { largest = Swift.max(largest, x.data[base + k * inner]) }
                var sum: Int64 = 0
                for k in 0..<length { sum += e[Int(largest - x.data[base + k * inner])] }
                for k in 0..<length {
                    let ek = e[Int(largest - x.data[base + k * inner])]
                    let value = (2 * ek * r + sum * 65536) / (2 * sum * 65536)
                    result[base + k * inner] = Int32(IndexMath.clamp(zOut + value, 0, q))
                }
            }
        }
        return result
    }
}
