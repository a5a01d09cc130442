// A structural check of a PNG file in Swift before libpng sees it: signature, chunk lengths and
// CRCs, the IHDR fields, palette presence and image data. Catching these here gives clear messages
// and keeps libpng's fatal-error path (IsolatedDecode.swift) for the truly unusual.

import NpucIO

struct PNGStructure {
    var width = 0
    var height = 0
    var bitDepth = 0
    var colorType = 0
    var interlaced = false

    struct Failure: Error {
        let unsupported: Bool
        let message: String
        static func corrupt(_ message: String) -> Failure { Failure(unsupported: false, message: message) }
    }

    static func scan(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> PNGStructure {
        var result = PNGStructure()
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        var at = 8
        var sawHeader = false, sawPalette = false, sawData = false
        while true {
            guard at + 12 <= bytes.count else { throw .corrupt("the file ends before the IEND chunk (truncated)") }
            let length = u32(at)
            let typeBytes = Array(bytes[(at + 4)..<(at + 8)])
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw .corrupt("invalid chunk type at byte \(at)")
            }
            guard length <= 0x7FFF_FFFF, at + 12 + length <= bytes.count else {
                throw .corrupt("chunk \(type) runs past the end of the file (truncated)")
            }
            let critical = typeBytes[0] & 0x20 == 0
            if critical {
                let stored = UInt32(u32(at + 8 + length))
                let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(at + 4)..<(at + 8 + length)]))
                guard stored == actual else { throw .corrupt("chunk \(type) is damaged (CRC mismatch)") }
            }
            if !sawHeader && type != "IHDR" { throw .corrupt("the first chunk is \(type), not IHDR") }
            let body = at + 8
            switch type {
            case "IHDR":
                guard !sawHeader, length == 13 else { throw .corrupt("malformed IHDR chunk") }
                sawHeader = true
                result.width = u32(body)
                result.height = u32(body + 4)
                result.bitDepth = Int(bytes[body + 8])
                result.colorType = Int(bytes[body + 9])
                let allowed: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
                guard let depths = allowed[result.colorType], depths.contains(result.bitDepth) else {
                    throw .corrupt("color type \(result.colorType) with bit depth \(result.bitDepth) is invalid")
                }
                guard bytes[body + 10] == 0, bytes[body + 11] == 0, bytes[body + 12] <= 1 else {
                    throw .corrupt("unknown compression, filter or interlace method")
                }
                result.interlaced = bytes[body + 12] == 1
                guard result.width > 0, result.height > 0 else { throw .corrupt("the image has zero width or height") }
            case "PLTE":
                guard length % 3 == 0, length > 0, length <= 768 else { throw .corrupt("malformed palette") }
                sawPalette = true
            case "IDAT":
                if result.colorType == 3 && !sawPalette { throw .corrupt("image data before the palette") }
                sawData = true
            case "IEND":
                guard sawData else { throw .corrupt("no image data (IDAT)") }
                return result
            default:
                if critical { throw Failure(unsupported: true, message: "unknown critical chunk \(type)") }
            }
            at += 12 + length
        }
    }
}
