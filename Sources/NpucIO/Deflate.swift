// zlib through CZlib: CRC-32, and raw deflate/inflate (no zlib or gzip wrapper), as zip uses them.

import CZlib

enum Zlib {
    /// CRC-32 of `bytes` (the zip/PNG polynomial), continuing from `crc`.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var value = UInt(crc)
        var offset = 0
        while offset < bytes.count {
            let chunk = min(bytes.count - offset, 1 << 30)
            value = CZlib.crc32(value, bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: value)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
    }

    /// Raw deflate of `input` at compression level 6 (zlib's default); deterministic for a given
    /// zlib version.
    static func deflate(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                                   Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed with \(status)")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(min(input.count, Int(UInt32.max))))) + 64)
        var consumed = 0
        var produced = 0
        while true {
            if output.count - produced < 65536 { output += [UInt8](repeating: 0, count: max(65536, output.count / 2)) }
            let chunkIn = min(input.count - consumed, Int(UInt32.max) / 2)
            let last = consumed + chunkIn == input.count
            let result: Int32 = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                    .map { $0 + consumed }
                stream.avail_in = uInt(chunkIn)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                let room = min(out.count - produced, Int(UInt32.max) / 2)
                stream.avail_out = uInt(room)
                let r = CZlib.deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                consumed += chunkIn - Int(stream.avail_in)
                produced += room - Int(stream.avail_out)
                return r
            }
            if result == Z_STREAM_END { break }
            precondition(result == Z_OK || result == Z_BUF_ERROR, "deflate failed with \(result)")
        }
        output.removeSubrange(produced...)
        return output
    }

    enum InflateFailure: Error {
        case invalid(String)
        case sizeMismatch(expected: Int, actual: Int?)
    }

    /// Raw inflate of `input` into exactly `expectedSize` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws(InflateFailure) -> [UInt8] {
        var stream = z_stream()
        let status = inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .invalid("zlib could not start (status \(status))") }
        defer { inflateEnd(&stream) }
        // One spare byte detects a stream longer than the directory says.
        var output = [UInt8](repeating: 0, count: expectedSize + 1)
        var consumed = 0
        var produced = 0
        while true {
            let chunkIn = min(input.count - consumed, Int(UInt32.max) / 2)
            let (result, message): (Int32, String?) = output.withUnsafeMutableBytes { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                    .map { $0 + consumed }
                stream.avail_in = uInt(chunkIn)
                stream.next_out = out.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                let room = min(out.count - produced, Int(UInt32.max) / 2)
                stream.avail_out = uInt(room)
                let r = CZlib.inflate(&stream, Z_NO_FLUSH)
                consumed += chunkIn - Int(stream.avail_in)
                produced += room - Int(stream.avail_out)
                return (r, stream.msg.map { String(cString: $0) })
            }
            if result == Z_STREAM_END { break }
            if result == Z_OK { continue }
            if result == Z_BUF_ERROR {
                if produced > expectedSize { throw .sizeMismatch(expected: expectedSize, actual: nil) }
                if consumed >= input.count { throw .invalid("the compressed data ends before the stream does") }
                continue
            }
            throw .invalid(message ?? "zlib status \(result)")
        }
        guard produced == expectedSize else { throw .sizeMismatch(expected: expectedSize, actual: produced) }
        output.removeLast()
        return output
    }
}

/// CRC-32 (the polynomial of zip, PNG and gzip), for other modules.
public enum CRC32 {
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        Zlib.crc32(bytes, continuing: crc)
    }
}
