// `pre_quantization_optimization(equalization|activation_clipping|weights_clipping, …)`: float
// transformations before quantization: cross-layer equalization, and clipping of activation or
// weight ranges (by percentile, MMSE or manual values). Other DFC algorithms of this command
// (ew_add_fusing, matmul_correction, …) are recognized and refused by name.

public struct PreQuantizationOptimization: CommandDefinition {
    public static let name = "pre_quantization_optimization"
    public static let keywords = ["policy", "layers", "mode", "clipping_values"]

    public enum Algorithm: String, ScriptKeyword {
        case equalization
        case activationClipping = "activation_clipping"
        case weightsClipping = "weights_clipping"
        public static let noun = "pre-quantization algorithm"
    }

    public enum ClippingMode: String, ScriptKeyword {
        case disabled, manual, percentile, mmse
        case mmseIf4b = "mmse_if4b"
        public static let noun = "clipping mode"
    }

    public var algorithm: Algorithm
    public var policy: Policy?
    /// nil: every layer.
    public var layers: LayerSelector?
    public var mode: ClippingMode?
    /// `manual`: the [low, high] range; `percentile`: the [low, high] percentiles (0…100).
    public var clippingValues: [Double]?

    public init(algorithm: Algorithm, policy: Policy? = nil, layers: LayerSelector? = nil, mode: ClippingMode? = nil,
                clippingValues: [Double]? = nil) {
        self.algorithm = algorithm
        self.policy = policy
        self.layers = layers
        self.mode = mode
        self.clippingValues = clippingValues
    }

    /// Equalization is on unless disabled; clipping is off unless a mode is given.
    public var isEnabled: Bool {
        switch algorithm {
        case .equalization: return policy != .disabled
        case .activationClipping, .weightsClipping: return policy != .disabled && (mode ?? .disabled) != .disabled
        }
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, policy, layers, mode, clippingValues = "clipping_values"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<PreQuantizationOptimization> {
        guard let algorithmValue = a.nextPositionalValue() else {
            a.finish(known: keywords, &bag)
            bag.error(.argument, "pre_quantization_optimization needs an algorithm first: \(Arguments.choices(Algorithm.self))",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        if case .name(let word) = algorithmValue.kind, Algorithm(rawValue: word) == nil {
            return .unsupported(what: "pre_quantization_optimization(\(word))", at: algorithmValue)
        }
        guard let algorithm = a.keywordValue(algorithmValue, "the algorithm", as: Algorithm.self, &bag) else {
            a.finish(known: keywords, &bag)
            return .invalid
        }
        let clipping = algorithm != .equalization
        let policyValue = a.keyword("policy"), layersValue = a.keyword("layers")
        let modeValue = clipping ? a.keyword("mode") : nil
        let valuesValue = clipping ? a.keyword("clipping_values") : nil
        a.finish(known: clipping ? keywords : ["policy", "layers"], &bag)
        var ok = true
        func read<T>(_ v: ValueSyntax?, _ f: (ValueSyntax) -> T?) -> T? {
            guard let v else { return nil }
            let r = f(v)
            if r == nil { ok = false }
            return r
        }
        var command = PreQuantizationOptimization(algorithm: algorithm)
        command.policy = read(policyValue) { a.keywordValue($0, "policy", as: Policy.self, &bag) }
        command.layers = read(layersValue) { a.selector($0, "layers", &bag) }
        command.mode = read(modeValue) { a.keywordValue($0, "mode", as: ClippingMode.self, &bag) }
        command.clippingValues = read(valuesValue) { a.range($0, "clipping_values", &bag) }
        guard ok else { return .invalid }
        if algorithm == .activationClipping, let mode = command.mode, mode == .mmse || mode == .mmseIf4b, let modeValue {
            bag.error(.argument, "mode=\(mode.rawValue) applies to weights_clipping only; activation_clipping takes disabled, manual or percentile",
                      at: modeValue.location, length: modeValue.length)
            return .invalid
        }
        if let mode = command.mode, mode == .manual || mode == .percentile {
            guard let values = command.clippingValues else {
                bag.error(.argument, "mode=\(mode.rawValue) needs clipping_values=[low, high]", at: modeValue?.location, length: modeValue?.length ?? 1)
                return .invalid
            }
            if mode == .percentile, values[0] < 0 || values[1] > 100, let valuesValue {
                bag.error(.argument, "percentiles in clipping_values must lie between 0 and 100", at: valuesValue.location, length: valuesValue.length)
                return .invalid
            }
        } else if command.clippingValues != nil, let valuesValue {
            bag.error(.argument, "clipping_values applies to mode=manual or mode=percentile only", at: valuesValue.location, length: valuesValue.length)
            return .invalid
        }
        return .command(command)
    }

    var printedArguments: [PrintedArgument] {
        [PrintedArgument(nil, .word(algorithm))]
            + optionalArgument("policy", policy, ScriptValue.word)
            + optionalArgument("layers", layers, ScriptValue.selector)
            + optionalArgument("mode", mode, ScriptValue.word)
            + optionalArgument("clipping_values", clippingValues, ScriptValue.numbers)
    }

    var layerReferences: [LayerReference] {
        layers.map { [LayerReference(role: "layers", selector: $0)] } ?? []
    }
}
