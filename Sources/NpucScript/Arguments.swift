// Binding the arguments of one call to typed values: positional and `key=value` lookup, type
// and range checks with located messages, and the refusal (by name) of keywords that npuc does
// not implement. Commands read their arguments through this, so every command reports problems
// the same way.

/// A keyword vocabulary of the language (activations, precision modes, …), spelled as in scripts.
public protocol ScriptKeyword: RawRepresentable, CaseIterable, Hashable, Sendable, Codable where RawValue == String {
    /// What the values are called in messages ("activation", "precision mode").
    static var noun: String { get }
}

/// Reads the arguments of one statement. Every problem goes to the bag; readers return nil for
/// a value that is wrong, so a command can go on and report its other arguments too.
struct Arguments {
    let command: String
    let commandLocation: SourceLocation
    let statementLine: Int
    let options: ModelScriptOptions
    private(set) var positional: [ValueSyntax] = []
    private var keywords: [(name: String, location: SourceLocation, value: ValueSyntax)] = []
    private var usedKeywords = Set<String>()
    private var nextPositional = 0
    /// Keywords refused as not supported (and dropped when that is only a warning).
    private(set) var refusedKeywords: [String] = []
    /// Spans of layer names and globs, for pointing at them when they do not resolve.
    private(set) var layerSpans: [String: LayerSpan] = [:]

    init(_ statement: StatementSyntax, options: ModelScriptOptions, bag: inout DiagnosticBag) {
        command = statement.name
        commandLocation = statement.nameLocation
        statementLine = statement.nameLocation.line
        self.options = options
        var seenKeyword = false
        for argument in statement.arguments {
            if let label = argument.label, let labelLocation = argument.labelLocation {
                seenKeyword = true
                if keywords.contains(where: { $0.name == label }) {
                    bag.error(.argument, "'\(label)' is given twice in \(command)(…)", at: labelLocation, length: label.count)
                    continue
                }
                keywords.append((label, labelLocation, argument.value))
            } else {
                if seenKeyword {
                    bag.error(.argument, "a positional argument follows a key=value argument in \(command)(…)",
                              at: argument.value.location, length: argument.value.length,
                              notes: ["put positional arguments first"])
                }
                positional.append(argument.value)
            }
        }
    }

    var positionalCount: Int { positional.count }

    /// The next positional argument.
    mutating func nextPositionalValue() -> ValueSyntax? {
        guard nextPositional < positional.count else { return nil }
        defer { nextPositional += 1 }
        return positional[nextPositional]
    }

    /// `name=` if given, else the next positional argument when `positionalAllowed`.
    mutating func value(_ name: String, positionalAllowed: Bool = false) -> ValueSyntax? {
        if let hit = keyword(name) { return hit }
        return positionalAllowed ? nextPositionalValue() : nil
    }

    mutating func keyword(_ name: String) -> ValueSyntax? {
        guard let hit = keywords.first(where: { $0.name == name }) else { return nil }
        usedKeywords.insert(name)
        return hit.value
    }

    func has(_ name: String) -> Bool { keywords.contains { $0.name == name } }

    /// Reports what was not consumed: extra positional arguments are errors; keywords npuc does
    /// not implement are refused by name (warnings with `ignoreUnsupported`, and then dropped).
    mutating func finish(known: [String], _ bag: inout DiagnosticBag) {
        if nextPositional < positional.count {
            let extra = positional[nextPositional]
            bag.error(.argument, "too many positional arguments for \(command)(…)", at: extra.location, length: extra.length)
        }
        for keyword in keywords where !usedKeywords.contains(keyword.name) {
            var notes: [String] = []
            if let close = closest(keyword.name, among: known) { notes.append("did you mean '\(close)'?") }
            notes.append(options.ignoreUnsupported ? "the argument is dropped" : "pass --ignore-unsupported to go on without it")
            bag.add(options.ignoreUnsupported ? .warning : .error, .unsupported,
                    "not supported by npuc: \(command)(\(keyword.name)) (line \(statementLine))",
                    at: keyword.location, length: keyword.name.count, notes: notes)
            refusedKeywords.append(keyword.name)
        }
    }

    // MARK: Typed readers

