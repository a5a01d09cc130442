// Typed errors of NpucIO: each names the file (or archive member) and says what is wrong and
// what to do next.

/// A `.npy` file (or `.npz` member) that cannot be read.
public struct NumPyError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// The bytes do not start with the `\x93NUMPY` magic.
        case notNumPy
        /// A format version other than 1.0, 2.0 or 3.0.
        case unsupportedVersion(major: Int, minor: Int)
        /// The file ends inside the preamble or the header.
        case truncatedHeader(needed: Int, available: Int)
        /// The header dictionary cannot be parsed or lacks a key; the text says what.
        case malformedHeader(String)
        /// A dtype npuc does not read (object, structured, strings, complex, …).
        case unsupportedDType(String)
        /// The shape is negative or too large to hold.
        case invalidShape(String)
        /// Fewer data bytes than the header's shape and dtype need.
        case truncatedData(shape: [Int], dtype: String, expectedBytes: Int, availableBytes: Int)
        /// More data bytes than the header's shape and dtype need.
        case trailingData(shape: [Int], dtype: String, expectedBytes: Int, availableBytes: Int)
        /// The file could not be opened, mapped or read.
        case io(String)
    }

    /// The file or archive member the bytes came from ("calib.npy", "model.npar/weights/0.npy").
    public let source: String
    public let problem: Problem

    public init(source: String, problem: Problem) {
        self.source = source
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .notNumPy:
            return "\(source): not a NumPy .npy file (it does not start with the \\x93NUMPY magic); "
                + "write it with numpy.save"
        case .unsupportedVersion(let major, let minor):
            return "\(source): .npy format version \(major).\(minor) is not supported (npuc reads 1.0, 2.0 and 3.0)"
        case .truncatedHeader(let needed, let available):
            return "\(source): the .npy header needs \(needed) bytes but the file holds only \(available); "
                + "the file is truncated"
        case .malformedHeader(let what):
            return "\(source): malformed .npy header: \(what)"
        case .unsupportedDType(let what):
            return "\(source): \(what)"
        case .invalidShape(let what):
            return "\(source): invalid shape in the .npy header: \(what)"
        case .truncatedData(let shape, let dtype, let expected, let available):
            return "\(source): header says shape \(NpyHeader.pythonTuple(shape)) \(dtype) = \(expected) bytes "
                + "but the file holds only \(available) bytes after the header; the file is truncated"
        case .trailingData(let shape, let dtype, let expected, let available):
            return "\(source): header says shape \(NpyHeader.pythonTuple(shape)) \(dtype) = \(expected) bytes "
                + "but the file holds \(available) bytes after the header; the header does not match the data"
        case .io(let what):
            return "\(source): \(what)"
        }
    }
}

/// A zip container (`.npz`, `.npar`) that cannot be read.
public struct ZipError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// No end-of-central-directory record: not a zip file, or truncated.
        case notZip
        /// A structure points outside the file or has a wrong signature; the text says which.
        case corrupt(String)
        /// A feature npuc does not read (encryption, multi-disk, a compression method).
        case unsupported(String)
        /// No entry of that name.
        case missingEntry(String)
        /// The entry's bytes do not match the CRC-32 stored in the directory.
        case checksumMismatch(entry: String, expected: UInt32, actual: UInt32)
        /// The deflate stream of an entry is invalid or its size differs from the directory's.
        case badDeflate(entry: String, message: String)
        /// The file could not be opened, mapped or read.
        case io(String)
    }

    public let source: String
    public let problem: Problem

    public init(source: String, problem: Problem) {
        self.source = source
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .notZip:
            return "\(source): not a zip archive (no end-of-central-directory record); the file is truncated or of another kind"
        case .corrupt(let what):
            return "\(source): corrupt zip archive: \(what)"
        case .unsupported(let what):
            return "\(source): \(what) is not supported"
        case .missingEntry(let name):
            return "\(source): the archive has no entry named '\(name)'"
        case .checksumMismatch(let entry, let expected, let actual):
            return "\(source): entry '\(entry)' is damaged: CRC-32 is \(hex(actual)) but the archive says \(hex(expected))"
        case .badDeflate(let entry, let message):
            return "\(source): entry '\(entry)' cannot be decompressed: \(message)"
        case .io(let what):
            return "\(source): \(what)"
        }
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// A file that could not be written; an existing file at the destination is left untouched.
public struct FileWriteError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "cannot write \(path): \(message)" }
}

/// A file that could not be opened or mapped.
public struct FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "cannot read \(path): \(message)" }
}
