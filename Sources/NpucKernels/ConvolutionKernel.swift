// Fast 2-D convolution (NCHW, any kernel, stride, dilation, padding and group count) as an
// implicit GEMM without a full im2col. Work is split into bands of output rows; each band first
// copies the input rows it needs, in order, into zero-padded "phase planes" (one per stride phase
// that a kernel tap uses; a 1×1 stride-1 convolution uses the input itself), in a buffer that
// stays in the L2 cache, laid out so that every tap of every output position is a fixed offset
// from the position's flattened index q = oy·Wq + ox. For a group of tiles of 16 consecutive q,
// the 16 floats that each (channel, tap) reads — one contiguous run of a plane — are then copied
// into a panel, and the 6×16 register tile walks that single stream while it multiplies the
// packed weights, writing finished outputs (activation applied) straight to the output planes;
// the columns ox ∈ [OW, Wq) are computed and dropped. Depthwise convolutions (one input channel
// per group) use a per-channel loop over the planes. Accumulation order equals the reference
// convolution's, so results are bit-identical to it (see ConvolutionMicroKernel).

public struct Conv2DGeometry: Sendable, Hashable {
    public var batch: Int
    public var inputChannels: Int, inputHeight: Int, inputWidth: Int
    public var outputChannels: Int, outputHeight: Int, outputWidth: Int
    public var kernelHeight: Int, kernelWidth: Int
    public var strideY: Int, strideX: Int
    public var dilationY: Int, dilationX: Int
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
    public var groups: Int

    public init(batch: Int, inputChannels: Int, inputHeight: Int, inputWidth: Int,
                outputChannels: Int, outputHeight: Int, outputWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, dilationY: Int, dilationX: Int,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int, groups: Int) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.outputChannels = outputChannels
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.groups = groups
    }

    /// Every size positive, channels divisible by the groups, and the output size the one the
    /// window, strides and padding give (so no tap reads outside the padded input).
    public var isConsistent: Bool {
        let positive = [batch, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, kernelHeight, kernelWidth,
                        strideY, strideX, dilationY, dilationX, groups].allSatisfy { $0 > 0 }
        guard positive, [padTop, padLeft, padBottom, padRight].allSatisfy({ $0 >= 0 }),
              inputChannels % groups == 0, outputChannels % groups == 0 else { return false }
        let spanY = (kernelHeight - 1) * dilationY + 1, spanX = (kernelWidth - 1) * dilationX + 1
        let paddedH = inputHeight + padTop + padBottom, paddedW = inputWidth + padLeft + padRight
        guard paddedH >= spanY, paddedW >= spanX else { return false }
        return outputHeight == (paddedH - spanY) / strideY + 1 && outputWidth == (paddedW - spanX) / strideX + 1
    }
}

/// Weights packed for the fast convolution, plus the band layout; immutable after creation, so
/// one instance serves concurrent calls.
public final class PackedConvolution2D: @unchecked Sendable {
    public let geometry: Conv2DGeometry
    /// Floats of scratch memory `run` needs (none: bands live in per-thread buffers).
    public let scratchCount = 0

    let groupInputChannels: Int
    let groupOutputChannels: Int
    let taps: Int
    let blocks: Int
    let depthwise: Bool
    /// Phase (row phase, column phase) of each plane.
    let phases: [(Int, Int)]
    /// Plane rows beyond a band's output rows that its taps reach (kernel height over stride).
    let extraRows: Int
    /// Bands of output rows (band b covers rows [OH·b/bands, OH·(b+1)/bands)), the most rows
    /// of one band, and the width Wq of a plane row.
    let bandCount: Int
    let bandRows: Int
    let planeWidth: Int
    /// Floats from one channel's planes to the next in a band buffer.
    let channelStride: Int
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let tapOffsets: UnsafeMutablePointer<Int>

    /// GEMM path: K = input channels of a group × taps, and the tiles of 16 band positions whose
    /// panels are packed together (at most `panelTarget` floats of them, or two tiles).
    let depth: Int
    let groupTiles: Int
    /// A 1×1, stride-1, unpadded convolution: the input planes are already the band's phase
    /// planes (position q of the output reads position q of the input), so no band is copied.
    let pointwise: Bool

