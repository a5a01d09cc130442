// Zip containers (.npz, .npar): a deterministic writer (fixed 1980-01-01 00:00 timestamps, entries
// in the order added, no extra fields except zip64 where sizes or offsets need it) and a reader
// over a memory map or a byte array (stored and deflated entries, CRC-32 checked, zip64).

import Foundation

private let localHeaderSignature: UInt32 = 0x0403_4B50
private let centralHeaderSignature: UInt32 = 0x0201_4B50
private let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
private let zip64EndSignature: UInt32 = 0x0606_4B50
private let zip64LocatorSignature: UInt32 = 0x0706_4B50
private let zip64ExtraID: UInt16 = 0x0001
/// MS-DOS date of 1980-01-01 (year 0 since 1980, month 1, day 1); the time field is 00:00:00.
private let dosDate1980: UInt16 = (1 << 5) | 1

/// Builds a zip archive in memory.
public struct ZipWriter: Sendable {
    private struct CentralRecord {
        var name: [UInt8]
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var offset: Int
    }

    private var output: [UInt8] = []
    private var records: [CentralRecord] = []
    private var names: Set<String> = []
    /// Tests set this to write zip64 fields for every entry, as large archives need.
    var forceZip64 = false

    public init() {}

    /// Appends an entry. Adding a name twice is a programming error.
    public mutating func add(name: String, bytes: [UInt8], deflate: Bool = false) {
        precondition(!names.contains(name), "zip entry '\(name)' added twice")
        names.insert(name)
        let nameBytes = Array(name.utf8)
        precondition(nameBytes.count <= Int(UInt16.max), "zip entry name too long")
        let crc = Zlib.crc32(bytes)
        let payload = deflate ? bytes.withUnsafeBytes { Zlib.deflate($0) } : bytes
        let method: UInt16 = deflate ? 8 : 0
        let offset = output.count
        let zip64 = forceZip64 || bytes.count >= 0xFFFF_FFFF || payload.count >= 0xFFFF_FFFF

        output.appendLE(localHeaderSignature)
        output.appendLE(UInt16(zip64 ? 45 : 20))  // version needed to extract
        output.appendLE(flags(for: nameBytes))
        output.appendLE(method)
        output.appendLE(UInt16(0))  // time 00:00:00
        output.appendLE(dosDate1980)
        output.appendLE(crc)
        output.appendLE(zip64 ? UInt32.max : UInt32(payload.count))
        output.appendLE(zip64 ? UInt32.max : UInt32(bytes.count))
        output.appendLE(UInt16(nameBytes.count))
        output.appendLE(UInt16(zip64 ? 20 : 0))
        output += nameBytes
        if zip64 {
            output.appendLE(zip64ExtraID)
            output.appendLE(UInt16(16))
            output.appendLE(UInt64(bytes.count))
            output.appendLE(UInt64(payload.count))
        }
        output += payload
        records.append(CentralRecord(name: nameBytes, method: method, crc: crc, compressedSize: payload.count,
                                     size: bytes.count, offset: offset))
    }

