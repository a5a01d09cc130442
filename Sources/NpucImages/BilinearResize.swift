// Bilinear resize of 8-bit images that reproduces OpenCV's cv2.resize(INTER_LINEAR) bit for bit:
// pixel-center alignment, 11-bit fixed-point weights, a horizontal pass into 32-bit rows, and
// OpenCV's vertical rounding ((b0·(s0>>4))>>16 + (b1·(s1>>4))>>16 + 2) >> 2.
//
// The edges follow OpenCV too: a column left of the first or right of the last source pixel takes
// that pixel with weight 1, while a row outside the image keeps its fractional weights and reads
// the nearest row (whose rounding differs slightly from weight 1).

public enum BilinearResize {
    static let weightBits = 11
    static let weightOne = 1 << weightBits  // 2048

    /// Source index and the two fixed-point weights for each destination index along one axis.
    struct AxisTaps {
        var first: [Int]   // first source index (already clamped)
        var second: [Int]  // second source index (clamped)
        var weight0: [Int32]
        var weight1: [Int32]

        /// `clampWeights`: OpenCV's rule for columns (true) and rows (false).
        init(source: Int, destination: Int, clampWeights: Bool) {
            first = []; second = []; weight0 = []; weight1 = []
            first.reserveCapacity(destination)
            // OpenCV computes the inverse scale, then its reciprocal, in double precision.
            let inverseScale = Double(destination) / Double(source)
            let scale = 1.0 / inverseScale
            for d in 0..<destination {
                var f = Float((Double(d) + 0.5) * scale - 0.5)
                var s = Int(f.rounded(.down))
                f -= Float(s)
                if clampWeights {
                    if s < 0 { f = 0; s = 0 }
                    if s >= source - 1 { f = 0; s = source - 1 }
                }
                let w0 = Int32(((1 - f) * Float(BilinearResize.weightOne)).rounded(.toNearestOrEven))
                let w1 = Int32((f * Float(BilinearResize.weightOne)).rounded(.toNearestOrEven))
                first.append(min(max(s, 0), source - 1))
                second.append(min(max(s + 1, 0), source - 1))
                weight0.append(w0)
                weight1.append(w1)
            }
        }
    }

    /// `image` resized to `width` × `height`.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0 && image.width > 0 && image.height > 0, "empty resize")
        if width == image.width && height == image.height { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        out.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                resize(src, width: image.width, height: image.height, into: dst, width: width, height: height,
                       rowStride: width * 3)
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Resizes 3-channel `src` into `dst`, whose rows are `rowStride` bytes apart (so a letterbox
    /// can resize straight into the middle of its canvas).
    static func resize(_ src: UnsafeBufferPointer<UInt8>, width sw: Int, height sh: Int,
                       into dst: UnsafeMutableBufferPointer<UInt8>, width dw: Int, height dh: Int, rowStride: Int) {
        let columns = AxisTaps(source: sw, destination: dw, clampWeights: true)
        let rows = AxisTaps(source: sh, destination: dh, clampWeights: false)
        let n = dw * 3
        // Per destination channel slot: source byte offsets and weights, precomputed once.
        var x0 = [Int](repeating: 0, count: n), x1 = [Int](repeating: 0, count: n)
        var a0 = [Int32](repeating: 0, count: n), a1 = [Int32](repeating: 0, count: n)
        for dx in 0..<dw {
            for c in 0..<3 {
                x0[dx * 3 + c] = columns.first[dx] * 3 + c
                x1[dx * 3 + c] = columns.second[dx] * 3 + c
                a0[dx * 3 + c] = columns.weight0[dx]
                a1[dx * 3 + c] = columns.weight1[dx]
            }
        }
        // Two cached horizontally-resized source rows.
        var cache = [[Int32]](repeating: [Int32](repeating: 0, count: n), count: 2)
        var cachedRow = [-1, -1]
        x0.withUnsafeBufferPointer { x0 in
            x1.withUnsafeBufferPointer { x1 in
                a0.withUnsafeBufferPointer { a0 in
                    a1.withUnsafeBufferPointer { a1 in
                        func horizontal(_ sy: Int, into row: UnsafeMutableBufferPointer<Int32>) {
                            let base = sy * sw * 3
                            for i in 0..<n {
                                row[i] = Int32(src[base + x0[i]]) &* a0[i] &+ Int32(src[base + x1[i]]) &* a1[i]
                            }
                        }
                        /// Index of the cache slot holding source row `sy`, filling one if needed.
                        func slot(for sy: Int, keep other: Int) -> Int {
                            if cachedRow[0] == sy { return 0 }
                            if cachedRow[1] == sy { return 1 }
                            let s = cachedRow[0] == other ? 1 : 0
                            cache[s].withUnsafeMutableBufferPointer { horizontal(sy, into: $0) }
                            cachedRow[s] = sy
                            return s
                        }
                        for dy in 0..<dh {
                            let s0 = slot(for: rows.first[dy], keep: rows.second[dy])
                            let s1 = slot(for: rows.second[dy], keep: rows.first[dy])
                            let b0 = rows.weight0[dy], b1 = rows.weight1[dy]
                            let out = dy * rowStride
                            cache[s0].withUnsafeBufferPointer { r0 in
                                cache[s1].withUnsafeBufferPointer { r1 in
                                    for i in 0..<n {
                                        let v = ((b0 &* (r0[i] >> 4)) >> 16) &+ ((b1 &* (r1[i] >> 4)) >> 16) &+ 2
                                        dst[out + i] = UInt8(clamping: v >> 2)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
