// EXIF orientation: reading tag 0x0112 from a JPEG APP1 segment, and turning a decoded image so
// it displays upright (as Pillow's ImageOps.exif_transpose and OpenCV's imread do).

enum ExifOrientation {
    /// The orientation (1–8) in an APP1 segment body ("Exif\0\0" + TIFF), or nil.
    static func parse(_ segment: UnsafeRawBufferPointer) -> Int? {
        guard segment.count >= 14, Array(segment[0..<6]) == [0x45, 0x78, 0x69, 0x66, 0, 0] else { return nil }
        let tiff = UnsafeRawBufferPointer(rebasing: segment[6...])
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                // SHORT value stored in the first two bytes of the value field.
                guard let type = u16(entry + 2), type == 3, let value = u16(entry + 8), (1...8).contains(value) else {
                    return nil
                }
                return value
            }
        }
        return nil
    }

    /// `image` turned so that it displays upright given its EXIF `orientation`.
    static func apply(_ orientation: Int, to image: RGBImage) -> RGBImage {
        guard orientation != 1, (2...8).contains(orientation) else { return image }
        let w = image.width, h = image.height
        // Orientations 5–8 swap width and height.
        let transposed = orientation >= 5
        let outW = transposed ? h : w, outH = transposed ? w : h
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outH {
                    for x in 0..<outW {
                        // Source pixel (sx, sy) shown at (x, y).
                        let sx: Int, sy: Int
                        switch orientation {
                        case 2: sx = w - 1 - x; sy = y              // mirrored horizontally
                        case 3: sx = w - 1 - x; sy = h - 1 - y      // rotated 180°
                        case 4: sx = x; sy = h - 1 - y              // mirrored vertically
                        case 5: sx = y; sy = x                      // transposed
                        case 6: sx = y; sy = h - 1 - x              // rotate 90° clockwise to view
                        case 7: sx = w - 1 - y; sy = h - 1 - x      // transverse
                        default: sx = w - 1 - y; sy = x             // 8: rotate 90° counter-clockwise to view
                        }
                        let s = (sy * w + sx) * 3, d = (y * outW + x) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outW, height: outH, pixels: out)
    }
}
