// Activation domains (docs/QUANTIZATION.md, "Domains"): unsigned integers q ∈ [0, Q] with
// Q = 2^bits − 1 standing for the reals S · (q − Z); built from a calibrated range; quantizing
// and dequantizing values and tensors.

import NpucGraph

public struct QuantDomain: Hashable, Sendable, Codable, CustomStringConvertible {
    /// 8 or 16.
    public var bits: Int
    /// S > 0.
    public var scale: Double
    /// Z ∈ [0, Q]: the integer that stands for real zero.
    public var zeroPoint: Int

    public init(bits: Int, scale: Double, zeroPoint: Int) {
        self.bits = bits
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// Q = 2^bits − 1.
    public var maxQ: Int { (1 << bits) - 1 }

    /// The smallest width of a range before it is widened (the doc's 1e-8).
    public static let minimumWidth = 1e-8

    /// The domain of a calibrated range [lo, hi]: lo' = min(lo, 0), hi' = max(hi, 0), widened to
    /// at least 1e-8; S = (hi' − lo') / Q, Z = Clamp(RoundHalfAway(−lo' / S), 0, Q). `what`
    /// names the value in errors (a non-finite bound, or bits other than 8 and 16).
    public init(range: ClosedRange<Double>, bits: Int, what: @autoclosure () -> String = "a value") throws(QuantizationError) {
        guard bits == 8 || bits == 16 else {
            throw QuantizationError("\(what()): activations are 8 or 16 bits, not \(bits)")
        }
        guard range.lowerBound.isFinite, range.upperBound.isFinite else {
            throw QuantizationError("\(what()) has the range [\(range.lowerBound), \(range.upperBound)]; ranges must be finite (NaN or infinity in the calibration data or weights?)")
        }
        let q = Double((1 << bits) - 1)
        let lo = Swift.min(range.lowerBound, 0)
        var hi = Swift.max(range.upperBound, 0)
        if hi - lo < Self.minimumWidth { hi = lo + Self.minimumWidth }
        let s = (hi - lo) / q
        self.bits = bits
        scale = s
        zeroPoint = Int(Rounding.roundHalfAway(-lo / s, clampedTo: 0...Int64(q), nan: 0))
    }

    /// True when bits ∈ {8, 16}, S is finite and positive and 0 ≤ Z ≤ Q.
    public var isValid: Bool {
        (bits == 8 || bits == 16) && scale.isFinite && scale > 0 && zeroPoint >= 0 && zeroPoint <= maxQ
    }

    /// Clamp(Z + RoundHalfAway(x / S), 0, Q); NaN maps to Z.
    public func quantize(_ x: Double) -> Int {
        let r = Rounding.roundHalfAway(x / scale, clampedTo: -(1 << 40)...(1 << 40), nan: 0)
        return Swift.min(Swift.max(zeroPoint + Int(r), 0), maxQ)
    }

    /// S · (q − Z).
    public func dequantize(_ q: Int) -> Double { scale * Double(q - zeroPoint) }

    /// The real interval the integers [0, Q] stand for.
    public var representableRange: ClosedRange<Double> { dequantize(0)...dequantize(maxQ) }

    /// The element type of tensors in this domain: uint8 or uint16.
    public var dataType: DataType { bits == 8 ? .uint8 : .uint16 }

    public var description: String { "u\(bits)(S=\(scale), Z=\(zeroPoint))" }

    /// Quantizes a floating-point tensor into this domain (uint8 or uint16 by `bits`).
    public func quantize(_ tensor: Tensor) -> Tensor {
        let q = tensor.doubleValues.map { quantize($0) }
        return Self.tensor(shape: tensor.shape, values: q, bits: bits)
    }

    /// Dequantizes an integer tensor of this domain to float32.
    public func dequantize(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, float32: tensor.int64s.map { Float(dequantize(Int($0))) })
    }

    /// A uint8 (bits 8) or uint16 (bits 16) tensor of values already in [0, Q].
    static func tensor(shape: [Int], values: [Int], bits: Int) -> Tensor {
        bits == 8 ? Tensor(shape: shape, storage: .uint8(values.map { UInt8(truncatingIfNeeded: $0) }))
            : Tensor(shape: shape, storage: .uint16(values.map { UInt16(truncatingIfNeeded: $0) }))
    }
}

extension Tensor {
    /// The elements as Double (float64 kept exact, everything else converted).
    var doubleValues: [Double] {
        switch storage {
        case .float64(let a): return a
        case .float32(let a): return a.map(Double.init)
        default: return floats.map(Double.init)
        }
    }
}
