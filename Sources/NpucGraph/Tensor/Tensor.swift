// A dense, row-major tensor: element type, shape and typed storage.

/// Typed element storage. Half floats are kept as their IEEE-754 bit patterns so the type is
/// portable to platforms without `Float16`.
public enum TensorStorage: Sendable, Equatable, Hashable {
    case float32([Float])
    case float64([Double])
    case float16Bits([UInt16])
    case int8([Int8])
    case uint8([UInt8])
    case int16([Int16])
    case uint16([UInt16])
    case int32([Int32])
    case uint32([UInt32])
    case int64([Int64])
    case uint64([UInt64])
    case bool([Bool])

    public var dataType: DataType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16Bits: return .float16
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .bool: return .bool
        }
    }

    public var count: Int {
        switch self {
        case .float32(let a): return a.count
        case .float64(let a): return a.count
        case .float16Bits(let a): return a.count
        case .int8(let a): return a.count
        case .uint8(let a): return a.count
        case .int16(let a): return a.count
        case .uint16(let a): return a.count
        case .int32(let a): return a.count
        case .uint32(let a): return a.count
        case .int64(let a): return a.count
        case .uint64(let a): return a.count
        case .bool(let a): return a.count
        }
    }
}

public struct Tensor: Sendable, Equatable, Hashable {
    public private(set) var shape: [Int]
    public private(set) var storage: TensorStorage

    public var dataType: DataType { storage.dataType }
    public var elementCount: Int { storage.count }
    public var rank: Int { shape.count }

    /// Creates a tensor; the shape must match the element count (an internal invariant:
    /// callers validate user-supplied shapes first).
    public init(shape: [Int], storage: TensorStorage) {
        precondition(ShapeArithmetic.elementCount(shape) == storage.count,
                     "tensor shape \(shape) does not match \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    public init(shape: [Int], float32 values: [Float]) {
        self.init(shape: shape, storage: .float32(values))
    }

    public init(shape: [Int], int64 values: [Int64]) {
        self.init(shape: shape, storage: .int64(values))
    }

    /// A float32 tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, float32: [Float](repeating: 0, count: ShapeArithmetic.elementCount(shape) ?? 0))
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }

    /// The elements converted to Float (half floats decoded, integers converted).
    public var floats: [Float] {
        switch storage {
        case .float32(let a): return a
        case .float64(let a): return a.map { Float($0) }
        case .float16Bits(let a): return a.map(HalfFloat.toFloat)
        case .int8(let a): return a.map { Float($0) }
        case .uint8(let a): return a.map { Float($0) }
        case .int16(let a): return a.map { Float($0) }
        case .uint16(let a): return a.map { Float($0) }
        case .int32(let a): return a.map { Float($0) }
        case .uint32(let a): return a.map { Float($0) }
        case .int64(let a): return a.map { Float($0) }
        case .uint64(let a): return a.map { Float($0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// The elements converted to Int64 (floats truncated toward zero, clamped to Int64's range).
    public var int64s: [Int64] {
        func fromDouble(_ d: Double) -> Int64 {
            if d.isNaN { return 0 }
            if d >= 9.2e18 { return .max }
            if d <= -9.2e18 { return .min }
            return Int64(d)
        }
        switch storage {
        case .float32(let a): return a.map { fromDouble(Double($0)) }
        case .float64(let a): return a.map(fromDouble)
        case .float16Bits(let a): return a.map { fromDouble(Double(HalfFloat.toFloat($0))) }
        case .int8(let a): return a.map { Int64($0) }
        case .uint8(let a): return a.map { Int64($0) }
        case .int16(let a): return a.map { Int64($0) }
        case .uint16(let a): return a.map { Int64($0) }
        case .int32(let a): return a.map { Int64($0) }
        case .uint32(let a): return a.map { Int64($0) }
        case .int64(let a): return a
        case .uint64(let a): return a.map { Int64(clamping: $0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// True when every element is finite (always true for integer tensors).
    public var allFinite: Bool {
        switch storage {
        case .float32(let a): return a.allSatisfy { $0.isFinite }
        case .float64(let a): return a.allSatisfy { $0.isFinite }
        case .float16Bits(let a): return a.allSatisfy { ($0 & 0x7C00) != 0x7C00 }
        default: return true
        }
    }
}

/// IEEE-754 binary16 conversions.
public enum HalfFloat {
    public static func toFloat(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }

    /// Rounds to nearest, ties to even.
    public static func fromFloat(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if value.isNaN { return sign | 0x7E00 }
        let magnitude = abs(value)
        if magnitude >= 65520 { return sign | 0x7C00 }
        if magnitude < Float(sign: .plus, exponent: -14, significand: 1) {
            // Subnormal half: round magnitude / 2^-24 to nearest even.
            let scaled = magnitude * Float(sign: .plus, exponent: 24, significand: 1)
            return sign | UInt16(scaled.rounded(.toNearestOrEven))
        }
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        var result = UInt32(exponent) << 10 | (mantissa >> 13)
        mantissa &= 0x1FFF
        if mantissa > 0x1000 || (mantissa == 0x1000 && (result & 1) == 1) { result += 1 }
        return sign | UInt16(result)
    }
}
