// The printer: writes statements back as canonical script text (one statement per line,
// positional arguments first, keywords in a fixed order, numbers in their shortest exact form).
// Parsing the printed text gives the same statements — a property the tests check on random
// scripts.

public enum ScriptPrinter {
    public static func print(_ statements: [ScriptStatement]) -> String {
        statements.map(line).map { $0 + "\n" }.joined()
    }

    public static func line(_ statement: ScriptStatement) -> String {
        targets(statement.targets) + statement.command.name + "("
            + statement.command.printedArguments.map(argument).joined(separator: ", ") + ")"
    }

    static func targets(_ targets: ScriptTargets) -> String {
        switch targets {
        case .names(let names):
            return names.isEmpty ? "" : names.map(nameOrString).joined(separator: ", ") + " = "
        case .blocks(let blocks):
            return "{ " + blocks.map { "\($0.layer): [" + $0.parts.joined(separator: ", ") + "]" }.joined(separator: ", ") + " } = "
        }
    }

    static func argument(_ argument: PrintedArgument) -> String {
        (argument.label.map { $0 + "=" } ?? "") + value(argument.value)
    }

    public static func value(_ value: ScriptValue) -> String {
        switch value {
        case .number(_, let text): return text
        case .string(let s): return quoted(s)
        case .name(let n): return n
        case .glob(let g): return "{\(g)}"
        case .list(let items): return "[" + items.map(self.value).joined(separator: ", ") + "]"
        }
    }

    /// The shortest text that reads back as exactly `x` (Swift's round-trip description).
    public static func number(_ x: Double) -> String {
        "\(x)"
    }

    static func nameOrString(_ text: String) -> String {
        Lexer.isPlainName(text) ? text : quoted(text)
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}
