// The two epilogues of accumulating layers (docs/QUANTIZATION.md, "Epilogues"), per output
// element of channel c with accumulator acc:
//   requantize: q = Clamp(Z_out + RSH(acc · m[c], s[c]), lo, hi)
//   lookup:     p = Clamp(RSH(acc · m[c], s[c]), −32768, 32767); q = table[p + 32768]
// Multipliers are per channel (one per output channel, axis 1) or a single one for every element.

import NpucGraph

public struct RequantizeEpilogue: Hashable, Sendable, Codable {
    /// One per output channel, or one for all.
    public var multipliers: [Multiplier]
    /// Output bounds in [0, Q]: [0, Q] narrowed by a fused clamping activation (ReLU, clip).
    public var lo: Int
    public var hi: Int

    public init(multipliers: [Multiplier], lo: Int, hi: Int) {
        self.multipliers = multipliers
        self.lo = lo
        self.hi = hi
    }
}

public struct LookupEpilogue: Hashable, Sendable, Codable {
    /// Multipliers into the signed 16-bit pre-activation domain (scale S_pre, zero point 0).
    public var multipliers: [Multiplier]
    /// 65,536 entries, uint8 or uint16 by the output's bits, indexed by p + 32768.
    @Parameter public var table: Tensor

    public init(multipliers: [Multiplier], table: Tensor) {
        self.multipliers = multipliers
        self.table = table
    }
}

public enum IntegerEpilogue: Hashable, Sendable {
    case requantize(RequantizeEpilogue)
    case lookup(LookupEpilogue)

    public var multipliers: [Multiplier] {
        switch self {
        case .requantize(let r): return r.multipliers
        case .lookup(let l): return l.multipliers
        }
    }
}

extension IntegerEpilogue: Codable {
    private enum CodingKeys: String, CodingKey { case kind, multipliers, lo, hi, table }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .requantize(let r):
            try c.encode("requantize", forKey: .kind)
            try c.encode(r.multipliers, forKey: .multipliers)
            try c.encode(r.lo, forKey: .lo)
            try c.encode(r.hi, forKey: .hi)
        case .lookup(let l):
            try c.encode("lookup", forKey: .kind)
            try c.encode(l.multipliers, forKey: .multipliers)
            try c.encode(Parameter(wrappedValue: l.table), forKey: .table)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        let multipliers = try c.decode([Multiplier].self, forKey: .multipliers)
        switch kind {
        case "requantize":
            self = .requantize(RequantizeEpilogue(multipliers: multipliers, lo: try c.decode(Int.self, forKey: .lo),
                                                  hi: try c.decode(Int.self, forKey: .hi)))
        case "lookup":
            self = .lookup(LookupEpilogue(multipliers: multipliers, table: try c.decode(Parameter.self, forKey: .table).wrappedValue))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown epilogue kind '\(kind)' (expected requantize or lookup)")
        }
    }
}
