// Layer selectors of model scripts: a layer name (npuc's `conv12`, `net/conv12`, or the original
// ONNX node name), a glob in braces (`{conv*}`, `{*}`, `{conv[0-9]*}`), or a list of these.

public indirect enum LayerSelector: Hashable, Sendable {
    case name(String)
    case glob(String)
    case list([LayerSelector])

    /// `{*}`: every layer.
    public static let all = LayerSelector.glob("*")

    /// The selector as a script writes it.
    public var scriptText: String {
        switch self {
        case .name(let n): return ScriptPrinter.nameOrString(n)
        case .glob(let g): return "{\(g)}"
        case .list(let items): return "[" + items.map(\.scriptText).joined(separator: ", ") + "]"
        }
    }
}

/// Shell-style matching of layer globs: `*` any run of characters, `?` one character,
/// `[abc]`, `[a-z]` and `[!a]` / `[^a]` character classes.
public struct LayerGlob: Hashable, Sendable {
    enum Piece: Hashable, Sendable {
        case literal(Unicode.Scalar)
        case any
        case anyRun
        case set(ranges: [ClosedRange<Unicode.Scalar>], negated: Bool)
    }

    let pieces: [Piece]
    public let pattern: String

    /// Nil with a reason when the pattern is malformed (an unclosed `[`, an empty class).
    public static func compile(_ pattern: String) -> Result<LayerGlob, GlobSyntaxError> {
        var pieces: [Piece] = []
        let s = Array(pattern.unicodeScalars)
        var i = 0
        while i < s.count {
            switch s[i] {
            case "*":
                if pieces.last != .anyRun { pieces.append(.anyRun) }
                i += 1
            case "?":
                pieces.append(.any)
                i += 1
            case "[":
                var j = i + 1
                var negated = false
                if j < s.count, s[j] == "!" || s[j] == "^" {
                    negated = true
                    j += 1
                }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                var first = true
                while j < s.count, s[j] != "]" || first {
                    first = false
                    if j + 2 < s.count, s[j + 1] == "-", s[j + 2] != "]" {
                        guard s[j] <= s[j + 2] else {
                            return .failure(GlobSyntaxError(message: "character range '\(s[j])-\(s[j + 2])' is reversed"))
                        }
                        ranges.append(s[j]...s[j + 2])
                        j += 3
                    } else {
                        ranges.append(s[j]...s[j])
                        j += 1
                    }
                }
                guard j < s.count else {
                    return .failure(GlobSyntaxError(message: "'[' in the glob {\(pattern)} is not closed by ']'"))
                }
                pieces.append(.set(ranges: ranges, negated: negated))
                i = j + 1
            case "]":
                return .failure(GlobSyntaxError(message: "']' in the glob {\(pattern)} has no opening '['"))
            default:
                pieces.append(.literal(s[i]))
                i += 1
            }
        }
        if pattern.isEmpty { return .failure(GlobSyntaxError(message: "the glob {} is empty; write {*} for every layer")) }
        return .success(LayerGlob(pieces: pieces, pattern: pattern))
    }

    public func matches(_ text: String) -> Bool {
        let t = Array(text.unicodeScalars)
        // Classic two-pointer matching with backtracking to the last `*`.
        var p = 0, i = 0
        var starPiece = -1, starText = 0
        while i < t.count {
            if p < pieces.count {
                switch pieces[p] {
                case .anyRun:
                    starPiece = p
                    starText = i
                    p += 1
                    continue
                case .any:
                    p += 1
                    i += 1
                    continue
                case .literal(let c) where c == t[i]:
                    p += 1
                    i += 1
                    continue
                case .set(let ranges, let negated) where ranges.contains { $0.contains(t[i]) } != negated:
                    p += 1
                    i += 1
                    continue
                default:
                    break
                }
            }
            guard starPiece >= 0 else { return false }
            p = starPiece + 1
            starText += 1
            i = starText
        }
        while p < pieces.count, pieces[p] == .anyRun { p += 1 }
        return p == pieces.count
    }
}

public struct GlobSyntaxError: Error, Hashable, Sendable {
    public var message: String
}