    func number(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> Double? {
        guard case .number(let x, _) = v.kind else {
            bag.error(.argument, "\(what) must be a number, found \(v.described)", at: v.location, length: v.length)
            return nil
        }
        return x
    }

    func double(_ v: ValueSyntax, _ what: String, in range: ClosedRange<Double>? = nil, _ bag: inout DiagnosticBag) -> Double? {
        guard let x = number(v, what, &bag) else { return nil }
        if let range, !range.contains(x) {
            bag.error(.argument, "\(what)=\(Self.text(v)) is out of range; it must be between \(ScriptPrinter.number(range.lowerBound)) and \(ScriptPrinter.number(range.upperBound))",
                      at: v.location, length: v.length)
            return nil
        }
        return x
    }

    /// A positive number (strictly greater than zero).
    func positiveDouble(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> Double? {
        guard let x = number(v, what, &bag) else { return nil }
        guard x > 0 else {
            bag.error(.argument, "\(what)=\(Self.text(v)) is out of range; it must be greater than 0", at: v.location, length: v.length)
            return nil
        }
        return x
    }

    func int(_ v: ValueSyntax, _ what: String, in range: ClosedRange<Int>, _ bag: inout DiagnosticBag) -> Int? {
        guard let x = number(v, what, &bag) else { return nil }
        guard x == x.rounded(), abs(x) < 1e15 else {
            bag.error(.argument, "\(what) must be a whole number, found \(Self.text(v))", at: v.location, length: v.length)
            return nil
        }
        let i = Int(x)
        guard range.contains(i) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            bag.error(.argument, "\(what)=\(Self.text(v)) is out of range; it must be \(bound)", at: v.location, length: v.length)
            return nil
        }
        return i
    }

    func bool(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> Bool? {
        if case .name(let n) = v.kind {
            switch n {
            case "True", "true": return true
            case "False", "false": return false
            default: break
            }
        }
        bag.error(.argument, "\(what) must be True or False, found \(v.described)", at: v.location, length: v.length)
        return nil
    }

    /// A word of a keyword vocabulary (bare or quoted).
    func keywordValue<K: ScriptKeyword>(_ v: ValueSyntax, _ what: String, as type: K.Type, _ bag: inout DiagnosticBag) -> K? {
        let word: String
        switch v.kind {
        case .name(let n): word = n
        case .string(let s): word = s
        default:
            bag.error(.argument, "\(what) must be one of \(Self.choices(K.self)), found \(v.described)", at: v.location, length: v.length)
            return nil
        }
        if let k = K(rawValue: word) { return k }
        var notes: [String] = []
        if let close = closest(word, among: K.allCases.map(\.rawValue)) { notes.append("did you mean '\(close)'?") }
        bag.error(.argument, "'\(word)' is not a valid \(K.noun); expected one of \(Self.choices(K.self))",
                  at: v.location, length: v.length, notes: notes)
        return nil
    }

    func doubleList(_ v: ValueSyntax, _ what: String, count: Int? = nil, _ bag: inout DiagnosticBag) -> [Double]? {
        guard case .list(let items) = v.kind else {
            bag.error(.argument, "\(what) must be a list of numbers like [0.0, 1.0], found \(v.described)", at: v.location, length: v.length)
            return nil
        }
        if let count, items.count != count {
            bag.error(.argument, "\(what) must have \(count) values, found \(items.count)", at: v.location, length: v.length)
            return nil
        }
        var result: [Double] = []
        var ok = true
        for item in items {
            if let x = number(item, "each value of \(what)", &bag) { result.append(x) } else { ok = false }
        }
        return ok ? result : nil
    }

    /// `[lo, hi]` with lo < hi.
    func range(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> [Double]? {
        guard let pair = doubleList(v, what, count: 2, &bag) else { return nil }
        guard pair[0] < pair[1] else {
            bag.error(.argument, "\(what) must be [low, high] with low < high, found [\(ScriptPrinter.number(pair[0])), \(ScriptPrinter.number(pair[1]))]",
                      at: v.location, length: v.length)
            return nil
        }
        return pair
    }

    func string(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> String? {
        switch v.kind {
        case .string(let s): return s
        case .name(let n): return n
        default:
            bag.error(.argument, "\(what) must be a string, found \(v.described)", at: v.location, length: v.length)
            return nil
        }
    }

    /// A layer selector: a name (bare or quoted), a `{glob}`, or a list of these.
    mutating func selector(_ v: ValueSyntax, _ what: String, _ bag: inout DiagnosticBag) -> LayerSelector? {
        switch v.kind {
        case .name(let n), .string(let n):
            layerSpans[n] = layerSpans[n] ?? LayerSpan(location: v.location, length: v.length)
            return .name(n)
        case .glob(let g):
            if case .failure(let error) = LayerGlob.compile(g) {
                bag.error(.argument, error.message, at: v.location, length: v.length)
                return nil
            }
            layerSpans["{\(g)}"] = layerSpans["{\(g)}"] ?? LayerSpan(location: v.location, length: v.length)
            return .glob(g)
        case .list(let items):
            var result: [LayerSelector] = []
            var ok = true
            for item in items {
                if case .list = item.kind {
                    bag.error(.argument, "\(what) must be a layer name, a {glob} or a flat list of them; nested lists are not allowed",
                              at: item.location, length: item.length)
                    ok = false
                } else if let s = selector(item, what, &bag) {
                    result.append(s)
                } else {
                    ok = false
                }
            }
            return ok ? .list(result) : nil
        case .number:
            bag.error(.argument, "\(what) must be a layer name, a {glob} or a list of them, found \(v.described)",
                      at: v.location, length: v.length, notes: ["quote a layer name that starts with a digit"])
            return nil
        }
    }

    static func text(_ v: ValueSyntax) -> String {
        if case .number(_, let t) = v.kind { return t }
        return ScriptPrinter.value(v.plain)
    }

    static func choices<K: ScriptKeyword>(_ type: K.Type) -> String {
        K.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// Where a layer name or glob was written in a statement.
public struct LayerSpan: Hashable, Sendable {
    public var location: SourceLocation
    public var length: Int
}

/// The closest word of `candidates` to `word`, when it is plausibly a typo of it.
func closest(_ word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word, $0)) }.filter { $0.1 <= max(2, word.count / 3) }
    return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
}
