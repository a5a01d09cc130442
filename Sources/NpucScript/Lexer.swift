// The lexer of the model-script language: turns the text into tokens (names, numbers, strings,
// layer globs, punctuation, statement ends) and reports stray characters, unterminated strings
// and unbalanced brackets with their locations. Inside brackets, newlines do not end a statement,
// so a call may span several lines as the model zoo's scripts do.

enum TokenKind: Equatable, Sendable {
    /// A bare word: command, keyword, enum value or layer name (`conv12`, `yolov8n/conv41`,
    /// `concat_from_conv36_d0-2_to_conv36_dc`, `/model.22/cv2.0/Conv`).
    case name(String)
    /// A number, with its text (so `4` stays an integer and `1e-5` keeps its spelling).
    case number(Double, text: String)
    case string(String)
    /// `{pattern}`: a layer glob such as `{conv*}`, `{*}`, `{conv[0-9]*}`.
    case glob(String)
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, equals, colon
    /// The end of a statement (a newline outside brackets).
    case newline
    case end

    var display: String {
        switch self {
        case .name(let n): return "'\(n)'"
        case .number(_, let text): return "number \(text)"
        case .string(let s): return "string \"\(s)\""
        case .glob(let g): return "'{\(g)}'"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .leftBrace: return "'{'"
        case .rightBrace: return "'}'"
        case .comma: return "','"
        case .equals: return "'='"
        case .colon: return "':'"
        case .newline: return "end of line"
        case .end: return "end of file"
        }
    }
}

struct Token: Equatable, Sendable {
    var kind: TokenKind
    var location: SourceLocation
    /// Characters the token spans on its line (for the caret underline).
    var length: Int
}

struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    /// Open brackets with where they were opened.
    private var open: [(scalar: Unicode.Scalar, location: SourceLocation)] = []

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static func tokenize(_ text: String, into bag: inout DiagnosticBag) -> [Token] {
        var lexer = Lexer(text)
        return lexer.run(&bag)
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else if scalars[index] != "\r" {
            // Carriage returns take no column, as in the lines diagnostics quote.
            column += 1
        }
        index += 1
    }

    private var here: SourceLocation { SourceLocation(line: line, column: column) }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || c == "_" || c == "/" || c == "$"
    }

    static func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "/" || c == "." || c == "-" || c == "$"
    }

    static func isGlobCharacter(_ c: Unicode.Scalar) -> Bool {
        isNameContinue(c) || c == "*" || c == "?" || c == "[" || c == "]" || c == "!" || c == "^" || c == " "
    }

    private mutating func run(_ bag: inout DiagnosticBag) -> [Token] {
        var tokens: [Token] = []
        func emit(_ kind: TokenKind, _ start: SourceLocation, _ length: Int) {
            tokens.append(Token(kind: kind, location: start, length: length))
        }
        while let c = peek() {
            let start = here
            switch c {
            case " ", "\t", "\r":
                advance()
            case "#":
                while let d = peek(), d != "\n" { advance() }
            case "\\" where peek(1) == "\n":
                // An explicit line continuation.
                advance()
                advance()
            case "\n":
                advance()
                if open.isEmpty {
                    if let last = tokens.last, last.kind != .newline { emit(.newline, start, 1) }
                } else if nextLineStartsStatement() {
                    let innermost = open[open.count - 1]
                    bag.error(.syntax, "unclosed '\(innermost.scalar)'", at: innermost.location,
                              notes: ["add the closing '\(Lexer.closer(of: innermost.scalar))' before the end of the statement"])
                    open.removeAll()
                    emit(.newline, start, 1)
                }
            case "(", "[":
                open.append((c, start))
                advance()
                emit(c == "(" ? .leftParen : .leftBracket, start, 1)
            case "{":
                if let pattern = scanGlob() {
                    emit(.glob(pattern.text), start, pattern.length)
                } else {
                    open.append((c, start))
                    advance()
                    emit(.leftBrace, start, 1)
                }
            case ")", "]", "}":
                close(c, at: start, &bag)
                advance()
                emit(c == ")" ? .rightParen : c == "]" ? .rightBracket : .rightBrace, start, 1)
            case ",":
                advance()
                emit(.comma, start, 1)
            case "=":
                advance()
                emit(.equals, start, 1)
            case ":":
                advance()
                emit(.colon, start, 1)
            case "\"", "'":
                scanString(quote: c, start: start, &bag, emit)
            case _ where ("0"..."9").contains(c) || c == "."
                || ((c == "-" || c == "+") && (peek(1).map { ("0"..."9").contains($0) || $0 == "." } ?? false)):
                scanNumber(start: start, &bag, emit)
            case _ where Lexer.isNameStart(c):
                var text = String.UnicodeScalarView()
                while let d = peek(), Lexer.isNameContinue(d) {
                    text.append(d)
                    advance()
                }
                emit(.name(String(text)), start, text.count)
            default:
                bag.error(.syntax, "stray character '\(c.escaped(asASCII: false))'", at: start,
                          notes: ["model scripts contain calls like name(arg, key=value), one per line"])
                advance()
            }
        }
        if let innermost = open.last {
            bag.error(.syntax, "unclosed '\(innermost.scalar)'", at: innermost.location,
                      notes: ["add the closing '\(Lexer.closer(of: innermost.scalar))'"])
            open.removeAll()
        }
        if let last = tokens.last, last.kind != .newline { emit(.newline, here, 1) }
        tokens.append(Token(kind: .end, location: here, length: 1))
        return tokens
    }

    static func closer(of opener: Unicode.Scalar) -> Unicode.Scalar {
        opener == "(" ? ")" : opener == "[" ? "]" : "}"
    }

    private mutating func close(_ c: Unicode.Scalar, at location: SourceLocation, _ bag: inout DiagnosticBag) {
        guard let top = open.last else {
            bag.error(.syntax, "unmatched '\(c)'", at: location, notes: ["remove it or add the opening bracket"])
            return
        }
        if Lexer.closer(of: top.scalar) == c {
            open.removeLast()
            return
        }
        bag.error(.syntax, "'\(c)' does not close the '\(top.scalar)' opened at line \(top.location.line), column \(top.location.column)",
                  at: location, notes: ["expected '\(Lexer.closer(of: top.scalar))'"])
        if let match = open.lastIndex(where: { Lexer.closer(of: $0.scalar) == c }) {
            open.removeSubrange(match...)
        }
    }

    /// After a newline inside brackets: does the next line look like a new statement
    /// (`name(` or `name =` starting at column 1)? Then the previous statement lost its closer.
    private func nextLineStartsStatement() -> Bool {
        var i = index
        guard i < scalars.count, Lexer.isNameStart(scalars[i]) else { return false }
        while i < scalars.count, Lexer.isNameContinue(scalars[i]) { i += 1 }
        while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
        guard i < scalars.count else { return false }
        if scalars[i] == "(" { return true }
        return scalars[i] == "=" && (i + 1 >= scalars.count || scalars[i + 1] != "=")
    }

    /// `{pattern}` on one line made only of glob characters; nil when `{` opens something else.
    private mutating func scanGlob() -> (text: String, length: Int)? {
        var i = index + 1
        var text = String.UnicodeScalarView()
        while i < scalars.count, scalars[i] != "}" {
            guard Lexer.isGlobCharacter(scalars[i]) else { return nil }
            text.append(scalars[i])
            i += 1
        }
        guard i < scalars.count else { return nil }
        let length = i - index + 1
        while index <= i { advance() }
        return (String(text).trimmingSpaces(), length)
    }

    private mutating func scanString(quote: Unicode.Scalar, start: SourceLocation, _ bag: inout DiagnosticBag,
                                     _ emit: (TokenKind, SourceLocation, Int) -> Void) {
        advance()
        var text = String.UnicodeScalarView()
        var length = 1
        while let c = peek(), c != quote, c != "\n" {
            if c == "\\", let next = peek(1), next == quote || next == "\\" {
                text.append(next)
                advance()
                advance()
                length += 2
                continue
            }
            text.append(c)
            advance()
            length += 1
        }
        if peek() == quote {
            advance()
            emit(.string(String(text)), start, length + 1)
        } else {
            bag.error(.syntax, "unterminated string", at: start, length: length,
                      notes: ["close it with \(quote) on the same line"])
            // The brackets around it cannot be matched any more; the string error says it all.
            open.removeAll()
            emit(.string(String(text)), start, length)
        }
    }

    private mutating func scanNumber(start: SourceLocation, _ bag: inout DiagnosticBag,
                                     _ emit: (TokenKind, SourceLocation, Int) -> Void) {
        var text = String.UnicodeScalarView()
        func digits() {
            while let d = peek(), ("0"..."9").contains(d) {
                text.append(d)
                advance()
            }
        }
        if let s = peek(), s == "-" || s == "+" {
            text.append(s)
            advance()
        }
        digits()
        if peek() == "." {
            text.append(".")
            advance()
            digits()
        }
        if let e = peek(), e == "e" || e == "E",
           let next = peek(1), ("0"..."9").contains(next) || next == "-" || next == "+" {
            text.append(e)
            advance()
            if let s = peek(), s == "-" || s == "+" {
                text.append(s)
                advance()
            }
            digits()
        }
        // A number glued to letters (`3x3`) is not a number: report it as one stray word.
        if let d = peek(), Lexer.isNameContinue(d), d != "-" || text.isEmpty {
            while let d = peek(), Lexer.isNameContinue(d) {
                text.append(d)
                advance()
            }
            bag.error(.syntax, "'\(String(text))' is neither a number nor a name", at: start, length: text.count,
                      notes: ["names start with a letter; quote a name that starts with a digit (\"\(String(text))\")"])
            emit(.string(String(text)), start, text.count)
            return
        }
        let string = String(text)
        guard let value = Double(string), value.isFinite else {
            bag.error(.syntax, "'\(string)' is not a number", at: start, length: max(1, text.count))
            emit(.number(0, text: "0"), start, max(1, text.count))
            return
        }
        emit(.number(value, text: string), start, text.count)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, f == " " { scalars.removeFirst() }
        while let l = scalars.last, l == " " { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
