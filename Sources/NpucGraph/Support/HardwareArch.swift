// The NPU families npuc targets (the `--hw-arch` values).

public enum HardwareArch: String, Codable, Sendable, CaseIterable, Hashable {
    case hailo8, hailo8l, hailo8r, hailo15h, hailo15m, hailo15l, hailo10h

    public static let `default` = HardwareArch.hailo8l

    /// Hailo-15 and Hailo-10 have a newer core; npuc's supported-layer set is the same on all
    /// families today, and per-family differences live in the compiler's hardware model.
    public var family: String {
        switch self {
        case .hailo8, .hailo8l, .hailo8r: return "Hailo-8"
        case .hailo15h, .hailo15m, .hailo15l: return "Hailo-15"
        case .hailo10h: return "Hailo-10"
        }
    }
}
