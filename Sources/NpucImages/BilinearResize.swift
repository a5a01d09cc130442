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
        // Per destination pixel: byte offsets of the two source pixels and their weights.
        let x0 = UnsafeMutablePointer<Int>.allocate(capacity: dw)
        let x1 = UnsafeMutablePointer<Int>.allocate(capacity: dw)
        let a0 = UnsafeMutablePointer<Int32>.allocate(capacity: dw)
        let a1 = UnsafeMutablePointer<Int32>.allocate(capacity: dw)
        // Two horizontally resized source rows, and which source rows they hold.
        var buffers = (UnsafeMutablePointer<Int32>.allocate(capacity: n), UnsafeMutablePointer<Int32>.allocate(capacity: n))
        defer {
            x0.deallocate(); x1.deallocate(); a0.deallocate(); a1.deallocate()
            buffers.0.deallocate(); buffers.1.deallocate()
        }
        for dx in 0..<dw {
            x0[dx] = columns.first[dx] * 3
            x1[dx] = columns.second[dx] * 3
            a0[dx] = columns.weight0[dx]
            a1[dx] = columns.weight1[dx]
        }
        let source = src.baseAddress!, target = dst.baseAddress!
        func horizontal(_ sy: Int, into row: UnsafeMutablePointer<Int32>) {
            let line = source + sy * sw * 3
            var o = 0
            for dx in 0..<dw {
                let p = line + x0[dx], q = line + x1[dx]
                let w0 = a0[dx], w1 = a1[dx]
                row[o] = Int32(p[0]) &* w0 &+ Int32(q[0]) &* w1
                row[o + 1] = Int32(p[1]) &* w0 &+ Int32(q[1]) &* w1
                row[o + 2] = Int32(p[2]) &* w0 &+ Int32(q[2]) &* w1
                o += 3
            }
        }
        var held = (-1, -1)
        for dy in 0..<dh {
            let y0 = rows.first[dy], y1 = rows.second[dy]
            // Keep a buffer that already holds a needed row; refill the other(s).
            if held.0 != y0 {
                if held.1 == y0 {
                    swap(&buffers.0, &buffers.1)
                    swap(&held.0, &held.1)
                } else {
                    horizontal(y0, into: buffers.0)
                    held.0 = y0
                }
            }
            if held.1 != y1 {
                if y1 == y0 {
                    held.1 = -1
                } else {
                    horizontal(y1, into: buffers.1)
                    held.1 = y1
                }
            }
            let r0 = buffers.0, r1 = y1 == y0 ? buffers.0 : buffers.1
            let b0 = rows.weight0[dy], b1 = rows.weight1[dy]
            let out = target + dy * rowStride
            for i in 0..<n {
                let v = ((b0 &* (r0[i] >> 4)) >> 16) &+ ((b1 &* (r1[i] >> 4)) >> 16) &+ 2
                out[i] = UInt8(truncatingIfNeeded: v >> 2)  // always 0...255: the weights sum to 2048
            }
        }
    }
}
