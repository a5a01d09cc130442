// What the quantizer is told besides the graph and the ranges: per-layer precision
// (`precision_mode`), forced ranges (`force_range_in/out`, resolved to value names), explicit
// input domains, and integer weights chosen by an algorithm (clipping, AdaRound).

public enum PrecisionMode: String, Codable, Sendable, CaseIterable, Hashable {
    case a8_w8, a8_w4, a16_w16, a16_w8

    /// Bits of the layer's output activation.
    public var activationBits: Int {
        switch self {
        case .a8_w8, .a8_w4: return 8
        case .a16_w16, .a16_w8: return 16
        }
    }

    /// Bits of the layer's weights (convolution, transposed convolution, dense).
    public var weightBits: Int {
        switch self {
        case .a8_w8, .a16_w8: return 8
        case .a8_w4: return 4
        case .a16_w16: return 16
        }
    }
}

public struct QuantizerConfig: Sendable, Hashable {
    /// The precision of every layer not named in `layerPrecision`.
    public var defaultPrecision: PrecisionMode
    /// Precision by layer name (the name of the layer's first node, e.g. `conv12`; see
    /// `Quantizer.plan`). A layer that keeps its input's domain (data movement, max pooling,
    /// nearest or bilinear resize) cannot change its activation bits.
    public var layerPrecision: [String: PrecisionMode]
    /// Ranges that replace the calibrated ones, by value name. Values that keep their input's
    /// domain cannot be forced (force their input instead).
    public var forcedRanges: [String: ClosedRange<Double>]
    /// Explicit domains of network inputs by input name (e.g. S = 1/255, Z = 0 for a model fed
    /// pixels / 255, or S = 1, Z = 0 for raw pixels); other inputs get an 8-bit domain from
    /// their range.
    public var inputDomains: [String: QuantDomain]
    /// Integer weights chosen by an algorithm, by layer name; they replace the symmetric
    /// max-magnitude quantization and must have the layer's weight shape and precision's bits.
    public var weightOverrides: [String: QuantizedWeights]

    public init(defaultPrecision: PrecisionMode = .a8_w8, layerPrecision: [String: PrecisionMode] = [:],
                forcedRanges: [String: ClosedRange<Double>] = [:], inputDomains: [String: QuantDomain] = [:],
                weightOverrides: [String: QuantizedWeights] = [:]) {
        self.defaultPrecision = defaultPrecision
        self.layerPrecision = layerPrecision
        self.forcedRanges = forcedRanges
        self.inputDomains = inputDomains
        self.weightOverrides = weightOverrides
    }

    public func precision(of layer: String) -> PrecisionMode { layerPrecision[layer] ?? defaultPrecision }
}
