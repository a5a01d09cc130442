// JSON forms of scripts and diagnostics, for `npuc script check --json`: every statement with its
// command, typed arguments (keyword names as in scripts), canonical text and resolved layers.

import Foundation

extension LayerSelector: Encodable {
    /// A name encodes as a string, a glob as `{"glob": pattern}`, a list as an array.
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .name(let n):
            var c = encoder.singleValueContainer()
            try c.encode(n)
        case .glob(let g):
            var c = encoder.container(keyedBy: GlobKey.self)
            try c.encode(g, forKey: .glob)
        case .list(let items):
            var c = encoder.singleValueContainer()
            try c.encode(items)
        }
    }

    private enum GlobKey: String, CodingKey { case glob }
}

extension ScriptDiagnostic: Encodable {
    private enum Keys: String, CodingKey { case severity, kind, message, file, line, column, notes, rendered }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(severity.rawValue, forKey: .severity)
        try c.encode(kind.rawValue, forKey: .kind)
        try c.encode(message, forKey: .message)
        try c.encode(fileName, forKey: .file)
        try c.encodeIfPresent(location?.line, forKey: .line)
        try c.encodeIfPresent(location?.column, forKey: .column)
        try c.encode(notes, forKey: .notes)
        try c.encode(description, forKey: .rendered)
    }
}

/// One statement as JSON.
struct StatementJSON: Encodable {
    let statement: ScriptStatement
    let resolved: [ResolvedLayers]

    private enum Keys: String, CodingKey { case line, column, command, supported, refused, targets, arguments, text, layers }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(statement.location?.line, forKey: .line)
        try c.encodeIfPresent(statement.location?.column, forKey: .column)
        try c.encode(statement.command.name, forKey: .command)
        try c.encode(statement.command.isSupported, forKey: .supported)
        if case .unsupported(let u) = statement.command { try c.encode(u.refused, forKey: .refused) }
        try c.encode(statement.targets.names, forKey: .targets)
        if let definition = statement.command.definitionValue {
            try c.encode(AnyEncodable(definition), forKey: .arguments)
        }
        try c.encode(ScriptPrinter.line(statement), forKey: .text)
        if !resolved.isEmpty {
            try c.encode(Dictionary(resolved.map { ($0.role, $0.layers) }, uniquingKeysWith: { a, b in a + b }), forKey: .layers)
        }
    }
}

private struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}

extension ScriptCheckReport {
    private struct ReportJSON: Encodable {
        let file: String
        let ok: Bool
        let errors: Int
        let warnings: Int
        let statements: [StatementJSON]
        let diagnostics: [ScriptDiagnostic]
    }

    /// The report as pretty-printed JSON with sorted keys (stable across runs).
    public func json() throws -> String {
        let statements = script.statements.enumerated().map { i, s in
            StatementJSON(statement: s, resolved: resolvedLayers.filter { $0.statement == i })
        }
        let report = ReportJSON(file: script.fileName, ok: !hasErrors,
                                errors: diagnostics.filter { $0.severity == .error }.count,
                                warnings: diagnostics.filter { $0.severity == .warning }.count,
                                statements: statements, diagnostics: diagnostics)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