    /// The finished archive: the entries followed by the central directory.
    public func finish() -> [UInt8] {
        var out = output
        let directoryOffset = out.count
        for record in records {
            let bigSize = forceZip64 || record.size >= 0xFFFF_FFFF
            let bigCompressed = forceZip64 || record.compressedSize >= 0xFFFF_FFFF
            let bigOffset = forceZip64 || record.offset >= 0xFFFF_FFFF
            var extra: [UInt8] = []
            if bigSize { extra.appendLE(UInt64(record.size)) }
            if bigCompressed { extra.appendLE(UInt64(record.compressedSize)) }
            if bigOffset { extra.appendLE(UInt64(record.offset)) }
            let zip64 = !extra.isEmpty
            out.appendLE(centralHeaderSignature)
            out.appendLE(UInt16(zip64 ? 45 : 20))  // version made by (MS-DOS attributes)
            out.appendLE(UInt16(zip64 ? 45 : 20))  // version needed
            out.appendLE(flags(for: record.name))
            out.appendLE(record.method)
            out.appendLE(UInt16(0))
            out.appendLE(dosDate1980)
            out.appendLE(record.crc)
            out.appendLE(bigCompressed ? UInt32.max : UInt32(record.compressedSize))
            out.appendLE(bigSize ? UInt32.max : UInt32(record.size))
            out.appendLE(UInt16(record.name.count))
            out.appendLE(UInt16(zip64 ? extra.count + 4 : 0))
            out.appendLE(UInt16(0))  // comment length
            out.appendLE(UInt16(0))  // disk number
            out.appendLE(UInt16(0))  // internal attributes
            out.appendLE(UInt32(0))  // external attributes
            out.appendLE(bigOffset ? UInt32.max : UInt32(record.offset))
            out += record.name
            if zip64 {
                out.appendLE(zip64ExtraID)
                out.appendLE(UInt16(extra.count))
                out += extra
            }
        }
        let directorySize = out.count - directoryOffset
        let count = records.count
        let needsZip64 = forceZip64 || count >= 0xFFFF || directorySize >= 0xFFFF_FFFF || directoryOffset >= 0xFFFF_FFFF
        if needsZip64 {
            let zip64EndOffset = out.count
            out.appendLE(zip64EndSignature)
            out.appendLE(UInt64(44))  // size of the rest of this record
            out.appendLE(UInt16(45))
            out.appendLE(UInt16(45))
            out.appendLE(UInt32(0))  // this disk
            out.appendLE(UInt32(0))  // disk with the directory
            out.appendLE(UInt64(count))
            out.appendLE(UInt64(count))
            out.appendLE(UInt64(directorySize))
            out.appendLE(UInt64(directoryOffset))
            out.appendLE(zip64LocatorSignature)
            out.appendLE(UInt32(0))
            out.appendLE(UInt64(zip64EndOffset))
            out.appendLE(UInt32(1))  // total disks
        }
        out.appendLE(endOfCentralDirectorySignature)
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(needsZip64 ? 0xFFFF : count))
        out.appendLE(UInt16(needsZip64 ? 0xFFFF : count))
        out.appendLE(needsZip64 ? UInt32.max : UInt32(directorySize))
        out.appendLE(needsZip64 ? UInt32.max : UInt32(directoryOffset))
        out.appendLE(UInt16(0))  // comment length
        return out
    }

    /// Bit 11 marks UTF-8 names; ASCII names leave it clear, as Python's zipfile does.
    private func flags(for name: [UInt8]) -> UInt16 {
        name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
    }
}

/// Reads a zip archive from a memory-mapped file or a byte array.
public struct ZipReader: Sendable {
    /// One entry as the central directory describes it.
    public struct Entry: Sendable, Hashable {
        public let name: String
        /// 0 stored, 8 deflated.
        public let method: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        /// Offset of the entry's (possibly compressed) data in the archive.
        public let dataOffset: Int
        public var isStored: Bool { method == 0 }
    }

    private let storage: ZipStorage
    public let source: String
    public let entries: [Entry]
    private let index: [String: Int]

    /// Maps the file and reads its central directory; the entries are read on demand.
    public init(contentsOf url: URL) throws(ZipError) {
        let file: MappedFile
        do {
            file = try MappedFile(contentsOf: url)
        } catch {
            throw ZipError(source: url.path, problem: .io("cannot read the file: \(error.message)"))
        }
        try self.init(storage: .mapped(file), source: url.lastPathComponent)
    }

    public init(bytes: [UInt8], source: String) throws(ZipError) {
        try self.init(storage: .array(bytes), source: source)
    }

    private init(storage: ZipStorage, source: String) throws(ZipError) {
        self.storage = storage
        self.source = source
        entries = try storage.withBytes { (bytes) throws(ZipError) -> [Entry] in
            try ZipDirectoryParser(bytes: bytes, source: source).parse()
        }
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() {
            if index[entry.name] != nil {
                throw ZipError(source: source, problem: .corrupt("two entries are named '\(entry.name)'"))
            }
            index[entry.name] = i
        }
        self.index = index
    }

