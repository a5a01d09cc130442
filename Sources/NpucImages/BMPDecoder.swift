// BMP decoding in Swift: uncompressed 24-bit and 32-bit (BI_RGB, or BI_BITFIELDS with 8-bit
// masks) and 8-bit palette images, bottom-up or top-down rows padded to 4 bytes. Alpha is dropped.

enum BMPDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(ImageError) -> RGBImage {
        func corrupt(_ message: String) -> ImageError { ImageError(source: source, problem: .corrupt(format: .bmp, message: message)) }
        func unsupported(_ message: String) -> ImageError {
            ImageError(source: source, problem: .unsupported(format: .bmp, message: message))
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func i32(_ at: Int) -> Int { Int(Int32(bitPattern: UInt32(u32(at)))) }

        guard bytes.count >= 26 else { throw corrupt("the file is too short for a BMP header (truncated)") }
        let dataOffset = u32(10)
        let headerSize = u32(14)
        let width: Int, rawHeight: Int, bitCount: Int
        var compression = 0
        var paletteEntries = 0
        var paletteEntrySize = 4
        switch headerSize {
        case 12:
            width = u16(18)
            rawHeight = u16(20)
            bitCount = u16(24)
            paletteEntrySize = 3
        case 40, 52, 56, 64, 108, 124:
            guard bytes.count >= 14 + 40 else { throw corrupt("the file is too short for its header (truncated)") }
            width = i32(18)
            rawHeight = i32(22)
            bitCount = u16(28)
            compression = u32(30)
            paletteEntries = u32(46)
        default:
            throw unsupported("header size \(headerSize)")
        }
        let topDown = rawHeight < 0
        let height = abs(rawHeight)
        guard width > 0, ImageLimits.check(width: width, height: height) else {
            throw ImageError(source: source, problem: .badDimensions(width: width, height: height))
        }
        // Channel masks for 32-bit images: BI_BITFIELDS (3) and BI_ALPHABITFIELDS (6) carry them.
        var masks = (r: 0x00FF_0000, g: 0x0000_FF00, b: 0x0000_00FF)
        switch (compression, bitCount) {
        case (0, 24), (0, 32), (0, 8):
            break
        case (3, 32), (6, 32):
            guard bytes.count >= 14 + 40 + 12 else { throw corrupt("the channel masks are missing (truncated)") }
            masks = (u32(54), u32(58), u32(62))
            for mask in [masks.r, masks.g, masks.b] {
                guard mask != 0, mask >> mask.trailingZeroBitCount == 0xFF else {
                    throw unsupported("32-bit channel masks other than 8 bits each (0x\(String(mask, radix: 16)))")
                }
            }
        case (1, _), (2, _):
            throw unsupported("run-length compressed images")
        case (_, 16):
            throw unsupported("16-bit images (npuc decodes 24- and 32-bit BMP, and 8-bit palette)")
        case (_, 1), (_, 4):
            throw unsupported("\(bitCount)-bit palette images (npuc decodes 24- and 32-bit BMP, and 8-bit palette)")
        default:
            throw unsupported("compression \(compression) with \(bitCount) bits per pixel")
        }
        // The palette follows the header (and masks, for BI_BITFIELDS in a 40-byte header).
        var palette: [UInt8] = []
        if bitCount == 8 {
            let count = paletteEntries == 0 ? 256 : min(paletteEntries, 256)
            let start = 14 + headerSize
            guard start + count * paletteEntrySize <= bytes.count else { throw corrupt("the palette is cut short") }
            palette = [UInt8](repeating: 0, count: 256 * 3)
            for i in 0..<count {
                let p = start + i * paletteEntrySize
                palette[3 * i] = bytes[p + 2]
                palette[3 * i + 1] = bytes[p + 1]
                palette[3 * i + 2] = bytes[p]
            }
        }
        let rowBytes = (width * bitCount + 31) / 32 * 4
        let (needed, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !overflow, dataOffset >= 14, dataOffset <= bytes.count, needed <= bytes.count - dataOffset else {
            throw corrupt("the pixel data is cut short: \(height) rows of \(rowBytes) bytes at offset \(dataOffset) "
                + "need \(dataOffset + rowBytes * height) bytes, the file has \(bytes.count) (truncated)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let shifts = (r: masks.r.trailingZeroBitCount, g: masks.g.trailingZeroBitCount, b: masks.b.trailingZeroBitCount)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = dataOffset + (topDown ? y : height - 1 - y) * rowBytes
                var o = y * width * 3
                switch bitCount {
                case 24:
                    for x in 0..<width {
                        let p = row + 3 * x
                        out[o] = bytes[p + 2]; out[o + 1] = bytes[p + 1]; out[o + 2] = bytes[p]
                        o += 3
                    }
                case 32:
                    for x in 0..<width {
                        let v = u32(row + 4 * x)
                        out[o] = UInt8(truncatingIfNeeded: v >> shifts.r)
                        out[o + 1] = UInt8(truncatingIfNeeded: v >> shifts.g)
                        out[o + 2] = UInt8(truncatingIfNeeded: v >> shifts.b)
                        o += 3
                    }
                default:
                    for x in 0..<width {
                        let index = Int(bytes[row + x]) * 3
                        out[o] = palette[index]; out[o + 1] = palette[index + 1]; out[o + 2] = palette[index + 2]
                        o += 3
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
