// Located diagnostics of the model-script language: file:line:column, severity, message, the
// source line and a caret under the offending text. Every stage collects them instead of
// stopping at the first, so a user sees all problems of a script at once.

/// A position in a script: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Hashable, Sendable, Codable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// One finding about a script.
public struct ScriptDiagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable {
        case error, warning
    }

    /// What kind of problem this is, so callers (and tests) need not match on wording.
    public enum Kind: String, Sendable, Codable {
        /// The text is not well formed (stray character, unclosed bracket, missing comma …).
        case syntax
        /// A command npuc recognizes from the DFC but does not implement (or one it does not know).
        case unsupported
        /// An argument has the wrong type, is missing, repeated, or out of range.
        case argument
        /// A layer selector names no layer of the model.
        case layer
        /// The NMS post-processing config file is missing or malformed.
        case nmsConfig
    }

    public var severity: Severity
    public var kind: Kind
    public var message: String
    /// The script file as the user named it.
    public var fileName: String
    /// Where the problem is; nil for problems of the whole file.
    public var location: SourceLocation?
    /// How many characters the caret line underlines (at least 1).
    public var length: Int
    /// The script line the location points into, for the caret rendering.
    public var sourceLine: String?
    /// Further lines shown under the caret ("did you mean …", what to do next).
    public var notes: [String]

    public init(_ severity: Severity, _ kind: Kind, _ message: String, fileName: String,
                location: SourceLocation?, length: Int = 1, sourceLine: String? = nil, notes: [String] = []) {
        self.severity = severity
        self.kind = kind
        self.message = message
        self.fileName = fileName
        self.location = location
        self.length = max(1, length)
        self.sourceLine = sourceLine
        self.notes = notes
    }

    /// `file:line:column: error: message`, then the source line, a caret line and the notes.
    public var description: String {
        var head = fileName
        if let location { head += ":\(location.line):\(location.column)" }
        var lines = ["\(head): \(severity.rawValue): \(message)"]
        if let location, let sourceLine {
            let shown = sourceLine.replacingTabs()
            lines.append(shown)
            let prefix = String(sourceLine.unicodeScalars.prefix(location.column - 1)).replacingTabs()
            let available = max(1, shown.unicodeScalars.count - prefix.unicodeScalars.count)
            let width = min(length, available)
            lines.append(String(repeating: " ", count: prefix.unicodeScalars.count) + "^"
                         + String(repeating: "~", count: max(0, width - 1)))
        }
        for note in notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Tabs become one space so that the caret line stays aligned with the source line.
    fileprivate func replacingTabs() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\t" ? " " : $0 }))
    }
}

/// Thrown when a script has errors: all of them, in source order, with the warnings.
public struct ModelScriptError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ScriptDiagnostic]

    public init(diagnostics: [ScriptDiagnostic]) { self.diagnostics = diagnostics }

    public var errors: [ScriptDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String {
        let count = errors.count
        let summary = "\(count) error\(count == 1 ? "" : "s") in the model script"
        return (diagnostics.map(\.description) + [summary]).joined(separator: "\n")
    }
}

/// Where diagnostics of one script are gathered, with the text they quote.
struct DiagnosticBag {
    let source: SourceText
    private(set) var items: [ScriptDiagnostic] = []

    init(source: SourceText) { self.source = source }

    mutating func add(_ severity: ScriptDiagnostic.Severity, _ kind: ScriptDiagnostic.Kind, _ message: String,
                      at location: SourceLocation?, length: Int = 1, notes: [String] = []) {
        items.append(ScriptDiagnostic(severity, kind, message, fileName: source.fileName, location: location,
                                      length: length, sourceLine: location.flatMap { source.line($0.line) },
                                      notes: notes))
    }

    mutating func error(_ kind: ScriptDiagnostic.Kind, _ message: String, at location: SourceLocation?,
                        length: Int = 1, notes: [String] = []) {
        add(.error, kind, message, at: location, length: length, notes: notes)
    }

    var hasErrors: Bool { items.contains { $0.severity == .error } }

    mutating func append(contentsOf other: [ScriptDiagnostic]) { items.append(contentsOf: other) }

    /// Diagnostics in source order (stable for equal locations).
    var sorted: [ScriptDiagnostic] {
        items.enumerated().sorted { a, b in
            let la = a.element.location ?? SourceLocation(line: 0, column: 0)
            let lb = b.element.location ?? SourceLocation(line: 0, column: 0)
            return la == lb ? a.offset < b.offset : la < lb
        }.map(\.element)
    }
}

/// The script text split into lines, for quoting in diagnostics.
struct SourceText: Sendable {
    let fileName: String
    let lines: [String]

    init(_ text: String, fileName: String) {
        self.fileName = fileName
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else if scalar != "\r" {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        self.lines = lines
    }

    func line(_ number: Int) -> String? {
        number >= 1 && number <= lines.count ? lines[number - 1] : nil
    }
}