    /// Entry names in the order of the central directory.
    public var entryNames: [String] { entries.map(\.name) }

    public func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The uncompressed bytes of an entry, CRC-checked.
    public func read(_ name: String) throws(ZipError) -> [UInt8] {
        guard let entry = entry(named: name) else { throw ZipError(source: source, problem: .missingEntry(name)) }
        let source = self.source
        return try storage.withBytes { (bytes) throws(ZipError) -> [UInt8] in
            let raw = UnsafeRawBufferPointer(rebasing: bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
            let content: [UInt8]
            if entry.isStored {
                content = Array(raw)
            } else {
                do throws(Zlib.InflateFailure) {
                    content = try Zlib.inflate(raw, expectedSize: entry.uncompressedSize)
                } catch {
                    switch error {
                    case .invalid(let message):
                        throw ZipError(source: source, problem: .badDeflate(entry: name, message: message))
                    case .sizeMismatch(let expected, let actual):
                        let found = actual.map { "\($0) bytes" } ?? "more bytes"
                        throw ZipError(source: source, problem: .badDeflate(
                            entry: name, message: "the directory says \(expected) bytes but the data inflates to \(found)"))
                    }
                }
            }
            let crc = Zlib.crc32(content)
            guard crc == entry.crc32 else {
                throw ZipError(source: source, problem: .checksumMismatch(entry: name, expected: entry.crc32, actual: crc))
            }
            return content
        }
    }

    /// Calls `body` with the bytes of a stored (uncompressed) entry in place — no copy, no CRC
    /// check (use `read` for that). Throws for a deflated entry.
    public func withStoredBytes<R>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let entry = entry(named: name) else { throw ZipError(source: source, problem: .missingEntry(name)) }
        guard entry.isStored else {
            throw ZipError(source: source, problem: .unsupported("reading deflated entry '\(name)' in place"))
        }
        return try storage.withBytesRethrowing { bytes in
            try body(UnsafeRawBufferPointer(rebasing: bytes[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)]))
        }
    }
}

/// The bytes behind a ZipReader.
private enum ZipStorage: Sendable {
    case mapped(MappedFile)
    case array([UInt8])

    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        switch self {
        case .mapped(let file): return try file.withBytes(body)
        case .array(let array): return try array.withRawBytes(body)
        }
    }

    func withBytesRethrowing<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        switch self {
        case .mapped(let file): return try withExtendedLifetime(file) { try body(file.bytes) }
        case .array(let array): return try array.withUnsafeBytes(body)
        }
    }
}

/// Finds the end-of-central-directory record and reads every central directory entry.
private struct ZipDirectoryParser {
    let bytes: UnsafeRawBufferPointer
    let source: String

