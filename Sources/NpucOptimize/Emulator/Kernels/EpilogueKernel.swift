// The epilogue of accumulating layers as the emulator applies it (docs/QUANTIZATION.md,
// "Epilogues"): requantize with bounds, or requantize into the int16 pre-activation domain and
// look the result up.

struct EpilogueKernel: Sendable {
    let m: [Int64]
    let s: [Int]
    let perChannel: Bool
    let zero: Int64
    let lo: Int64
    let hi: Int64
    /// The lookup table, empty for requantize.
    let table: [Int32]

    init(_ epilogue: IntegerEpilogue, output: QuantDomain) {
        let multipliers = epilogue.multipliers
        m = multipliers.map { Int64($0.m) }
        s = multipliers.map(\.s)
        perChannel = multipliers.count > 1
        zero = Int64(output.zeroPoint)
        switch epilogue {
        case .requantize(let r):
            lo = Int64(r.lo)
            hi = Int64(r.hi)
            table = []
        case .lookup(let l):
            lo = 0
            hi = Int64(output.maxQ)
            table = l.table.int64s.map { Int32(truncatingIfNeeded: $0) }
        }
    }

    /// The output integer for accumulator `acc` of output channel `channel`.
    @inline(__always)
    func apply(_ acc: Int64, channel: Int) -> Int32 {
        let k = perChannel ? channel : 0
        let r = Rounding.rshProduct(acc, m[k], s[k])
        if table.isEmpty {
            return Int32(truncatingIfNeeded: IndexMath.clamp(zero + r, lo, hi))
        }
        return table[Int(IndexMath.clamp(r, -32768, 32767)) + 32768]
    }
}
