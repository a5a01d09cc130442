// The register tile of the convolution: 6 output channels × 16 output positions, accumulated in
// twelve 8-lane FMA registers over every (input channel, kernel tap) pair in the reference order.
// Each output starts from its bias and adds fma(weight, input) for c = 0..<C, tap = 0..<T, so
// the result is bit-identical to the reference convolution (zero padding contributes fma(w, 0)).

enum ConvolutionMicroKernel {
    static let rows = 6
    static let lanes = 16

    /// Accumulates one tile over `channels` input channels and stores it row-major (6 × 16) into
    /// `tile`, starting from the bias or, when `accumulate` is set, from the tile's contents
    /// (so a long channel loop can be split into blocks without changing the order of the sums).
    /// - `input` points at the tile's first position in the first channel of the (phase-plane)
    ///   input; each next channel starts `channelStride` floats later; tap t reads
    ///   `tapOffsets[t]` floats further.
    /// - `weights` holds, for c then t, the 6 weights of the tile's output channels.
    @inline(never)
    static func tile(channels: Int, taps: Int, tapOffsets: UnsafePointer<Int>, channelStride: Int,
                     input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                     accumulate: Bool, tile: UnsafeMutablePointer<Float>) {
        var (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = start(bias, accumulate, tile)
        var w = weights
        var channel = UnsafeRawPointer(input)
        let channelBytes = channelStride &* 4
        for _ in 0..<channels {
            for t in 0..<taps {
                let p = channel + tapOffsets[t] &* 4
                let b0 = p.loadUnaligned(as: Float8.self)
                let b1 = p.loadUnaligned(fromByteOffset: 32, as: Float8.self)
                var a = Float8(repeating: w[0]); c00 = c00.addingProduct(a, b0); c01 = c01.addingProduct(a, b1)
                a = Float8(repeating: w[1]); c10 = c10.addingProduct(a, b0); c11 = c11.addingProduct(a, b1)
                a = Float8(repeating: w[2]); c20 = c20.addingProduct(a, b0); c21 = c21.addingProduct(a, b1)
                a = Float8(repeating: w[3]); c30 = c30.addingProduct(a, b0); c31 = c31.addingProduct(a, b1)
                a = Float8(repeating: w[4]); c40 = c40.addingProduct(a, b0); c41 = c41.addingProduct(a, b1)
                a = Float8(repeating: w[5]); c50 = c50.addingProduct(a, b0); c51 = c51.addingProduct(a, b1)
                w += 6
            }
            channel += channelBytes
        }
        store(tile, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    /// The same tile for a single tap at offset 0 (1×1 convolutions read each channel once).
    @inline(never)
    static func tileOneTap(channels: Int, channelStride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>, accumulate: Bool, tile: UnsafeMutablePointer<Float>) {
        var (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51) = start(bias, accumulate, tile)
        var w = weights
        var p = UnsafeRawPointer(input)
        let channelBytes = channelStride &* 4
        for _ in 0..<channels {
            let b0 = p.loadUnaligned(as: Float8.self)
            let b1 = p.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            var a = Float8(repeating: w[0]); c00 = c00.addingProduct(a, b0); c01 = c01.addingProduct(a, b1)
            a = Float8(repeating: w[1]); c10 = c10.addingProduct(a, b0); c11 = c11.addingProduct(a, b1)
            a = Float8(repeating: w[2]); c20 = c20.addingProduct(a, b0); c21 = c21.addingProduct(a, b1)
            a = Float8(repeating: w[3]); c30 = c30.addingProduct(a, b0); c31 = c31.addingProduct(a, b1)
            a = Float8(repeating: w[4]); c40 = c40.addingProduct(a, b0); c41 = c41.addingProduct(a, b1)
            a = Float8(repeating: w[5]); c50 = c50.addingProduct(a, b0); c51 = c51.addingProduct(a, b1)
            w += 6
            p += channelBytes
        }
        store(tile, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    /// The twelve accumulators at the start of a tile: the bias, or the partial sums in `tile`.
    @inline(__always)
    private static func start(_ bias: UnsafePointer<Float>, _ accumulate: Bool, _ tile: UnsafeMutablePointer<Float>)
        -> (Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8, Float8) {
        if accumulate {
            let t = UnsafeRawPointer(tile)
            return (t.loadUnaligned(fromByteOffset: 0, as: Float8.self), t.loadUnaligned(fromByteOffset: 32, as: Float8.self),
                    t.loadUnaligned(fromByteOffset: 64, as: Float8.self), t.loadUnaligned(fromByteOffset: 96, as: Float8.self),
                    t.loadUnaligned(fromByteOffset: 128, as: Float8.self), t.loadUnaligned(fromByteOffset: 160, as: Float8.self),
                    t.loadUnaligned(fromByteOffset: 192, as: Float8.self), t.loadUnaligned(fromByteOffset: 224, as: Float8.self),
                    t.loadUnaligned(fromByteOffset: 256, as: Float8.self), t.loadUnaligned(fromByteOffset: 288, as: Float8.self),
                    t.loadUnaligned(fromByteOffset: 320, as: Float8.self), t.loadUnaligned(fromByteOffset: 352, as: Float8.self))
        }
        let b0 = Float8(repeating: bias[0]), b1 = Float8(repeating: bias[1]), b2 = Float8(repeating: bias[2])
        let b3 = Float8(repeating: bias[3]), b4 = Float8(repeating: bias[4]), b5 = Float8(repeating: bias[5])
        return (b0, b0, b1, b1, b2, b2, b3, b3, b4, b4, b5, b5)
    }

    @inline(__always)
    private static func store(_ tile: UnsafeMutablePointer<Float>,
                              _ c00: Float8, _ c01: Float8, _ c10: Float8, _ c11: Float8, _ c20: Float8, _ c21: Float8,
                              _ c30: Float8, _ c31: Float8, _ c40: Float8, _ c41: Float8, _ c50: Float8, _ c51: Float8) {
        let t = UnsafeMutableRawPointer(tile)
        t.storeBytes(of: c00, toByteOffset: 0, as: Float8.self); t.storeBytes(of: c01, toByteOffset: 32, as: Float8.self)
        t.storeBytes(of: c10, toByteOffset: 64, as: Float8.self); t.storeBytes(of: c11, toByteOffset: 96, as: Float8.self)
        t.storeBytes(of: c20, toByteOffset: 128, as: Float8.self); t.storeBytes(of: c21, toByteOffset: 160, as: Float8.self)
        t.storeBytes(of: c30, toByteOffset: 192, as: Float8.self); t.storeBytes(of: c31, toByteOffset: 224, as: Float8.self)
        t.storeBytes(of: c40, toByteOffset: 256, as: Float8.self); t.storeBytes(of: c41, toByteOffset: 288, as: Float8.self)
        t.storeBytes(of: c50, toByteOffset: 320, as: Float8.self); t.storeBytes(of: c51, toByteOffset: 352, as: Float8.self)
    }

    /// A plain GEMM tile for the Winograd path: 6 rows × 16 columns of A·B over `depth`, where A
    /// is packed 6 values per k and B's row k is 16 floats at `b + k·bStride`; the result is
    /// stored with rows `cStride` floats apart.
    @inline(never)
    static func gemmTile(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStride: Int,
                         c: UnsafeMutablePointer<Float>, cStride: Int) {
        var c00 = Float8(), c01 = Float8(), c10 = Float8(), c11 = Float8(), c20 = Float8(), c21 = Float8()
        var c30 = Float8(), c31 = Float8(), c40 = Float8(), c41 = Float8(), c50 = Float8(), c51 = Float8()
        var w = a
        var p = UnsafeRawPointer(b)
        let rowBytes = bStride &* 4
        for _ in 0..<depth {
            let b0 = p.loadUnaligned(as: Float8.self)
            let b1 = p.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            var x = Float8(repeating: w[0]); c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = Float8(repeating: w[1]); c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = Float8(repeating: w[2]); c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = Float8(repeating: w[3]); c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = Float8(repeating: w[4]); c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = Float8(repeating: w[5]); c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            w += 6
            p += rowBytes
        }
        let out = UnsafeMutableRawPointer(c), s = cStride &* 4
        out.storeBytes(of: c00, toByteOffset: 0, as: Float8.self); out.storeBytes(of: c01, toByteOffset: 32, as: Float8.self)
        out.storeBytes(of: c10, toByteOffset: s, as: Float8.self); out.storeBytes(of: c11, toByteOffset: s + 32, as: Float8.self)
        out.storeBytes(of: c20, toByteOffset: 2 * s, as: Float8.self); out.storeBytes(of: c21, toByteOffset: 2 * s + 32, as: Float8.self)
        out.storeBytes(of: c30, toByteOffset: 3 * s, as: Float8.self); out.storeBytes(of: c31, toByteOffset: 3 * s + 32, as: Float8.self)
        out.storeBytes(of: c40, toByteOffset: 4 * s, as: Float8.self); out.storeBytes(of: c41, toByteOffset: 4 * s + 32, as: Float8.self)
        out.storeBytes(of: c50, toByteOffset: 5 * s, as: Float8.self); out.storeBytes(of: c51, toByteOffset: 5 * s + 32, as: Float8.self)
    }

    /// One output channel × 16 positions (depthwise convolution: a single input channel).
    @inline(__always)
    static func depthwiseTile(taps: Int, tapOffsets: UnsafePointer<Int>, input: UnsafePointer<Float>,
                              weights: UnsafePointer<Float>, bias: Float) -> (Float8, Float8) {
        var c0 = Float8(repeating: bias), c1 = c0
        let base = UnsafeRawPointer(input)
        for t in 0..<taps {
            let p = base + tapOffsets[t] &* 4
            let a = Float8(repeating: weights[t])
            c0 = c0.addingProduct(a, p.loadUnaligned(as: Float8.self))
            c1 = c1.addingProduct(a, p.loadUnaligned(fromByteOffset: 32, as: Float8.self))
        }
        return (c0, c1)
    }
}
