// 3×3 stride-1 convolutions by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray's
// transforms): each 4×4 output tile is A^T [ (G g G^T) ⊙ (B^T d B) ] A for its 6×6 input patch d,
// so the 36 element-wise products of every (tile, channel) pair become 36 independent GEMMs
// (output channels × input channels × tiles) run by the 6×16 FMA micro-kernel: 2.25 multiplies
// per output per channel instead of 9. Transforms run 8 tiles at a time in SIMD lanes. The
// result differs from the direct sum by rounding only (tested against the reference within a
// relative tolerance); bias and the activation are applied in the output transform.

public final class WinogradConvolution3x3: @unchecked Sendable {
    public let geometry: Conv2DGeometry
    /// Floats of scratch memory `run` needs (the zero-padded input).
    public let scratchCount: Int

    let tileRows: Int, tileColumns: Int
    let paddedHeight: Int, paddedWidth: Int
    let blocks: Int
    /// Transformed weights: for each of the 36 positions ξ, panels of 6 output channels, per
    /// input channel the 6 values.
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let weightCount: Int

    /// Whether the geometry suits this path (and is large enough to gain from it).
    public static func isApplicable(_ g: Conv2DGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1 && g.dilationY == 1 && g.dilationX == 1
            && g.groups == 1 && g.inputChannels >= 8 && g.outputChannels >= 8 && g.outputHeight >= 4 && g.outputWidth >= 4
    }

    public init(geometry g: Conv2DGeometry, weights w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?) {
        precondition(Self.isApplicable(g), "Winograd F(4x4,3x3) needs a 3×3 stride-1 ungrouped convolution")
        geometry = g
        tileRows = (g.outputHeight + 3) / 4
        tileColumns = (g.outputWidth + 3) / 4
        paddedHeight = 4 * tileRows + 2
        paddedWidth = 4 * tileColumns + 2
        scratchCount = g.inputChannels * paddedHeight * paddedWidth + 64
        let rows = ConvolutionMicroKernel.rows
        blocks = (g.outputChannels + rows - 1) / rows
        let c = g.inputChannels
        weightCount = 36 * blocks * c * rows
        weights = .allocate(capacity: weightCount)
        weights.initialize(repeating: 0, count: weightCount)
        bias = .allocate(capacity: g.outputChannels)
        for m in 0..<g.outputChannels { bias[m] = b?[m] ?? 0 }
        // U = G g Gᵀ, in Double, for every (m, c).
        let gMatrix: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                                   [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        for m in 0..<g.outputChannels {
            for ci in 0..<c {
                let kernel = w + (m * c + ci) * 9
                var gg = [[Double]](repeating: [0, 0, 0], count: 6)
                for i in 0..<6 {
                    for j in 0..<3 {
                        gg[i][j] = (0..<3).reduce(0.0) { $0 + gMatrix[i][$1] * Double(kernel[$1 * 3 + j]) }
                    }
                }
                for i in 0..<6 {
                    for j in 0..<6 {
                        let u = (0..<3).reduce(0.0) { $0 + gg[i][$1] * gMatrix[j][$1] }
                        let xi = i * 6 + j
                        weights[((xi * blocks + m / rows) * c + ci) * rows + m % rows] = Float(u)
                    }
                }
            }
        }
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
    }

    /// Convolves `input` ([N, C, H, W]) into `output` ([N, M, OH, OW]) with `activation` applied.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                    activation: PointwiseFunction = .identity) {
        let g = geometry
        for n in 0..<g.batch {
            pad(input + n * g.inputChannels * g.inputHeight * g.inputWidth, into: scratch)
            compute(padded: scratch, output: output + n * g.outputChannels * g.outputHeight * g.outputWidth, activation: activation)
        }
    }

    private func pad(_ source: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        let g = geometry
        let hp = paddedHeight, wp = paddedWidth
        let parts = Parallel.partCount(work: g.inputChannels * hp * wp, minimumPerPart: 1 << 14)
        Parallel.forRanges(g.inputChannels, parts: parts) { range in
            for c in range {
                let dst = padded + c * hp * wp, src = source + c * g.inputHeight * g.inputWidth
                for y in 0..<hp {
                    let row = dst + y * wp
                    let sy = y - g.padTop
                    guard sy >= 0, sy < g.inputHeight else {
                        row.initialize(repeating: 0, count: wp)
                        continue
                    }
                    let x0 = g.padLeft, count = min(g.inputWidth, wp - x0)
                    if x0 > 0 { row.initialize(repeating: 0, count: x0) }
                    (row + x0).update(from: src + sy * g.inputWidth, count: count)
                    if x0 + count < wp { (row + x0 + count).initialize(repeating: 0, count: wp - x0 - count) }
                }
            }
        }
        (padded + g.inputChannels * hp * wp).initialize(repeating: 0, count: 64)
    }

