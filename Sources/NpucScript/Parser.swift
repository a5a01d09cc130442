// The parser of the model-script language: tokens → statements. A syntax error skips to the end
// of its statement and parsing goes on, so every error of a script is reported in one pass.

struct Parser {
    private let tokens: [Token]
    private var position = 0
    /// Lines on which the lexer already reported a problem; the parser does not repeat it.
    private var lexerErrorLines = Set<Int>()

    private init(tokens: [Token]) { self.tokens = tokens }

    static func parse(_ text: String, into bag: inout DiagnosticBag) -> [StatementSyntax] {
        let tokens = Lexer.tokenize(text, into: &bag)
        var parser = Parser(tokens: tokens)
        parser.lexerErrorLines = Set(bag.items.compactMap { $0.location?.line })
        return parser.statements(&bag)
    }

    private struct SyntaxError: Error {
        var message: String
        var token: Token
        var notes: [String] = []
    }

    private var current: Token { tokens[position] }

    private func peekKind(_ offset: Int = 1) -> TokenKind {
        position + offset < tokens.count ? tokens[position + offset].kind : .end
    }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    private mutating func expect(_ kind: TokenKind, _ what: String) throws(SyntaxError) -> Token {
        guard current.kind == kind else {
            throw SyntaxError(message: "expected \(what), found \(current.kind.display)", token: current)
        }
        let token = current
        advance()
        return token
    }

    private mutating func statements(_ bag: inout DiagnosticBag) -> [StatementSyntax] {
        var result: [StatementSyntax] = []
        while current.kind != .end {
            if current.kind == .newline {
                advance()
                continue
            }
            let startLine = current.location.line
            do {
                result.append(try statement())
            } catch {
                // A stray character or bracket mismatch the lexer reported in this statement
                // usually causes the parse error too; the lexer's message is the useful one.
                let alreadyReported = (startLine...max(startLine, error.token.location.line)).contains { lexerErrorLines.contains($0) }
                if !alreadyReported {
                    bag.error(.syntax, error.message, at: error.token.location, length: error.token.length, notes: error.notes)
                }
                while current.kind != .newline && current.kind != .end { advance() }
            }
        }
        return result
    }

    private mutating func statement() throws(SyntaxError) -> StatementSyntax {
        var targets = ScriptTargets.none
        var targetLocations: [SourceLocation] = []
        if current.kind == .leftBrace {
            targets = .blocks(try targetBlocks(&targetLocations))
            _ = try expect(.equals, "'=' after the assigned names")
        } else if case .name = current.kind, peekKind() != .leftParen {
            var names: [String] = []
            while true {
                guard case .name(let n) = current.kind else {
                    throw SyntaxError(message: "expected a name to assign, found \(current.kind.display)", token: current)
                }
                names.append(n)
                targetLocations.append(current.location)
                advance()
                if current.kind == .comma {
                    advance()
                    continue
                }
                break
            }
            guard current.kind == .equals else {
                let notes = names.count == 1 ? ["a statement is a call such as \(names[0])(…), optionally assigned: name = command(…)"] : []
                throw SyntaxError(message: "expected '(' or '=' after '\(names[names.count - 1])', found \(current.kind.display)",
                                  token: current, notes: notes)
            }
            advance()
            targets = .names(names)
        }
        guard case .name(let command) = current.kind else {
            throw SyntaxError(message: "expected a command name, found \(current.kind.display)", token: current)
        }
        let nameToken = current
        let firstLine = targetLocations.first?.line ?? nameToken.location.line
        advance()
        _ = try expect(.leftParen, "'(' after '\(command)'")
        let arguments = try argumentList()
        let close = try expect(.rightParen, "')' or ',' in the arguments of '\(command)'")
        guard current.kind == .newline || current.kind == .end else {
            throw SyntaxError(message: "expected the end of the line after '\(command)(…)', found \(current.kind.display)",
                              token: current, notes: ["write one command per line"])
        }
        if (firstLine...close.location.line).contains(where: { lexerErrorLines.contains($0) }) {
            // Already reported; typing a statement with a broken token would only add noise.
            throw SyntaxError(message: "", token: close)
        }
        return StatementSyntax(targets: targets, targetLocations: targetLocations, name: command,
                               nameLocation: nameToken.location, arguments: arguments)
    }

    private mutating func targetBlocks(_ locations: inout [SourceLocation]) throws(SyntaxError) -> [ScriptTargets.TargetBlock] {
        _ = try expect(.leftBrace, "'{'")
        var blocks: [ScriptTargets.TargetBlock] = []
        while current.kind != .rightBrace {
            guard case .name(let layer) = current.kind else {
                throw SyntaxError(message: "expected a layer name in the '{…}' target, found \(current.kind.display)", token: current)
            }
            locations.append(current.location)
            advance()
            _ = try expect(.colon, "':' after '\(layer)'")
            _ = try expect(.leftBracket, "'[' with the names of the parts of '\(layer)'")
            var parts: [String] = []
            while current.kind != .rightBracket {
                guard case .name(let part) = current.kind else {
                    throw SyntaxError(message: "expected a name, found \(current.kind.display)", token: current)
                }
                parts.append(part)
                advance()
                if current.kind == .comma { advance() } else { break }
            }
            _ = try expect(.rightBracket, "']'")
            blocks.append(.init(layer: layer, parts: parts))
            if current.kind == .comma { advance() } else { break }
        }
        _ = try expect(.rightBrace, "'}'")
        return blocks
    }

    private mutating func argumentList() throws(SyntaxError) -> [ArgumentSyntax] {
        var arguments: [ArgumentSyntax] = []
        while current.kind != .rightParen {
            if case .name(let label) = current.kind, peekKind() == .equals {
                let labelLocation = current.location
                advance()
                advance()
                arguments.append(ArgumentSyntax(label: label, labelLocation: labelLocation, value: try value()))
            } else {
                arguments.append(ArgumentSyntax(label: nil, labelLocation: nil, value: try value()))
            }
            if current.kind == .comma { advance() } else { break }
        }
        return arguments
    }

    /// Lists nest at most this deep (the language needs two levels; this bounds the recursion).
    static let maximumNesting = 32

    private mutating func value(depth: Int = 0) throws(SyntaxError) -> ValueSyntax {
        let token = current
        switch token.kind {
        case .number(let v, let text):
            advance()
            return ValueSyntax(kind: .number(v, text: text), location: token.location, length: token.length)
        case .string(let s):
            advance()
            return ValueSyntax(kind: .string(s), location: token.location, length: token.length)
        case .name(let n):
            advance()
            return ValueSyntax(kind: .name(n), location: token.location, length: token.length)
        case .glob(let g):
            advance()
            return ValueSyntax(kind: .glob(g), location: token.location, length: token.length)
        case .leftBracket:
            guard depth < Parser.maximumNesting else {
                throw SyntaxError(message: "lists are nested more than \(Parser.maximumNesting) deep", token: token)
            }
            advance()
            var items: [ValueSyntax] = []
            while current.kind != .rightBracket {
                items.append(try value(depth: depth + 1))
                if current.kind == .comma { advance() } else { break }
            }
            let close = try expect(.rightBracket, "',' or ']' in the list")
            let length = close.location.line == token.location.line ? close.location.column - token.location.column + 1 : 1
            return ValueSyntax(kind: .list(items), location: token.location, length: length)
        default:
            throw SyntaxError(message: "expected a value (number, string, name, list or {glob}), found \(token.kind.display)",
                              token: token)
        }
    }
}
