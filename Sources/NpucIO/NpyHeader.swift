// The `.npy` header: parsing the preamble and the Python-literal dictionary
// ({'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }) and writing it the way NumPy does.

import NpucGraph

/// Byte order of the elements stored in a `.npy` file.
public enum NpyByteOrder: String, Sendable, Hashable {
    case little, big
    /// One-byte types (`|u1`, `|b1`).
    case notApplicable

    static var native: NpyByteOrder {
        #if _endian(little)
        return .little
        #else
        return .big
        #endif
    }
}

/// What a `.npy` header says: element type, order, shape, and where the data starts.
public struct NpyHeader: Sendable, Hashable {
    public var dataType: DataType
    public var byteOrder: NpyByteOrder
    public var fortranOrder: Bool
    public var shape: [Int]
    /// Offset of the first data byte from the start of the file.
    public var dataOffset: Int
    /// The dtype as written in the header ("<f4").
    public var descr: String
    /// Format version, (1, 0), (2, 0) or (3, 0).
    public var version: (major: Int, minor: Int) { (versionMajor, versionMinor) }
    var versionMajor: Int
    var versionMinor: Int

    /// Number of elements (the parser has checked that the byte count does not overflow).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of data bytes the shape and dtype call for.
    public var dataByteCount: Int { elementCount * dataType.byteWidth }

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// NumPy aligns the data to 64 bytes and leaves room to grow the first dimension in place.
    static let alignment = 64
    static let growthAxisMaxDigits = 21

    /// Parses the preamble and header dictionary at the start of `bytes`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, source: String) throws(NumPyError) -> NpyHeader {
        func fail(_ problem: NumPyError.Problem) -> NumPyError { NumPyError(source: source, problem: problem) }
        guard bytes.count >= 8 else {
            if bytes.count < 6 || !zip(magic, bytes).allSatisfy({ $0 == $1 }) { throw fail(.notNumPy) }
            throw fail(.truncatedHeader(needed: 10, available: bytes.count))
        }
        guard zip(magic, bytes).allSatisfy({ $0 == $1 }) else { throw fail(.notNumPy) }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        let headerLength: Int
        let headerStart: Int
        switch (major, minor) {
        case (1, 0):
            guard bytes.count >= 10 else { throw fail(.truncatedHeader(needed: 10, available: bytes.count)) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case (2, 0), (3, 0):
            guard bytes.count >= 12 else { throw fail(.truncatedHeader(needed: 12, available: bytes.count)) }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail(.unsupportedVersion(major: major, minor: minor))
        }
        let dataOffset = headerStart + headerLength
        guard bytes.count >= dataOffset else {
            throw fail(.truncatedHeader(needed: dataOffset, available: bytes.count))
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataOffset])
        let text: String
        if major == 3 {
            guard let utf8 = String(validating: headerBytes, as: UTF8.self) else {
                throw fail(.malformedHeader("the header of a version 3.0 file is not valid UTF-8"))
            }
            text = utf8
        } else {
            // Versions 1.0 and 2.0 are latin-1: every byte is one code point.
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        var header = try parseDictionary(text, source: source)
        header.dataOffset = dataOffset
        header.versionMajor = major
        header.versionMinor = minor
        return header
    }