    private func compute(padded: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: PointwiseFunction) {
        let g = geometry
        let tiles = tileRows * tileColumns
        let c = g.inputChannels
        // Tiles per chunk: a multiple of 16 (the micro-kernel's width), small enough that the
        // transformed inputs and products of a chunk (36·(C + M)·chunk floats) stay in L2.
        let chunk = max(16, min(64, (262_144 / (144 * (c + blocks * ConvolutionMicroKernel.rows))) / 16 * 16))
        let chunks = (tiles + chunk - 1) / chunk
        Parallel.forEach(chunks) { index in
            let first = index * chunk
            let count = min(chunk, tiles - first)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 36 * (c + blocks * ConvolutionMicroKernel.rows) * chunk) { buffer in
                let v = buffer.baseAddress!
                let products = v + 36 * c * chunk
                transformInput(padded: padded, firstTile: first, count: count, chunk: chunk, into: v)
                multiply(v: v, chunk: chunk, into: products)
                transformOutput(products: products, firstTile: first, count: count, chunk: chunk, output: output, activation: activation)
            }
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for the 6×6 patch d of tile t and channel c, 8 tiles per vector.
    private func transformInput(padded: UnsafePointer<Float>, firstTile: Int, count: Int, chunk: Int,
                                into v: UnsafeMutablePointer<Float>) {
        let c = geometry.inputChannels
        let wp = paddedWidth, plane = paddedHeight * paddedWidth
        let vRaw = UnsafeMutableRawPointer(v)
        withUnsafeTemporaryAllocation(of: Float8.self, capacity: 72) { scratch in
        let d = scratch.baseAddress!, t = d + 36
        var group = 0
        while group < chunk {
            // Lane p holds tile group + laneTile[p] (the order the unpack shuffles produce).
            var offsets = SIMD8<Int32>()
            for lane in 0..<8 {
                let t = min(firstTile + group + Self.laneTile[lane], firstTile + count - 1)
                let ty = t / tileColumns, tx = t % tileColumns
                offsets[lane] = Int32(4 * ty * wp + 4 * tx)
            }
            // All eight tiles in one tile row, in order: 4·8 + 4 contiguous floats per patch row.
            let first = firstTile + group
            let sameRow = group + 8 <= count && first % tileColumns + 8 <= tileColumns
            for ci in 0..<c {
                let base = padded + ci * plane
                for r in 0..<6 {
                    if sameRow {
                        let row = UnsafeRawPointer(base + r * wp + Int(offsets[0]))
                        let v0 = row.loadUnaligned(fromByteOffset: 0, as: Float8.self)
                        let v1 = row.loadUnaligned(fromByteOffset: 32, as: Float8.self)
                        let v2 = row.loadUnaligned(fromByteOffset: 64, as: Float8.self)
                        let v3 = row.loadUnaligned(fromByteOffset: 96, as: Float8.self)
                        let x0 = SIMDShuffles.unpackLow(v0, v1), x1 = SIMDShuffles.unpackHigh(v0, v1)
                        let x2 = SIMDShuffles.unpackLow(v2, v3), x3 = SIMDShuffles.unpackHigh(v2, v3)
                        d[r * 6] = SIMDShuffles.unpackLowPairs(x0, x2)
                        d[r * 6 + 1] = SIMDShuffles.unpackHighPairs(x0, x2)
                        d[r * 6 + 2] = SIMDShuffles.unpackLowPairs(x1, x3)
                        d[r * 6 + 3] = SIMDShuffles.unpackHighPairs(x1, x3)
                        // Columns 4 and 5 are columns 0 and 1 of the patch four floats on.
                        let w0 = row.loadUnaligned(fromByteOffset: 16, as: Float8.self)
                        let w1 = row.loadUnaligned(fromByteOffset: 48, as: Float8.self)
                        let w2 = row.loadUnaligned(fromByteOffset: 80, as: Float8.self)
                        let w3 = row.loadUnaligned(fromByteOffset: 112, as: Float8.self)
                        let y0 = SIMDShuffles.unpackLow(w0, w1), y2 = SIMDShuffles.unpackLow(w2, w3)
                        d[r * 6 + 4] = SIMDShuffles.unpackLowPairs(y0, y2)
                        d[r * 6 + 5] = SIMDShuffles.unpackHighPairs(y0, y2)
                        continue
                    }
                    for j in 0..<6 {
                        let rowBase = base + r * wp + j
                        d[r * 6 + j] = Float8(rowBase[Int(offsets[0])], rowBase[Int(offsets[1])], rowBase[Int(offsets[2])],
                                              rowBase[Int(offsets[3])], rowBase[Int(offsets[4])], rowBase[Int(offsets[5])],
                                              rowBase[Int(offsets[6])], rowBase[Int(offsets[7])])
                    }
                }
                // Bᵀ d (columns), then (Bᵀ d) B (rows).
                for j in 0..<6 {
                    let (o0, o1, o2, o3, o4, o5) = Self.bTranspose(d[j], d[6 + j], d[12 + j], d[18 + j], d[24 + j], d[30 + j])
                    t[j] = o0; t[6 + j] = o1; t[12 + j] = o2; t[18 + j] = o3; t[24 + j] = o4; t[30 + j] = o5
                }
                for i in 0..<6 {
                    let (o0, o1, o2, o3, o4, o5) = Self.bTranspose(t[i * 6], t[i * 6 + 1], t[i * 6 + 2], t[i * 6 + 3], t[i * 6 + 4], t[i * 6 + 5])
                    let stride = c * chunk * 4
                    let at = ((i * 6 * c + ci) * chunk + group) * 4
                    vRaw.storeBytes(of: o0, toByteOffset: at, as: Float8.self)
                    vRaw.storeBytes(of: o1, toByteOffset: at + stride, as: Float8.self)
                    vRaw.storeBytes(of: o2, toByteOffset: at + 2 * stride, as: Float8.self)
                    vRaw.storeBytes(of: o3, toByteOffset: at + 3 * stride, as: Float8.self)
                    vRaw.storeBytes(of: o4, toByteOffset: at + 4 * stride, as: Float8.self)
                    vRaw.storeBytes(of: o5, toByteOffset: at + 5 * stride, as: Float8.self)
                }
            }
            group += 8
        }
        }
    }

    /// The tile (within a group of 8) that each SIMD lane holds: the order in which the
    /// 128-bit unpack shuffles leave eight 4-float columns.
    static let laneTile = [0, 2, 4, 6, 1, 3, 5, 7]

    @inline(__always)
    static func bTranspose(_ d0: Float8, _ d1: Float8, _ d2: Float8, _ d3: Float8, _ d4: Float8, _ d5: Float8)
        -> (Float8, Float8, Float8, Float8, Float8, Float8) {
        let o0 = 4 * d0 - 5 * d2 + d4
        let o1 = -4 * (d1 + d2) + d3 + d4
        let o2 = 4 * (d1 - d2) - d3 + d4
        let o3 = 2 * (d3 - d1) - d2 + d4
        let o4 = 2 * (d1 - d3) - d2 + d4
        let o5 = 4 * d1 - 5 * d3 + d5
        return (o0, o1, o2, o3, o4, o5)
    }

    /// P[ξ][m][t] = Σ_c U[ξ][m][c] · V[ξ][c][t].
    private func multiply(v: UnsafePointer<Float>, chunk: Int, into products: UnsafeMutablePointer<Float>) {
        let c = geometry.inputChannels
        let rows = ConvolutionMicroKernel.rows, lanes = ConvolutionMicroKernel.lanes
        let mPadded = blocks * rows
        for xi in 0..<36 {
            let vXi = v + xi * c * chunk
            for block in 0..<blocks {
                let u = UnsafePointer(weights + (xi * blocks + block) * c * rows)
                var t = 0
                while t < chunk {
                    ConvolutionMicroKernel.gemmTile(depth: c, a: u, b: vXi + t, bStride: chunk,
                                                    c: products + (xi * mPadded + block * rows) * chunk + t, cStride: chunk)
                    t += lanes
                }
            }
        }
    }

    /// Y = Aᵀ P A per tile and output channel, plus bias, activation, stored to the output.
    private func transformOutput(products: UnsafePointer<Float>, firstTile: Int, count: Int, chunk: Int,
                                 output: UnsafeMutablePointer<Float>, activation: PointwiseFunction) {
        // One specialized loop per activation, so the function is inlined in the loop.
        switch activation {
        case .identity: transformOutput(products, firstTile, count, chunk, output, Identity())
        case .relu: transformOutput(products, firstTile, count, chunk, output, ReLU())
        case .leakyRelu(let a): transformOutput(products, firstTile, count, chunk, output, LeakyReLU(alpha: a))
        case .clip(let lo, let hi): transformOutput(products, firstTile, count, chunk, output, Clip(low: lo, high: hi))
        case .sigmoid: transformOutput(products, firstTile, count, chunk, output, Sigmoid())
        case .silu: transformOutput(products, firstTile, count, chunk, output, SiLU())
        }
    }

    @inline(__always)
    private func transformOutput<F: VectorFunction>(_ products: UnsafePointer<Float>, _ firstTile: Int, _ count: Int, _ chunk: Int,
                                                    _ output: UnsafeMutablePointer<Float>, _ activation: F) {
        let g = geometry
        let oh = g.outputHeight, ow = g.outputWidth
        let mPadded = blocks * ConvolutionMicroKernel.rows
        let pRaw = UnsafeRawPointer(products)
        withUnsafeTemporaryAllocation(of: Float8.self, capacity: 76) { scratch in
            let p = scratch.baseAddress!, t = p + 36, y = t + 24
            var group = 0
            while group < count {
                let lanesUsed = min(8, count - group)
                let first = firstTile + group
                let ty = first / tileColumns, tx = first % tileColumns
                // Fast stores when the 8 tiles lie in one tile row, fully inside the output.
                let inside = lanesUsed == 8 && tx + 8 <= tileColumns && 4 * (tx + 8) <= ow && 4 * ty + 4 <= oh
                for mi in 0..<g.outputChannels {
                    for xi in 0..<36 {
                        p[xi] = pRaw.loadUnaligned(fromByteOffset: ((xi * mPadded + mi) * chunk + group) * 4, as: Float8.self)
                    }
                    for j in 0..<6 {
                        let (o0, o1, o2, o3) = Self.aTranspose(p[j], p[6 + j], p[12 + j], p[18 + j], p[24 + j], p[30 + j])
                        t[j] = o0; t[6 + j] = o1; t[12 + j] = o2; t[18 + j] = o3
                    }
                    let b = Float8(repeating: bias[mi])
                    for i in 0..<4 {
                        let (y0, y1, y2, y3) = Self.aTranspose(t[i * 6], t[i * 6 + 1], t[i * 6 + 2], t[i * 6 + 3], t[i * 6 + 4], t[i * 6 + 5])
                        y[4 * i] = y0 + b; y[4 * i + 1] = y1 + b; y[4 * i + 2] = y2 + b; y[4 * i + 3] = y3 + b
                    }
                    // The activation in its own loop over the 16 vectors, two at a time: inlined
                    // among the transforms' live values, SiLU compiled to 128-bit halves and spills
                    // (measured three times slower per vector).
                    if F.self != Identity.self {
                        var v = 0
                        while v < 16 {
                            y[v] = activation(y[v])
                            y[v + 1] = activation(y[v + 1])
                            v += 2
                        }
                    }
                    let plane = output + mi * oh * ow
                    for i in 0..<4 {
                        let y0 = y[4 * i], y1 = y[4 * i + 1], y2 = y[4 * i + 2], y3 = y[4 * i + 3]
                        if inside {
                            // Row i of 8 adjacent tiles: 32 contiguous outputs. With lanes in
                            // `laneTile` order, the unpacks leave tiles 0–1, 2–3, 4–5, 6–7 in order.
                            let row = UnsafeMutableRawPointer(plane + (4 * ty + i) * ow + 4 * tx)
                            let a0 = SIMDShuffles.unpackLow(y0, y1), a1 = SIMDShuffles.unpackHigh(y0, y1)
                            let a2 = SIMDShuffles.unpackLow(y2, y3), a3 = SIMDShuffles.unpackHigh(y2, y3)
                            row.storeBytes(of: SIMDShuffles.unpackLowPairs(a0, a2), toByteOffset: 0, as: Float8.self)
                            row.storeBytes(of: SIMDShuffles.unpackHighPairs(a0, a2), toByteOffset: 32, as: Float8.self)
                            row.storeBytes(of: SIMDShuffles.unpackLowPairs(a1, a3), toByteOffset: 64, as: Float8.self)
                            row.storeBytes(of: SIMDShuffles.unpackHighPairs(a1, a3), toByteOffset: 96, as: Float8.self)
                            continue
                        }
                        for lane in 0..<8 where Self.laneTile[lane] < lanesUsed {
                            let tile = first + Self.laneTile[lane]
                            let oy = 4 * (tile / tileColumns) + i, ox = 4 * (tile % tileColumns)
                            guard oy < oh else { continue }
                            let row = plane + oy * ow + ox
                            let values = SIMD4(y0[lane], y1[lane], y2[lane], y3[lane])
                            for k in 0..<min(4, ow - ox) { row[k] = values[k] }
                        }
                    }
                }
                group += 8
            }
        }
    }

    @inline(__always)
    static func aTranspose(_ m0: Float8, _ m1: Float8, _ m2: Float8, _ m3: Float8, _ m4: Float8, _ m5: Float8)
        -> (Float8, Float8, Float8, Float8) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }
}
