// `context_switch_param(mode=enabled|disabled|allowed)`: whether the compiler may split a model
// that does not fit the device into several contexts loaded in turn (`allowed`: only when needed).

public struct ContextSwitchParam: CommandDefinition {
    public static let name = "context_switch_param"
    public static let keywords = ["mode"]

    public enum Mode: String, ScriptKeyword {
        case enabled, disabled, allowed
        public static let noun = "context switch mode"
    }

    public static let defaultMode = Mode.allowed

    public var mode: Mode?

    public init(mode: Mode? = nil) { self.mode = mode }

    public var effectiveMode: Mode { mode ?? Self.defaultMode }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<ContextSwitchParam> {
        let modeValue = a.keyword("mode")
        a.finish(known: keywords, &bag)
        guard let modeValue else {
            if !a.refusedKeywords.isEmpty { return .unsupported(what: "", at: nil) }
            bag.error(.argument, "context_switch_param needs mode=enabled, disabled or allowed",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        guard let mode = a.keywordValue(modeValue, "mode", as: Mode.self, &bag) else { return .invalid }
        return .command(ContextSwitchParam(mode: mode))
    }

    var printedArguments: [PrintedArgument] {
        optionalArgument("mode", mode, ScriptValue.word)
    }
}
