// The syntax tree of a model script, before commands are typed: each statement is an optional
// list of assigned names (`a, b = …` or the `{ layer: [names] } = …` block form) and one call
// with positional and `key=value` arguments. Values keep their source locations so that typed
// checks can point the caret at the exact list element that is wrong.

/// A value as written, without locations (used for comparison and printing).
public indirect enum ScriptValue: Hashable, Sendable {
    case number(Double, text: String)
    case string(String)
    case name(String)
    case glob(String)
    case list([ScriptValue])
}

/// A value with where it was written.
struct ValueSyntax: Sendable {
    enum Kind: Sendable {
        case number(Double, text: String)
        case string(String)
        case name(String)
        case glob(String)
        case list([ValueSyntax])
    }

    var kind: Kind
    var location: SourceLocation
    var length: Int

    var plain: ScriptValue {
        switch kind {
        case .number(let v, let t): return .number(v, text: t)
        case .string(let s): return .string(s)
        case .name(let n): return .name(n)
        case .glob(let g): return .glob(g)
        case .list(let items): return .list(items.map(\.plain))
        }
    }

    /// How the value reads in a message ("number 7", "name sigmod", "a list of 3").
    var described: String {
        switch kind {
        case .number(_, let t): return "number \(t)"
        case .string(let s): return "string \"\(s)\""
        case .name(let n): return "name '\(n)'"
        case .glob(let g): return "glob {\(g)}"
        case .list(let items): return "a list of \(items.count)"
        }
    }
}

struct ArgumentSyntax: Sendable {
    var label: String?
    var labelLocation: SourceLocation?
    var value: ValueSyntax
}

/// The names a statement assigns.
public enum ScriptTargets: Hashable, Sendable {
    /// `name = …`, `a, b = …` (empty when nothing is assigned).
    case names([String])
    /// `{ layer: [part, …], … } = …` (the model zoo's `defuse_block` form).
    case blocks([TargetBlock])

    public struct TargetBlock: Hashable, Sendable {
        public var layer: String
        public var parts: [String]

        public init(layer: String, parts: [String]) {
            self.layer = layer
            self.parts = parts
        }
    }

    public static let none = ScriptTargets.names([])

    public var names: [String] {
        switch self {
        case .names(let n): return n
        case .blocks(let b): return b.flatMap(\.parts)
        }
    }
}

struct StatementSyntax: Sendable {
    var targets: ScriptTargets
    var targetLocations: [SourceLocation]
    var name: String
    var nameLocation: SourceLocation
    var arguments: [ArgumentSyntax]
}