    private static func parseDictionary(_ text: String, source: String) throws(NumPyError) -> NpyHeader {
        func malformed(_ what: String) -> NumPyError { NumPyError(source: source, problem: .malformedHeader(what)) }
        let value: PythonLiteral
        do {
            var parser = PythonLiteralParser(text)
            value = try parser.parseTopLevel()
        } catch {
            throw malformed("\(error.message) in \(quoted(text))")
        }
        guard case .dict(let entries) = value else {
            throw malformed("expected a dictionary, found \(quoted(text))")
        }
        var descr: PythonLiteral?, fortran: PythonLiteral?, shape: PythonLiteral?
        for (key, item) in entries {
            switch key {
            case "descr": descr = item
            case "fortran_order": fortran = item
            case "shape": shape = item
            default: throw malformed("unexpected key '\(key)' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')")
            }
        }
        guard let descr else { throw malformed("the key 'descr' is missing") }
        guard let fortran else { throw malformed("the key 'fortran_order' is missing") }
        guard let shape else { throw malformed("the key 'shape' is missing") }
        guard case .bool(let fortranOrder) = fortran else { throw malformed("'fortran_order' is not True or False") }
        let (dataType, byteOrder, descrText) = try parseDescr(descr, source: source)
        guard case .tuple(let dimsLiteral) = shape else { throw malformed("'shape' is not a tuple") }
        var dims: [Int] = []
        for d in dimsLiteral {
            guard case .int(let n) = d else { throw malformed("'shape' holds something other than integers") }
            guard n >= 0 else {
                throw NumPyError(source: source, problem: .invalidShape("dimension \(n) is negative"))
            }
            dims.append(n)
        }
        // The total may exceed what one Tensor holds (a memory-mapped calibration set is read a row
        // at a time), but its byte count must be representable.
        var byteCount = dataType.byteWidth
        for d in dims {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw NumPyError(source: source, problem: .invalidShape("\(pythonTuple(dims)) is too large to address"))
            }
            byteCount = product
        }
        return NpyHeader(dataType: dataType, byteOrder: byteOrder, fortranOrder: fortranOrder, shape: dims,
                         dataOffset: 0, descr: descrText, versionMajor: 1, versionMinor: 0)
    }

    private static func parseDescr(_ literal: PythonLiteral, source: String) throws(NumPyError)
        -> (DataType, NpyByteOrder, String) {
        func unsupported(_ what: String) -> NumPyError { NumPyError(source: source, problem: .unsupportedDType(what)) }
        guard case .string(let descr) = literal else {
            if case .list = literal {
                throw unsupported("structured arrays (record dtypes) are not supported; save each field as its own array")
            }
            throw NumPyError(source: source, problem: .malformedHeader("'descr' is not a string"))
        }
        guard let first = descr.first else {
            throw NumPyError(source: source, problem: .malformedHeader("'descr' is empty"))
        }
        var order: NpyByteOrder
        var code = Substring(descr)
        switch first {
        case "<": order = .little; code = code.dropFirst()
        case ">": order = .big; code = code.dropFirst()
        case "|": order = .notApplicable; code = code.dropFirst()
        case "=": order = .native; code = code.dropFirst()
        default: order = .native
        }
        let dataType: DataType
        switch code {
        case "b1", "?": dataType = .bool
        case "u1", "B": dataType = .uint8
        case "i1", "b": dataType = .int8
        case "u2", "H": dataType = .uint16
        case "i2", "h": dataType = .int16
        case "u4", "I": dataType = .uint32
        case "i4", "i": dataType = .int32
        case "u8", "Q": dataType = .uint64
        case "i8", "q": dataType = .int64
        case "f2", "e": dataType = .float16
        case "f4", "f": dataType = .float32
        case "f8", "d": dataType = .float64
        case "O", "O8", "O4":
            throw unsupported("object arrays (dtype '\(descr)', pickled Python objects) are not supported; save a numeric array")
        default:
            throw unsupported("dtype '\(descr)' is not supported (npuc reads bool, u1, i1, u2, i2, u4, i4, u8, i8, f2, f4, f8)")
        }
        if dataType.byteWidth == 1 {
            order = .notApplicable
        } else if order == .notApplicable {
            throw unsupported("dtype '\(descr)' has no byte order but its elements are \(dataType.byteWidth) bytes wide")
        }
        return (dataType, order, descr)
    }

    /// "(1500, 640, 640, 3)", "(3,)", "()" — how Python prints a shape tuple.
    public static func pythonTuple(_ dims: [Int]) -> String {
        switch dims.count {
        case 0: return "()"
        case 1: return "(\(dims[0]),)"
        default: return "(" + dims.map(String.init).joined(separator: ", ") + ")"
        }
    }

    /// The descr NumPy writes for a little-endian array of `dataType`.
    public static func littleEndianDescr(_ dataType: DataType) -> String {
        switch dataType {
        case .bool: return "|b1"
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .uint16: return "<u2"
        case .int16: return "<i2"
        case .uint32: return "<u4"
        case .int32: return "<i4"
        case .uint64: return "<u8"
        case .int64: return "<i8"
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }

    /// The preamble and header NumPy's `numpy.save` writes for a little-endian C-order array:
    /// version 1.0 unless the header needs 2.0, padded so data starts on a 64-byte boundary, with
    /// spare spaces so the first dimension can grow in place.
    public static func encode(dataType: DataType, shape: [Int]) -> [UInt8] {
        var dict = "{'descr': '\(littleEndianDescr(dataType))', 'fortran_order': False, 'shape': \(pythonTuple(shape)), }"
        if let first = shape.first {
            dict += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        var text = Array(dict.utf8)
        var lengthFieldSize = 2
        var major: UInt8 = 1
        var padded = paddedLength(text.count + 1, preamble: 6 + 2 + 2)
        if padded - 10 > Int(UInt16.max) {
            lengthFieldSize = 4
            major = 2
            padded = paddedLength(text.count + 1, preamble: 6 + 2 + 4)
        }
        let headerLength = padded - (8 + lengthFieldSize)
        text += [UInt8](repeating: 0x20, count: headerLength - text.count - 1)
        text.append(0x0A)
        var out = magic
        out += [major, 0]
        for i in 0..<lengthFieldSize { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += text
        return out
    }

    private static func paddedLength(_ textLength: Int, preamble: Int) -> Int {
        let total = preamble + textLength
        return total + (alignment - total % alignment) % alignment
    }

    private static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingTrailingWhitespace()
        let shown = trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
        return "\"\(shown)\""
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\n" || last == "\t" || last == "\r" || last == "\0" {
            s = s.dropLast()
        }
        return String(s)
    }
}

