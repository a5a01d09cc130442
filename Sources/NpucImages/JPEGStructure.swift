// A structural check of a JPEG file in Swift, before libjpeg sees it: markers, segment lengths,
// frame and scan parameters, Huffman and quantization tables — the conditions under which libjpeg
// would stop with a fatal error — plus the EXIF orientation. Catching them here gives clear
// messages and keeps libjpeg's fatal-error path (see IsolatedDecode.swift) for the truly unusual.

struct JPEGStructure {
    var width = 0
    var height = 0
    var components = 0
    var progressive = false
    /// EXIF orientation 1–8 (1 when absent or unreadable).
    var orientation = 1

    struct Failure: Error {
        let unsupported: Bool
        let message: String
        static func corrupt(_ message: String) -> Failure { Failure(unsupported: false, message: message) }
        static func unsupported(_ message: String) -> Failure { Failure(unsupported: true, message: message) }
    }

    /// Checks `bytes` (which start with FF D8 FF).
    static func scan(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> JPEGStructure {
        var result = JPEGStructure()
        let n = bytes.count
        func u16(_ at: Int) -> Int { Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
        var at = 2
        var frameComponents: [(id: Int, h: Int, v: Int, table: Int)] = []
        var quantDefined = Set<Int>()
        var sawFrame = false
        var sawScan = false
        var restartLengthOK = true
        while true {
            // Find the next marker; after a scan, skip its entropy-coded data first.
            guard at < n else {
                if sawScan { return result }  // truncated inside scan data: libjpeg warns and pads
                throw .corrupt("the file ends before any image data (truncated)")
            }
            if bytes[at] != 0xFF {
                guard sawScan else { throw .corrupt("expected a marker at byte \(at), found 0x\(String(bytes[at], radix: 16))") }
                at += 1
                continue
            }
            while at < n, bytes[at] == 0xFF { at += 1 }
            guard at < n else { continue }
            let marker = bytes[at]
            at += 1
            if marker == 0x00 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                // Stuffed byte or restart marker inside scan data.
                guard sawScan else { throw .corrupt("unexpected marker 0xFF\(String(marker, radix: 16)) before image data") }
                continue
            }
            if marker == 0xD9 {
                guard sawScan else { throw .corrupt("the image ends (EOI) before any scan data") }
                return result
            }
            if marker == 0xD8 { throw .corrupt("a second start-of-image marker") }
            guard at + 2 <= n else {
                if sawScan { return result }
                throw .corrupt("the file ends inside the JPEG headers (truncated)")
            }
            let length = u16(at)
            guard length >= 2 else { throw .corrupt("segment 0xFF\(String(marker, radix: 16)) has length \(length)") }
            guard at + length <= n else {
                if sawScan { return result }
                throw .corrupt("segment 0xFF\(String(marker, radix: 16)) runs past the end of the file (truncated)")
            }
            let body = at + 2
            let end = at + length
            switch marker {
            case 0xC0, 0xC1, 0xC2, 0xC9, 0xCA:
                guard !sawFrame else { throw .corrupt("two frame (SOF) markers") }
                sawFrame = true
                guard length >= 8 else { throw .corrupt("the frame header is too short") }
                let precision = Int(bytes[body])
                guard precision == 8 else { throw .unsupported("\(precision)-bit samples (npuc decodes 8-bit JPEG)") }
                result.height = u16(body + 1)
                result.width = u16(body + 3)
                result.components = Int(bytes[body + 5])
                result.progressive = marker == 0xC2 || marker == 0xCA
                guard result.height > 0 else { throw .unsupported("a height defined by a DNL marker") }
                guard result.width > 0 else { throw .corrupt("the frame has zero width") }
                guard result.width <= 65500, result.height <= 65500 else {
                    throw .unsupported("\(result.width)×\(result.height) exceeds libjpeg's 65500-pixel limit")
                }
                guard [1, 3, 4].contains(result.components) else {
                    throw .unsupported("\(result.components) color components (npuc decodes gray, YCbCr/RGB and CMYK)")
                }
                guard length == 8 + 3 * result.components else { throw .corrupt("the frame header has a wrong length") }
                for c in 0..<result.components {
                    let p = body + 6 + 3 * c
                    let h = Int(bytes[p + 1] >> 4), v = Int(bytes[p + 1] & 0x0F)
                    guard (1...4).contains(h), (1...4).contains(v) else {
                        throw .corrupt("component \(c + 1) has sampling factors \(h)×\(v)")
                    }
                    frameComponents.append((id: Int(bytes[p]), h: h, v: v, table: Int(bytes[p + 2])))
                }
                let maxH = frameComponents.map(\.h).max()!, maxV = frameComponents.map(\.v).max()!
                for c in frameComponents where maxH % c.h != 0 || maxV % c.v != 0 {
                    throw .unsupported("fractional chroma sampling (\(c.h)×\(c.v) against \(maxH)×\(maxV))")
                }
            case 0xC3, 0xC5, 0xC6, 0xC7, 0xCB, 0xCD, 0xCE, 0xCF:
                throw .unsupported("lossless or hierarchical JPEG (SOF 0xFF\(String(marker, radix: 16)))")
            case 0xC4:
                var p = body
                while p < end {
                    let tc = Int(bytes[p] >> 4), th = Int(bytes[p] & 0x0F)
                    guard tc <= 1, th <= 3 else { throw .corrupt("Huffman table class \(tc) / id \(th) is invalid") }
                    guard p + 17 <= end else { throw .corrupt("a Huffman table is cut short") }
                    var total = 0
                    var code = 0
                    for length in 1...16 {
                        let count = Int(bytes[p + length])
                        total += count
                        code += count
                        // Canonical codes of this length must fit in `length` bits.
                        guard code <= 1 << length else { throw .corrupt("a Huffman table has more codes than fit") }
                        code <<= 1
                    }
                    guard total <= 256, p + 17 + total <= end else { throw .corrupt("a Huffman table has bad counts") }
                    if tc == 0 {
                        for s in 0..<total where bytes[p + 17 + s] > 15 {
                            throw .corrupt("a DC Huffman table has symbol \(bytes[p + 17 + s])")
                        }
                    }
                    p += 17 + total
                }
            case 0xDB:
                var p = body
                while p < end {
                    let pq = Int(bytes[p] >> 4), tq = Int(bytes[p] & 0x0F)
                    guard pq <= 1, tq <= 3 else { throw .corrupt("quantization table precision \(pq) / id \(tq) is invalid") }
                    let size = 1 + 64 * (pq + 1)
                    guard p + size <= end else { throw .corrupt("a quantization table is cut short") }
                    quantDefined.insert(tq)
                    p += size
                }
            case 0xDD:
                restartLengthOK = length == 4
                guard restartLengthOK else { throw .corrupt("the restart interval segment has length \(length)") }
            case 0xDA:
                guard sawFrame else { throw .corrupt("a scan (SOS) before the frame header (SOF)") }
                guard length >= 3 else { throw .corrupt("the scan header is too short") }
                let ns = Int(bytes[body])
                guard (1...4).contains(ns), length == 6 + 2 * ns else { throw .corrupt("the scan header is malformed") }
                var blocks = 0
                for c in 0..<ns {
                    let id = Int(bytes[body + 1 + 2 * c])
                    let tables = bytes[body + 2 + 2 * c]
                    guard let component = frameComponents.first(where: { $0.id == id }) else {
                        throw .corrupt("a scan names component \(id), which the frame does not have")
                    }
                    guard tables >> 4 <= 3, tables & 0x0F <= 3 else { throw .corrupt("a scan names Huffman table > 3") }
                    guard quantDefined.contains(component.table) else {
                        throw .corrupt("quantization table \(component.table) is used but never defined")
                    }
                    blocks += component.h * component.v
                }
                if ns > 1 && blocks > 10 { throw .corrupt("sampling factors too large for an interleaved scan") }
                let p = body + 1 + 2 * ns
                let ss = Int(bytes[p]), se = Int(bytes[p + 1]), ah = Int(bytes[p + 2] >> 4), al = Int(bytes[p + 2] & 0x0F)
                if result.progressive {
                    var bad = ss > se || se > 63 || ah > 13 || al > 13
                    if ss == 0 { bad = bad || se != 0 } else { bad = bad || ns != 1 }
                    if ah != 0 { bad = bad || al != ah - 1 }
                    if bad { throw .corrupt("invalid progressive scan parameters Ss=\(ss) Se=\(se) Ah=\(ah) Al=\(al)") }
                }
                sawScan = true
            case 0xE1 where !sawScan:
                if let orientation = ExifOrientation.parse(UnsafeRawBufferPointer(rebasing: bytes[body..<end])) {
                    result.orientation = orientation
                }
            default:
                break  // APPn, COM, DNL and others are skipped.
            }
            at = end
        }
    }
}
