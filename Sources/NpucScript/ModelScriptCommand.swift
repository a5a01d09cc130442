// The typed command list of a model script: one case per command npuc implements, and
// `unsupported` for commands it recognizes (or does not know) and refuses by name. The lists of
// refused commands live here too, so the documentation and the checks cannot drift apart.

public enum ModelScriptCommand: Hashable, Sendable {
    case normalization(Normalization)
    case inputConversion(InputConversion)
    case changeOutputActivation(ChangeOutputActivation)
    case nmsPostprocess(NMSPostprocess)
    case modelOptimizationFlavor(ModelOptimizationFlavor)
    case modelOptimizationConfig(ModelOptimizationConfig)
    case quantizationParam(QuantizationParam)
    case preQuantizationOptimization(PreQuantizationOptimization)
    case postQuantizationOptimization(PostQuantizationOptimization)
    case resourcesParam(ResourcesParam)
    case performanceParam(PerformanceParam)
    case contextSwitchParam(ContextSwitchParam)
    /// Kept (with its arguments as written) only when unsupported commands are warnings;
    /// consumers skip it.
    case unsupported(UnsupportedCommand)

    /// The commands npuc implements, by script name.
    public static let implementedNames: [String] = definitions.map { $0.name }

    /// Commands of the DFC / model zoo that npuc recognizes and refuses by name.
    public static let recognizedUnsupportedNames: [String] = [
        "allocator_param", "buffers", "bucket", "compilation_param", "concat", "context", "defuse", "defuse_block",
        "format_conversion", "hef_param", "logits_layer", "network_group", "place", "platform_param", "remove_node",
        "resize", "set_kv_cache_global_params", "set_seed", "shape_splitter", "shortcut", "transpose", "yuv_to_rgb",
    ]

    struct Definition: Sendable {
        let name: String
        let definesLayers: Bool
        let read: @Sendable (inout Arguments, inout DiagnosticBag) -> ReadOutcome<ModelScriptCommand>
    }

    private static func definition<C: CommandDefinition>(_ type: C.Type, _ wrap: @escaping @Sendable (C) -> ModelScriptCommand) -> Definition {
        Definition(name: C.name, definesLayers: C.definesLayers) { arguments, bag in
            switch C.read(&arguments, &bag) {
            case .command(let c): return .command(wrap(c))
            case .unsupported(let what, let at): return .unsupported(what: what, at: at)
            case .invalid: return .invalid
            }
        }
    }

    static let definitions: [Definition] = [
        definition(Normalization.self, ModelScriptCommand.normalization),
        definition(InputConversion.self, ModelScriptCommand.inputConversion),
        definition(ChangeOutputActivation.self, ModelScriptCommand.changeOutputActivation),
        definition(NMSPostprocess.self, ModelScriptCommand.nmsPostprocess),
        definition(ModelOptimizationFlavor.self, ModelScriptCommand.modelOptimizationFlavor),
        definition(ModelOptimizationConfig.self, ModelScriptCommand.modelOptimizationConfig),
        definition(QuantizationParam.self, ModelScriptCommand.quantizationParam),
        definition(PreQuantizationOptimization.self, ModelScriptCommand.preQuantizationOptimization),
        definition(PostQuantizationOptimization.self, ModelScriptCommand.postQuantizationOptimization),
        definition(ResourcesParam.self, ModelScriptCommand.resourcesParam),
        definition(PerformanceParam.self, ModelScriptCommand.performanceParam),
        definition(ContextSwitchParam.self, ModelScriptCommand.contextSwitchParam),
    ]

    /// The typed command inside, as its definition.
    var definitionValue: (any CommandDefinition)? {
        switch self {
        case .normalization(let c): return c
        case .inputConversion(let c): return c
        case .changeOutputActivation(let c): return c
        case .nmsPostprocess(let c): return c
        case .modelOptimizationFlavor(let c): return c
        case .modelOptimizationConfig(let c): return c
        case .quantizationParam(let c): return c
        case .preQuantizationOptimization(let c): return c
        case .postQuantizationOptimization(let c): return c
        case .resourcesParam(let c): return c
        case .performanceParam(let c): return c
        case .contextSwitchParam(let c): return c
        case .unsupported: return nil
        }
    }

    /// The command's name as scripts spell it.
    public var name: String {
        if case .unsupported(let u) = self { return u.name }
        return type(of: definitionValue!).name
    }

    public var isSupported: Bool {
        if case .unsupported = self { return false }
        return true
    }

    /// The arguments in canonical order, as the printer writes them.
    public var printedArguments: [PrintedArgument] {
        if case .unsupported(let u) = self { return u.arguments }
        return definitionValue!.printedArguments
    }

    /// The layer selectors the command holds.
    public var layerReferences: [LayerReference] {
        definitionValue?.layerReferences ?? []
    }
}

/// A command npuc does not implement, with its arguments as written.
public struct UnsupportedCommand: Hashable, Sendable {
    public var name: String
    public var arguments: [PrintedArgument]
    /// What was refused, e.g. `allocator_param` or `input_conversion(nv12_to_hailo_yuv)`.
    public var refused: String

    public init(name: String, arguments: [PrintedArgument], refused: String) {
        self.name = name
        self.arguments = arguments
        self.refused = refused
    }
}
