// Element types a tensor can hold, with their sizes and NumPy/ONNX spellings.

public enum DataType: String, Codable, Sendable, CaseIterable, Hashable {
    case float32, float64, float16
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64
    case bool

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .bool, .int8, .uint8: return 1
        case .float16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    public var isFloatingPoint: Bool {
        self == .float32 || self == .float64 || self == .float16
    }

    public var isInteger: Bool { !isFloatingPoint && self != .bool }
}
