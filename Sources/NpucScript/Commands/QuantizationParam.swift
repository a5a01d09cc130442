// `quantization_param(layers, precision_mode=…, bias_mode=…, force_range_in=[lo, hi],
// force_range_out=[lo, hi])`: per-layer quantization settings. Without layers it applies to all.

public struct QuantizationParam: CommandDefinition {
    public static let name = "quantization_param"
    public static let keywords = ["layers", "precision_mode", "bias_mode", "force_range_in", "force_range_out"]

    /// Activation and weight bits: `a8_w8` is 8-bit activations with 8-bit weights.
    public enum PrecisionMode: String, ScriptKeyword {
        case a8w8 = "a8_w8", a8w4 = "a8_w4", a16w16 = "a16_w16", a16w8 = "a16_w8"
        public static let noun = "precision mode"
    }

    /// How the bias is represented: one scale, or decomposed into two for more range.
    public enum BiasMode: String, ScriptKeyword {
        case singleScaleDecomposition = "single_scale_decomposition"
        case doubleScaleInitialization = "double_scale_initialization"
        public static let noun = "bias mode"
    }

    /// nil: every layer.
    public var layers: LayerSelector?
    public var precisionMode: PrecisionMode?
    public var biasMode: BiasMode?
    /// Forced input range [low, high] (replaces the calibrated range).
    public var forceRangeIn: [Double]?
    /// Forced output range [low, high].
    public var forceRangeOut: [Double]?

    public init(layers: LayerSelector? = nil, precisionMode: PrecisionMode? = nil, biasMode: BiasMode? = nil,
                forceRangeIn: [Double]? = nil, forceRangeOut: [Double]? = nil) {
        self.layers = layers
        self.precisionMode = precisionMode
        self.biasMode = biasMode
        self.forceRangeIn = forceRangeIn
        self.forceRangeOut = forceRangeOut
    }

    enum CodingKeys: String, CodingKey {
        case layers, precisionMode = "precision_mode", biasMode = "bias_mode"
        case forceRangeIn = "force_range_in", forceRangeOut = "force_range_out"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<QuantizationParam> {
        let layersValue = a.value("layers", positionalAllowed: true)
        let p = a.keyword("precision_mode"), b = a.keyword("bias_mode")
        let rin = a.keyword("force_range_in"), rout = a.keyword("force_range_out")
        a.finish(known: keywords, &bag)
        var ok = true
        func read<T>(_ v: ValueSyntax?, _ f: (ValueSyntax) -> T?) -> T? {
            guard let v else { return nil }
            let r = f(v)
            if r == nil { ok = false }
            return r
        }
        var command = QuantizationParam()
        command.layers = read(layersValue) { a.selector($0, "layers", &bag) }
        command.precisionMode = read(p) { a.keywordValue($0, "precision_mode", as: PrecisionMode.self, &bag) }
        command.biasMode = read(b) { a.keywordValue($0, "bias_mode", as: BiasMode.self, &bag) }
        command.forceRangeIn = read(rin) { a.range($0, "force_range_in", &bag) }
        command.forceRangeOut = read(rout) { a.range($0, "force_range_out", &bag) }
        guard ok else { return .invalid }
        if p == nil, b == nil, rin == nil, rout == nil {
            if !a.refusedKeywords.isEmpty { return .unsupported(what: "", at: nil) }
            bag.error(.argument, "quantization_param sets nothing; give precision_mode=, bias_mode=, force_range_in= or force_range_out=",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        return .command(command)
    }

    var printedArguments: [PrintedArgument] {
        (layers.map { [PrintedArgument(nil, .selector($0))] } ?? [])
            + optionalArgument("precision_mode", precisionMode, ScriptValue.word)
            + optionalArgument("bias_mode", biasMode, ScriptValue.word)
            + optionalArgument("force_range_in", forceRangeIn, ScriptValue.numbers)
            + optionalArgument("force_range_out", forceRangeOut, ScriptValue.numbers)
    }

    var layerReferences: [LayerReference] {
        layers.map { [LayerReference(role: "layers", selector: $0)] } ?? []
    }
}