/// The subset of Python literals a `.npy` header uses.
enum PythonLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(String, PythonLiteral)])

    static func == (a: PythonLiteral, b: PythonLiteral) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.none, .none): return true
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        case (.dict(let x), .dict(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}

struct PythonLiteralError: Error {
    let message: String
}

/// A recursive-descent parser for Python literals (dict, tuple, list, str, int, True/False/None).
struct PythonLiteralParser {
    private let chars: [Character]
    private var index = 0
    private var depth = 0

    init(_ text: String) { chars = Array(text) }

    mutating func parseTopLevel() throws(PythonLiteralError) -> PythonLiteral {
        let value = try parseValue()
        skipWhitespace()
        guard index == chars.count else { throw PythonLiteralError(message: "unexpected text after the dictionary") }
        return value
    }

    private mutating func skipWhitespace() {
        while index < chars.count, chars[index] == " " || chars[index] == "\n" || chars[index] == "\t"
                || chars[index] == "\r" || chars[index] == "\0" {
            index += 1
        }
    }

    private mutating func parseValue() throws(PythonLiteralError) -> PythonLiteral {
        skipWhitespace()
        guard index < chars.count else { throw PythonLiteralError(message: "unexpected end of header") }
        depth += 1
        defer { depth -= 1 }
        guard depth < 32 else { throw PythonLiteralError(message: "nesting too deep") }
        let c = chars[index]
        switch c {
        case "{":
            index += 1
            var entries: [(String, PythonLiteral)] = []
            while true {
                skipWhitespace()
                if index < chars.count, chars[index] == "}" { index += 1; return .dict(entries) }
                guard case .string(let key) = try parseValue() else {
                    throw PythonLiteralError(message: "dictionary keys must be strings")
                }
                skipWhitespace()
                guard index < chars.count, chars[index] == ":" else {
                    throw PythonLiteralError(message: "expected ':' after key '\(key)'")
                }
                index += 1
                let value = try parseValue()
                if entries.contains(where: { $0.0 == key }) {
                    throw PythonLiteralError(message: "key '\(key)' appears twice")
                }
                entries.append((key, value))
                skipWhitespace()
                guard index < chars.count else { throw PythonLiteralError(message: "unterminated dictionary") }
                if chars[index] == "," { index += 1; continue }
                if chars[index] == "}" { index += 1; return .dict(entries) }
                throw PythonLiteralError(message: "expected ',' or '}' in the dictionary")
            }
        case "(", "[":
            let close: Character = c == "(" ? ")" : "]"
            index += 1
            var items: [PythonLiteral] = []
            var sawComma = false
            while true {
                skipWhitespace()
                if index < chars.count, chars[index] == close { index += 1; break }
                items.append(try parseValue())
                skipWhitespace()
                guard index < chars.count else { throw PythonLiteralError(message: "unterminated \(c == "(" ? "tuple" : "list")") }
                if chars[index] == "," { index += 1; sawComma = true; continue }
                if chars[index] == close { index += 1; break }
                throw PythonLiteralError(message: "expected ',' or '\(close)'")
            }
            if c == "(" {
                // "(3)" is just 3 in Python; only "(3,)" is a tuple.
                if items.count == 1 && !sawComma { return items[0] }
                return .tuple(items)
            }
            return .list(items)
        case "'", "\"":
            index += 1
            var s = ""
            while true {
                guard index < chars.count else { throw PythonLiteralError(message: "unterminated string") }
                let ch = chars[index]
                index += 1
                if ch == c { return .string(s) }
                if ch == "\\" {
                    guard index < chars.count else { throw PythonLiteralError(message: "unterminated string") }
                    s.append(chars[index])
                    index += 1
                } else {
                    s.append(ch)
                }
            }
        default:
            if c.isLetter {
                var word = ""
                while index < chars.count, chars[index].isLetter || chars[index] == "_" {
                    word.append(chars[index]); index += 1
                }
                switch word {
                case "True": return .bool(true)
                case "False": return .bool(false)
                case "None": return .none
                default: throw PythonLiteralError(message: "unexpected name '\(word)'")
                }
            }
            if c.isASCII && (c.isNumber || c == "-" || c == "+") {
                var text = ""
                if c == "-" || c == "+" { text.append(c); index += 1 }
                while index < chars.count, chars[index].isASCII, chars[index].isNumber {
                    text.append(chars[index]); index += 1
                }
                // Python 2 long integers: "3L".
                if index < chars.count, chars[index] == "L" || chars[index] == "l" { index += 1 }
                guard let n = Int(text) else {
                    throw PythonLiteralError(message: "'\(text)' is not an integer npuc can hold")
                }
                return .int(n)
            }
            throw PythonLiteralError(message: "unexpected character '\(c)'")
        }
    }
}
