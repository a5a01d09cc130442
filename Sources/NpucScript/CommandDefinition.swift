// What every typed command of the language provides: its name, how it reads its arguments, how
// it prints back (canonical text that parses to the same command) and which layer selectors it
// holds. One file per command under Commands/.

/// One argument as printed: `value` or `label=value`.
public struct PrintedArgument: Hashable, Sendable {
    public var label: String?
    public var value: ScriptValue

    public init(_ label: String?, _ value: ScriptValue) {
        self.label = label
        self.value = value
    }
}

/// A layer selector held by a command, with its role (`layers`, `input_layer`, `loss_layer_names`).
public struct LayerReference: Hashable, Sendable {
    public var role: String
    public var selector: LayerSelector

    public init(role: String, selector: LayerSelector) {
        self.role = role
        self.selector = selector
    }
}

/// The result of reading one call.
enum ReadOutcome<Command> {
    case command(Command)
    /// The call is well formed but asks for something npuc does not implement (e.g. a
    /// conversion or an algorithm); `what` is shown as `not supported by npuc: <what>`.
    case unsupported(what: String, at: ValueSyntax?)
    /// Errors were reported.
    case invalid
}

protocol CommandDefinition: Hashable, Sendable, Encodable {
    static var name: String { get }
    /// The keyword arguments the command understands (for "did you mean").
    static var keywords: [String] { get }
    /// Whether `a, b = command(…)` is allowed (the command creates layers with those names).
    static var definesLayers: Bool { get }
    static func read(_ arguments: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<Self>
    var printedArguments: [PrintedArgument] { get }
    var layerReferences: [LayerReference] { get }
}

extension CommandDefinition {
    static var definesLayers: Bool { false }
    var layerReferences: [LayerReference] { [] }
}

/// Builders for printed values.
extension ScriptValue {
    static func number(_ x: Double) -> ScriptValue { .number(x, text: ScriptPrinter.number(x)) }
    static func integer(_ x: Int) -> ScriptValue { .number(Double(x), text: String(x)) }
    static func word<K: ScriptKeyword>(_ k: K) -> ScriptValue { .name(k.rawValue) }
    static func numbers(_ xs: [Double]) -> ScriptValue { .list(xs.map { .number($0) }) }
    static func bool(_ b: Bool) -> ScriptValue { .name(b ? "True" : "False") }
    static func selector(_ s: LayerSelector) -> ScriptValue {
        switch s {
        case .name(let n): return Lexer.isPlainName(n) ? .name(n) : .string(n)
        case .glob(let g): return .glob(g)
        case .list(let items): return .list(items.map(selector))
        }
    }
}

extension Lexer {
    /// Whether `text` reads back as one name token (else it must be quoted).
    static func isPlainName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isNameStart(first) else { return false }
        return text.unicodeScalars.allSatisfy(isNameContinue)
    }
}

/// Appends `label=value` when the optional is set.
func optionalArgument<T>(_ label: String, _ value: T?, _ make: (T) -> ScriptValue) -> [PrintedArgument] {
    value.map { [PrintedArgument(label, make($0))] } ?? []
}

/// `enabled` / `disabled`, the switch of optimization algorithms.
public enum Policy: String, ScriptKeyword {
    case enabled, disabled
    public static let noun = "policy"
}
