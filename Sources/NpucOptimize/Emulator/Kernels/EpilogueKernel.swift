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
    /// The table as bytes when every entry fits in one (8-bit outputs), else empty.
    let byteTable: [UInt8]

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
        byteTable = table.allSatisfy { $0 >= 0 && $0 <= 255 } ? table.map { UInt8($0) } : []
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

    /// row[i] = apply(row[i], channel: channel) for i in 0..<count: the same steps,
    /// with the channel's multiplier, shift and bounds read once per row (the compiler cannot
    /// hoist them past the stores through `row`), and a lookup read from `byteTable` when the
    /// table's entries fit in a byte (a quarter of the cache footprint, the same values).
    /// `Rounding.rshProduct(acc, m, s)` is `Rounding.rsh(acc · m, s)` here: an Int32 accumulator
    /// times an Int32 multiplier has magnitude at most 2^62, so the product cannot overflow Int64
    /// and its shift cannot exceed the saturation bound 2^62.
    @inline(__always)
    func applyRow(_ row: UnsafeMutablePointer<Int32>, count: Int, channel: Int) {
        let k = perChannel ? channel : 0
        let multiplier = m[k], shift = s[k]
        precondition(multiplier.magnitude <= 1 << 31, "epilogue multipliers are Int32")
        if table.isEmpty {
            let zero = zero, lo = lo, hi = hi
            for i in 0..<count {
                let r = Rounding.rsh(Int64(row[i]) &* multiplier, shift)
                row[i] = Int32(truncatingIfNeeded: IndexMath.clamp(zero + r, lo, hi))
            }
        } else if !byteTable.isEmpty {
            byteTable.withUnsafeBufferPointer { lookup in
                for i in 0..<count {
                    let r = Rounding.rsh(Int64(row[i]) &* multiplier, shift)
                    row[i] = Int32(lookup[Int(IndexMath.clamp(r, -32768, 32767)) + 32768])
                }
            }
        } else {
            table.withUnsafeBufferPointer { lookup in
                for i in 0..<count {
                    let r = Rounding.rsh(Int64(row[i]) &* multiplier, shift)
                    row[i] = lookup[Int(IndexMath.clamp(r, -32768, 32767)) + 32768]
                }
            }
        }
    }
}