    /// Target size of one band buffer (floats, 192 KiB) and of one tile group's panels (floats,
    /// 48 KiB): together well inside a 512 KiB L2 cache.
    static let bandBufferTarget = 48_000
    static let panelTarget = 12_288

    /// - weights: ONNX layout [M, C/groups, kh, kw]; bias: [M] or nil.
    public init(geometry g: Conv2DGeometry, weights w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?) {
        precondition(g.groups >= 1 && g.inputChannels % g.groups == 0 && g.outputChannels % g.groups == 0,
                     "convolution groups must divide the channel counts")
        precondition(g.outputHeight >= 1 && g.outputWidth >= 1, "convolution output must not be empty")
        geometry = g
        let cg = g.inputChannels / g.groups
        let mg = g.outputChannels / g.groups
        let taps = g.kernelHeight * g.kernelWidth
        groupInputChannels = cg
        groupOutputChannels = mg
        self.taps = taps
        depthwise = cg == 1
        let rows = ConvolutionMicroKernel.rows
        let blocks = (mg + rows - 1) / rows
        self.blocks = blocks

        // Phase planes: tap (ky, kx) reads phase (ky·dy mod sy, kx·dx mod sx) at row offset
        // ky·dy / sy and column offset kx·dx / sx.
        var phaseList: [(Int, Int)] = []
        var tapPhase = [Int](), tapRow = [Int](), tapColumn = [Int]()
        var maxRow = 0, maxColumn = 0
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let vy = ky * g.dilationY, vx = kx * g.dilationX
                let phase = (vy % g.strideY, vx % g.strideX)
                var index = phaseList.firstIndex { $0 == phase }
                if index == nil { phaseList.append(phase); index = phaseList.count - 1 }
                tapPhase.append(index!)
                tapRow.append(vy / g.strideY)
                tapColumn.append(vx / g.strideX)
                maxRow = max(maxRow, vy / g.strideY)
                maxColumn = max(maxColumn, vx / g.strideX)
            }
        }
        phases = phaseList
        extraRows = maxRow
        planeWidth = g.outputWidth + maxColumn
        // Bands: at most as many output rows as fit the buffer target (channels of one group, or
        // a few channels for depthwise), at least two bands per core, and a multiple of the core
        // count of equal bands (±1 row), so that the cores get equal work, when the map allows.
        let bufferChannels = depthwise ? 1 : cg
        let perRow = bufferChannels * phaseList.count * planeWidth
        let maxBandRows = max(1, Self.bandBufferTarget / max(perRow, 1) - maxRow)
        let cores = Parallel.coreCount
        var bandCount = max((g.outputHeight + maxBandRows - 1) / maxBandRows, 2 * cores)
        bandCount = min(g.outputHeight, (bandCount + cores - 1) / cores * cores)
        self.bandCount = bandCount
        let bandRows = (g.outputHeight + bandCount - 1) / bandCount
        self.bandRows = bandRows
        let planeRows = bandRows + maxRow
        // An odd number of 64-byte lines between channels, so that a tile's loads from successive
        // channels fall into different sets of the L1 cache (a power-of-two stride would put
        // them all into a few sets and evict each other).
        var stride = (phaseList.count * planeRows * planeWidth + 15) / 16 * 16
        if (stride / 16) % 2 == 0 { stride += 16 }
        channelStride = stride
        tapOffsets = .allocate(capacity: taps)
        for t in 0..<taps {
            tapOffsets[t] = tapPhase[t] * planeRows * planeWidth + tapRow[t] * planeWidth + tapColumn[t]
        }

        depth = cg * taps
        // At least two tiles, so that a block's weights are fetched at most once per two tiles
        // when K is long (3-7% faster for K = 576 and 1152 than one tile at a time).
        groupTiles = max(2, min(64, Self.panelTarget / (cg * taps * ConvolutionMicroKernel.lanes)))
        pointwise = taps == 1 && g.strideY == 1 && g.strideX == 1 && g.padTop == 0 && g.padLeft == 0
            && g.outputHeight == g.inputHeight && g.outputWidth == g.inputWidth

        if depthwise {
            weights = .allocate(capacity: g.outputChannels * taps)
            weights.update(from: w, count: g.outputChannels * taps)
            bias = .allocate(capacity: g.outputChannels)
            for m in 0..<g.outputChannels { bias[m] = b?[m] ?? 0 }
        } else {
            let weightCount = g.groups * blocks * cg * taps * rows
            weights = .allocate(capacity: weightCount)
            weights.initialize(repeating: 0, count: weightCount)
            let biasCount = g.groups * blocks * rows
            bias = .allocate(capacity: biasCount)
            bias.initialize(repeating: 0, count: biasCount)
            for group in 0..<g.groups {
                for block in 0..<blocks {
                    let packedBlock = weights + (group * blocks + block) * cg * taps * rows
                    for r in 0..<rows {
                        let m = block * rows + r
                        guard m < mg else { continue }
                        let outChannel = group * mg + m
                        bias[(group * blocks + block) * rows + r] = b?[outChannel] ?? 0
                        for c in 0..<cg {
                            for t in 0..<taps {
                                packedBlock[(c * taps + t) * rows + r] = w[(outChannel * cg + c) * taps + t]
                            }
                        }
                    }
                }
            }
        }
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
        tapOffsets.deallocate()
    }

    /// Computes the convolution of `input` ([N, C, H, W]) into `output` ([N, M, OH, OW]),
    /// applying `activation` to every output. `scratch` is unused (kept for symmetry with the
    /// other convolution kernels).
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>? = nil, activation: PointwiseFunction = .identity) {
        let g = geometry
        let inputBatchStride = g.inputChannels * g.inputHeight * g.inputWidth
        let outputBatchStride = g.outputChannels * g.outputHeight * g.outputWidth
        for n in 0..<g.batch {
            let x = input + n * inputBatchStride, y = output + n * outputBatchStride
            if depthwise {
                runDepthwise(input: x, output: y, activation: activation)
                continue
            }
            // One specialized GEMM per activation, so the micro-kernel applies it in registers.
            switch activation {
            case .identity: runGEMM(input: x, output: y, activation: Identity())
            case .relu: runGEMM(input: x, output: y, activation: ReLU())
            case .leakyRelu(let alpha): runGEMM(input: x, output: y, activation: LeakyReLU(alpha: alpha))
            case .clip(let low, let high): runGEMM(input: x, output: y, activation: Clip(low: low, high: high))
            case .sigmoid: runGEMM(input: x, output: y, activation: Sigmoid())
            case .silu: runGEMM(input: x, output: y, activation: SiLU())
            }
        }
    }

    // MARK: Bands

    /// Copies the plane rows of output rows [oy0, oy0 + bandRows) (or fewer) for `channels` input channels
    /// starting at `firstChannel` into `buffer` (zeros where taps read padding).
    private func fillBand(_ input: UnsafePointer<Float>, firstChannel: Int, channels: Int, firstRow oy0: Int,
                          into buffer: UnsafeMutablePointer<Float>) {
        let g = geometry
        let planeRows = bandRows + extraRows
        // Phases paired for stride 2 (row phase a, column phases 0 and 1), found once.
        let pairs: [(index: Int, odd: Int?)] = phases.indices.compactMap { index in
            let phase = phases[index]
            if g.strideX == 2, phase.1 == 1, phases.contains(where: { $0 == (phase.0, 0) }) { return nil }
            let odd = g.strideX == 2 && phase.1 == 0 ? phases.firstIndex(where: { $0 == (phase.0, 1) }) : nil
            return (index, odd)
        }
        for c in 0..<channels {
            let src = input + (firstChannel + c) * g.inputHeight * g.inputWidth
            // Row by row, all phases of a row before the next: the input rows are then read in
            // order (one long stream per channel that the prefetchers follow).
            for i in 0..<planeRows {
                for (index, odd) in pairs {
                    let phase = phases[index]
                    let dst = buffer + c * channelStride + index * planeRows * planeWidth + i * planeWidth
                    // Stride 2: the column phases 0 and 1 of a row phase come from the same input
                    // rows; split each loaded run into both at once.
                    if let odd {
                        fillRowPairs(src, rowPhase: phase.0, firstRow: oy0 + i, rows: 1, even: dst,
                                     odd: buffer + c * channelStride + odd * planeRows * planeWidth + i * planeWidth)
                    } else {
                        fillRows(src, phase: phase, firstRow: oy0 + i, rows: 1, into: dst)
                    }
                }
            }
        }
        (buffer + channels * channelStride).initialize(repeating: 0, count: 64)
    }

    /// Column phases 0 and 1 of row phase `a` for stride 2: fills both as `fillRows` would, reading
    /// each input row once (a 16-float load gives 8 floats of each phase).
    private func fillRowPairs(_ src: UnsafePointer<Float>, rowPhase a: Int, firstRow oy0: Int, rows: Int,
                              even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>) {
        let g = geometry
        let wq = planeWidth
        for i in 0..<rows {
            let y = g.strideY * (oy0 + i) + a - g.padTop
            let row0 = even + i * wq, row1 = odd + i * wq
            guard y >= 0, y < g.inputHeight else {
                row0.initialize(repeating: 0, count: wq)
                row1.initialize(repeating: 0, count: wq)
                continue
            }
            let srcRow = src + y * g.inputWidth
            // Element j of phase b is x = 2j + b − padLeft, valid for j ∈ [low_b, high_b).
            let low0 = max(0, ceilDivide(g.padLeft, 2)), low1 = max(0, ceilDivide(g.padLeft - 1, 2))
            let high0 = max(low0, min(wq, floorDivide(g.inputWidth - 1 + g.padLeft, 2) + 1))
            let high1 = max(low1, min(wq, floorDivide(g.inputWidth - 2 + g.padLeft, 2) + 1))
            if low0 > 0 { row0.initialize(repeating: 0, count: min(low0, wq)) }
            if high0 < wq { (row0 + high0).initialize(repeating: 0, count: wq - high0) }
            if low1 > 0 { row1.initialize(repeating: 0, count: min(low1, wq)) }
            if high1 < wq { (row1 + high1).initialize(repeating: 0, count: wq - high1) }
            let s = UnsafeRawPointer(srcRow), d0 = UnsafeMutableRawPointer(row0), d1 = UnsafeMutableRawPointer(row1)
            let vectorStart = max(low0, low1), vectorEnd = min(high0, high1)
            var j = vectorStart
            while j + 8 <= vectorEnd && 2 * j - g.padLeft + 16 <= g.inputWidth {
                let pair = s.loadUnaligned(fromByteOffset: (2 * j - g.padLeft) * 4, as: SIMD16<Float>.self)
                d0.storeBytes(of: pair.evenHalf, toByteOffset: j * 4, as: Float8.self)
                d1.storeBytes(of: pair.oddHalf, toByteOffset: j * 4, as: Float8.self)
                j += 8
            }
            if low0 < min(vectorStart, high0) { for k in low0..<min(vectorStart, high0) { row0[k] = srcRow[2 * k - g.padLeft] } }
            if max(j, low0) < high0 { for k in max(j, low0)..<high0 { row0[k] = srcRow[2 * k - g.padLeft] } }
            if low1 < min(vectorStart, high1) { for k in low1..<min(vectorStart, high1) { row1[k] = srcRow[2 * k + 1 - g.padLeft] } }
            if max(j, low1) < high1 { for k in max(j, low1)..<high1 { row1[k] = srcRow[2 * k + 1 - g.padLeft] } }
        }
    }

    /// Plane rows i ∈ [0, rows) of phase (a, b): element j is the input at
    /// (sy·(oy0 + i) + a − padTop, sx·j + b − padLeft), or 0 outside the input.
    private func fillRows(_ src: UnsafePointer<Float>, phase: (Int, Int), firstRow oy0: Int, rows: Int,
                          into dst: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (a, b) = phase
        let wq = planeWidth
        let jLow = max(0, ceilDivide(g.padLeft - b, g.strideX))
        let jHigh = min(wq, floorDivide(g.inputWidth - 1 + g.padLeft - b, g.strideX) + 1)
        for i in 0..<rows {
            let row = dst + i * wq
            let y = g.strideY * (oy0 + i) + a - g.padTop
            guard y >= 0, y < g.inputHeight, jLow < jHigh else {
                row.initialize(repeating: 0, count: wq)
                continue
            }
            if jLow > 0 { row.initialize(repeating: 0, count: jLow) }
            let srcRow = src + y * g.inputWidth
            let x0 = g.strideX * jLow + b - g.padLeft
            if g.strideX == 1 {
                (row + jLow).update(from: srcRow + x0, count: jHigh - jLow)
            } else if g.strideX == 2 {
                // Every other element: deinterleave 16 at a time.
                var j = jLow
                let s = UnsafeRawPointer(srcRow), d = UnsafeMutableRawPointer(row)
                while j + 8 <= jHigh && x0 + 2 * (j - jLow) + 16 <= g.inputWidth {
                    let pair = s.loadUnaligned(fromByteOffset: (x0 + 2 * (j - jLow)) * 4, as: SIMD16<Float>.self)
                    d.storeBytes(of: pair.evenHalf, toByteOffset: j * 4, as: Float8.self)
                    j += 8
                }
                while j < jHigh {
                    row[j] = srcRow[x0 + 2 * (j - jLow)]
                    j += 1
                }
            } else {
                var x = x0
                for j in jLow..<jHigh {
                    row[j] = srcRow[x]
                    x += g.strideX
                }
            }
            if jHigh < wq { (row + jHigh).initialize(repeating: 0, count: wq - jHigh) }
        }
    }

    // MARK: Compute

    private func runGEMM<F: VectorFunction>(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: F) {
        let g = geometry
        let rows = ConvolutionMicroKernel.rows, lanes = ConvolutionMicroKernel.lanes
        let cg = groupInputChannels, mg = groupOutputChannels
        let depth = depth, groupTiles = groupTiles
        let bands = bandCount
        let wanted = Parallel.coreCount
        let blockChunks = g.groups * bands >= wanted ? 1 : min(blocks, (wanted + g.groups * bands - 1) / (g.groups * bands))
        let items = g.groups * bands * blockChunks
        let outputPlane = g.outputHeight * g.outputWidth, inputPlane = g.inputHeight * g.inputWidth
        let bufferCount = pointwise ? 0 : cg * channelStride + 64
        let panelCount = groupTiles * depth * lanes
        Parallel.forEach(items) { item in
            let group = item / (bands * blockChunks)
            let rest = item % (bands * blockChunks)
            let band = rest / blockChunks, blockChunk = rest % blockChunks
            let firstBlock = blocks * blockChunk / blockChunks, endBlock = blocks * (blockChunk + 1) / blockChunks
            let oy0 = g.outputHeight * band / bands, bandHeight = g.outputHeight * (band + 1) / bands - oy0
            let positions = (bandHeight - 1) * planeWidth + g.outputWidth
            let tiles = (positions + lanes - 1) / lanes
            let bandOutput = output + oy0 * g.outputWidth
            withUnsafeTemporaryAllocation(of: Float.self, capacity: bufferCount + panelCount + rows * lanes + 16) { memory in
                // Panels on a 64-byte boundary, so each k's 16 lanes are one cache line.
                let base = memory.baseAddress!
                let panels = base + (16 - (Int(bitPattern: base) >> 2) & 15) & 15
                let tile = panels + panelCount
                let planes = tile + rows * lanes
                let source: UnsafePointer<Float>, stride: Int
                if pointwise {
                    source = input + group * cg * inputPlane + oy0 * g.inputWidth
                    stride = inputPlane
                } else {
                    fillBand(input, firstChannel: group * cg, channels: cg, firstRow: oy0, into: planes)
                    source = UnsafePointer(planes)
                    stride = channelStride
                }
                for firstTile in Swift.stride(from: 0, to: tiles, by: groupTiles) {
                    let count = min(groupTiles, tiles - firstTile)
                    packPanels(source, channelStride: stride, firstTile: firstTile, tiles: count, positions: positions,
                               into: panels)
                    let firstRow = firstTile * lanes / planeWidth, firstColumn = firstTile * lanes - firstRow * planeWidth
                    /// Tile j of the group (at output row and column (tileRow, tileColumn) of the
                    /// band) times the weights of one output-channel block.
                    func compute(block: Int, tile j: Int, tileRow: Int, tileColumn: Int) {
                        let packed = UnsafePointer(weights + (group * blocks + block) * depth * rows)
                        let blockBias = UnsafePointer(bias + (group * blocks + block) * rows)
                        let rowsValid = min(rows, mg - block * rows)
                        // The last block of a group computes only the rows it needs, rounded up to 2 or 4.
                        let rowsComputed = rowsValid <= 2 ? 2 : rowsValid <= 4 ? 4 : rows
                        let blockOutput = bandOutput + (group * mg + block * rows) * outputPlane
                        let q0 = (firstTile + j) * lanes
                        let b = UnsafePointer(panels + j * depth * lanes)
                        let direct = rowsComputed == rowsValid && tileColumn + lanes <= g.outputWidth && q0 + lanes <= positions
                        // All 16 positions in one output row: straight to the output.
                        let c = direct ? blockOutput + tileRow * g.outputWidth + tileColumn : tile
                        let cStride = direct ? outputPlane : lanes
                        switch rowsComputed {
                        case 2: ConvolutionMicroKernel.panelTile2(depth: depth, a: packed, b: b, bias: blockBias, activation: activation,
                                                                  c: c, cStride: cStride)
                        case 4: ConvolutionMicroKernel.panelTile4(depth: depth, a: packed, b: b, bias: blockBias, activation: activation,
                                                                  c: c, cStride: cStride)
                        default: ConvolutionMicroKernel.panelTile(depth: depth, a: packed, b: b, bias: blockBias, activation: activation,
                                                                  c: c, cStride: cStride)
                        }
                        if !direct {
                            for r in 0..<rowsValid {
                                storeTile(tile + r * lanes, firstPosition: q0, row: tileRow, column: tileColumn,
                                          positions: positions, into: blockOutput + r * outputPlane)
                            }
                        }
                    }
                    // One block at a time over the group: its weights stay in L1 while the group's
                    // panels stream from L2 (measured faster than tile by tile over all blocks,
                    // even where a tile's panel fits in L1).
                    for block in firstBlock..<endBlock {
                        var tileRow = firstRow, tileColumn = firstColumn
                        for j in 0..<count {
                            compute(block: block, tile: j, tileRow: tileRow, tileColumn: tileColumn)
                            tileColumn += lanes
                            while tileColumn >= planeWidth {
                                tileColumn -= planeWidth
                                tileRow += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Packs the panels of `tiles` tiles of a band, starting at tile `firstTile`: for the j-th
    /// and k = c·taps + t, the 16 floats at panels + (j·K + k)·16 are those that tap t of channel
    /// c reads for the tile's positions, a contiguous run of the channel's phase planes (at
    /// `source` + c·channelStride). Lanes past the band's `positions` are zeros when the source
    /// is the input itself (whose end must not be read past); in a band buffer they are
    /// whatever follows, and their outputs are dropped.
    @inline(__always)
    private func packPanels(_ source: UnsafePointer<Float>, channelStride: Int, firstTile: Int, tiles: Int, positions: Int,
                            into panels: UnsafeMutablePointer<Float>) {
        let lanes = ConvolutionMicroKernel.lanes
        let taps = taps, cg = groupInputChannels
        var dst = UnsafeMutableRawPointer(panels)
        if pointwise && (firstTile + tiles) * lanes <= positions {
            // The input itself: one channel at a time (a single sequential read) into every
            // tile's panel.
            let tileBytes = cg * lanes * 4
            for c in 0..<cg {
                let src = UnsafeRawPointer(source + c * channelStride + firstTile * lanes)
                var d = UnsafeMutableRawPointer(panels + c * lanes)
                for j in 0..<tiles {
                    d.storeBytes(of: src.loadUnaligned(fromByteOffset: j * 64, as: Float8.self), as: Float8.self)
                    d.storeBytes(of: src.loadUnaligned(fromByteOffset: j * 64 + 32, as: Float8.self), toByteOffset: 32, as: Float8.self)
                    d += tileBytes
                }
            }
            return
        }
        for j in 0..<tiles {
            let q0 = (firstTile + j) * lanes
            if pointwise && q0 + lanes > positions {
                let count = positions - q0
                for c in 0..<cg {
                    let src = source + c * channelStride + q0, d = dst.assumingMemoryBound(to: Float.self)
                    for i in 0..<count { d[i] = src[i] }
                    (d + count).initialize(repeating: 0, count: lanes - count)
                    dst += lanes * 4
                }
                continue
            }
            var channel = UnsafeRawPointer(source + q0)
            for _ in 0..<cg {
                for t in 0..<taps {
                    let p = channel + tapOffsets[t] &* 4
                    dst.storeBytes(of: p.loadUnaligned(as: Float8.self), as: Float8.self)
                    dst.storeBytes(of: p.loadUnaligned(fromByteOffset: 32, as: Float8.self), toByteOffset: 32, as: Float8.self)
                    dst += lanes * 4
                }
                channel += channelStride &* 4
            }
        }
    }

    private func runDepthwise(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: PointwiseFunction) {
        let g = geometry
        let lanes = ConvolutionMicroKernel.lanes
        let mg = groupOutputChannels
        let outputPlane = g.outputHeight * g.outputWidth
        let bands = bandCount
        let channelChunks = max(1, min(g.groups, (Parallel.coreCount + bands - 1) / bands))
        Parallel.forEach(bands * channelChunks) { item in
            let band = item / channelChunks, chunk = item % channelChunks
            let firstGroup = g.groups * chunk / channelChunks, endGroup = g.groups * (chunk + 1) / channelChunks
            let oy0 = g.outputHeight * band / bands, bandHeight = g.outputHeight * (band + 1) / bands - oy0
            let positions = (bandHeight - 1) * planeWidth + g.outputWidth
            let tiles = (positions + lanes - 1) / lanes
            withUnsafeTemporaryAllocation(of: Float.self, capacity: channelStride + 64 + lanes) { memory in
                let plane = memory.baseAddress!
                let tile = plane + channelStride + 64
                let raw = UnsafeMutableRawPointer(tile)
                for group in firstGroup..<endGroup {
                    fillBand(input, firstChannel: group, channels: 1, firstRow: oy0, into: plane)
                    for m in (group * mg)..<((group + 1) * mg) {
                        let w = UnsafePointer(weights + m * taps)
                        for t in 0..<tiles {
                            let q0 = t * lanes
                            let tileRow = q0 / planeWidth, tileColumn = q0 - tileRow * planeWidth
                            var (c0, c1) = ConvolutionMicroKernel.depthwiseTile(taps: taps, tapOffsets: tapOffsets, input: plane + q0,
                                                                                weights: w, bias: bias[m])
                            if activation != .identity {
                                c0 = activation.apply(c0)
                                c1 = activation.apply(c1)
                            }
                            raw.storeBytes(of: c0, toByteOffset: 0, as: Float8.self)
                            raw.storeBytes(of: c1, toByteOffset: 32, as: Float8.self)
                            storeTile(tile, firstPosition: q0, row: tileRow, column: tileColumn, positions: positions,
                                      into: output + m * outputPlane + oy0 * g.outputWidth)
                        }
                    }
                }
            }
        }
    }

    /// Copies the valid lanes of a 16-position tile row to the output (dropping the columns
    /// ox ≥ OW and positions past the band's end); `plane` is the band's first output row and
    /// (row, column) = (q0 / Wq, q0 mod Wq), computed once per tile by the caller.
    @inline(__always)
    private func storeTile(_ src: UnsafePointer<Float>, firstPosition q0: Int, row: Int, column: Int, positions: Int,
                           into plane: UnsafeMutablePointer<Float>) {
        let lanes = ConvolutionMicroKernel.lanes
        let ow = geometry.outputWidth, wq = planeWidth
        if wq == ow {
            let count = min(lanes, positions - q0)
            if count == lanes {
                let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(plane + q0)
                d.storeBytes(of: s.loadUnaligned(as: Float8.self), as: Float8.self)
                d.storeBytes(of: s.loadUnaligned(fromByteOffset: 32, as: Float8.self), toByteOffset: 32, as: Float8.self)
            } else {
                for j in 0..<count { plane[q0 + j] = src[j] }
            }
            return
        }
        var q = q0, oy = row, ox = column
        let end = min(q0 + lanes, positions)
        while q < end {
            if ox >= ow {
                q += wq - ox
                oy += 1
                ox = 0
                continue
            }
            let run = min(ow - ox, end - q)
            let from = src + (q - q0), to = plane + oy * ow + ox
            var j = 0
            if run >= 8 {
                UnsafeMutableRawPointer(to).storeBytes(of: UnsafeRawPointer(from).loadUnaligned(as: Float8.self), as: Float8.self)
                j = 8
            }
            while j < run {
                to[j] = from[j]
                j += 1
            }
            q += run
            ox += run
        }
    }
}

@inline(__always)
func ceilDivide(_ n: Int, _ d: Int) -> Int {
    n >= 0 ? (n + d - 1) / d : -((-n) / d)
}

@inline(__always)
func floorDivide(_ n: Int, _ d: Int) -> Int {
    n >= 0 ? n / d : -((-n + d - 1) / d)
}