    func corrupt(_ what: String) -> ZipError { ZipError(source: source, problem: .corrupt(what)) }

    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }

    func parse() throws(ZipError) -> [ZipReader.Entry] {
        let endOffset = try findEndRecord()
        var count = u16(endOffset + 10)
        var directorySize = u32(endOffset + 12)
        var directoryOffset = u32(endOffset + 16)
        if u16(endOffset + 4) != 0 || u16(endOffset + 6) != 0 {
            throw ZipError(source: source, problem: .unsupported("a multi-disk (split) zip archive"))
        }
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // zip64: the locator sits right before the end record.
            let locator = endOffset - 20
            if locator >= 0, u32(locator) == Int(zip64LocatorSignature) {
                let recordOffset = try checkedInt(u64(locator + 8), "the zip64 end record offset")
                guard recordOffset >= 0, recordOffset + 56 <= bytes.count, u32(recordOffset) == Int(zip64EndSignature) else {
                    throw corrupt("the zip64 end-of-directory record is missing or outside the file")
                }
                count = try checkedInt(u64(recordOffset + 32), "the entry count")
                directorySize = try checkedInt(u64(recordOffset + 40), "the directory size")
                directoryOffset = try checkedInt(u64(recordOffset + 48), "the directory offset")
            }
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else {
            throw corrupt("the central directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the "
                + "\(bytes.count)-byte file; the file is truncated")
        }
        var entries: [ZipReader.Entry] = []
        entries.reserveCapacity(min(count, 1 << 20))
        var at = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for i in 0..<count {
            guard at + 46 <= directoryEnd, u32(at) == Int(centralHeaderSignature) else {
                throw corrupt("central directory entry \(i + 1) of \(count) is missing or has a wrong signature")
            }
            let flags = u16(at + 8)
            let method = UInt16(u16(at + 10))
            let crc = UInt32(u32(at + 16))
            var compressedSize = u32(at + 20)
            var size = u32(at + 24)
            let nameLength = u16(at + 28)
            let extraLength = u16(at + 30)
            let commentLength = u16(at + 32)
            var localOffset = u32(at + 42)
            let nameStart = at + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directoryEnd else { throw corrupt("central directory entry \(i + 1) runs past the directory") }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart])
            let name = String(decoding: nameBytes, as: UTF8.self)
            // zip64 extended information: only the fields that are 0xFFFFFFFF above, in order.
            var e = extraStart
            while e + 4 <= extraStart + extraLength {
                let id = u16(e), length = u16(e + 2)
                guard e + 4 + length <= extraStart + extraLength else { break }
                if id == Int(zip64ExtraID) {
                    var f = e + 4
                    let fieldsEnd = e + 4 + length
                    if size == 0xFFFF_FFFF, f + 8 <= fieldsEnd { size = try checkedInt(u64(f), "a size"); f += 8 }
                    if compressedSize == 0xFFFF_FFFF, f + 8 <= fieldsEnd {
                        compressedSize = try checkedInt(u64(f), "a size"); f += 8
                    }
                    if localOffset == 0xFFFF_FFFF, f + 8 <= fieldsEnd {
                        localOffset = try checkedInt(u64(f), "an offset"); f += 8
                    }
                }
                e += 4 + length
            }
            if flags & 1 != 0 {
                throw ZipError(source: source, problem: .unsupported("entry '\(name)' is encrypted, which"))
            }
            guard method == 0 || method == 8 else {
                throw ZipError(source: source, problem: .unsupported(
                    "entry '\(name)' uses compression method \(method) (npuc reads stored and deflated entries), which"))
            }
            // The local header repeats the name and has its own extra field; the data follows it.
            guard localOffset <= bytes.count - 30, u32(localOffset) == Int(localHeaderSignature) else {
                throw corrupt("the local header of entry '\(name)' is missing or outside the file")
            }
            let dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard dataOffset <= bytes.count, compressedSize <= bytes.count - dataOffset else {
                throw corrupt("the data of entry '\(name)' (\(compressedSize) bytes at offset \(dataOffset)) runs past the "
                    + "end of the \(bytes.count)-byte file; the file is truncated")
            }
            if method == 0 && compressedSize != size {
                throw corrupt("stored entry '\(name)' has a compressed size \(compressedSize) ≠ its size \(size)")
            }
            // Deflate cannot expand data more than ~1032:1; a larger claim is a corrupt or hostile directory.
            if method == 8 && size / 1032 > compressedSize + 1 {
                throw corrupt("entry '\(name)' claims \(size) bytes from only \(compressedSize) compressed bytes")
            }
            entries.append(ZipReader.Entry(name: name, method: method, crc32: crc, compressedSize: compressedSize,
                                           uncompressedSize: size, dataOffset: dataOffset))
            at = next
        }
        return entries
    }

    private func checkedInt(_ value: UInt64, _ what: String) throws(ZipError) -> Int {
        guard value <= UInt64(Int.max / 2) else { throw corrupt("\(what) (\(value)) is out of range") }
        return Int(value)
    }

    /// The end record is the last 22+ bytes, possibly followed by a comment of up to 65535 bytes.
    private func findEndRecord() throws(ZipError) -> Int {
        guard bytes.count >= 22 else { throw ZipError(source: source, problem: .notZip) }
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var at = bytes.count - 22
        while at >= lowest {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06,
               at + 22 + u16(at + 20) <= bytes.count {
                return at
            }
            at -= 1
        }
        throw ZipError(source: source, problem: .notZip)
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
