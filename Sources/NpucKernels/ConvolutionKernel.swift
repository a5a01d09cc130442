// Fast 2-D convolution (NCHW, any kernel, stride, dilation, padding and group count) as an
// implicit GEMM without im2col. The input is rearranged once per call into zero-padded "phase
// planes" (one per stride phase that a kernel tap uses), laid out so that every tap of every
// output position is a fixed offset from the output's flattened index q = oy·Wq + ox. A tile of
// 16 consecutive q is then one unaligned vector load per (channel, tap); the columns
// ox ∈ [OW, Wq) are computed and dropped. When stride is 1 and there is no padding the input
// itself is the plane. Depthwise convolutions (one input channel per group) use a per-channel
// loop over the same planes. Accumulation order equals the reference convolution's, so results
// are bit-identical to it (see ConvolutionMicroKernel).

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
}

/// Weights packed for the fast convolution, plus the plane layout; immutable after creation,
/// so one instance serves concurrent calls (each with its own scratch).
public final class PackedConvolution2D: @unchecked Sendable {
    public let geometry: Conv2DGeometry
    /// Floats a direct (plane-less) input may be read past the end of the input tensor; the
    /// values read there only reach dropped lanes, but the memory must be readable.
    public static let inputOverread = 16
    /// Floats of scratch memory `run` needs (0 when the input is read in place).
    public let scratchCount: Int

    let groupInputChannels: Int
    let groupOutputChannels: Int
    let taps: Int
    let blocks: Int
    let depthwise: Bool
    let usesPlanes: Bool
    let planeHeight: Int
    let planeWidth: Int
    let channelStride: Int
    /// Phase (row phase, column phase) of each plane.
    let phases: [(Int, Int)]
    let weights: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let tapOffsets: UnsafeMutablePointer<Int>
    let weightCount: Int
    let biasCount: Int

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
        let blocks = (mg + ConvolutionMicroKernel.rows - 1) / ConvolutionMicroKernel.rows
        self.blocks = blocks

        // Plane layout.
        let direct = g.strideY == 1 && g.strideX == 1 && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        usesPlanes = !direct
        var phaseList: [(Int, Int)] = []
        var tapPhase = [Int](), tapRow = [Int](), tapColumn = [Int]()
        var maxRow = 0, maxColumn = 0
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let vy = ky * g.dilationY, vx = kx * g.dilationX
                let phase = direct ? (0, 0) : (vy % g.strideY, vx % g.strideX)
                let row = direct ? vy : vy / g.strideY, column = direct ? vx : vx / g.strideX
                var index = phaseList.firstIndex { $0 == phase }
                if index == nil { phaseList.append(phase); index = phaseList.count - 1 }
                tapPhase.append(index!)
                tapRow.append(row)
                tapColumn.append(column)
                maxRow = max(maxRow, row)
                maxColumn = max(maxColumn, column)
            }
        }
        phases = phaseList
        if direct {
            planeHeight = g.inputHeight
            planeWidth = g.inputWidth
            channelStride = g.inputHeight * g.inputWidth
        } else {
            planeHeight = g.outputHeight + maxRow
            planeWidth = g.outputWidth + maxColumn
            channelStride = phaseList.count * planeHeight * planeWidth
        }
        scratchCount = direct ? 0 : g.inputChannels * channelStride + 64
        tapOffsets = .allocate(capacity: taps)
        for t in 0..<taps {
            tapOffsets[t] = tapPhase[t] * planeHeight * planeWidth + tapRow[t] * planeWidth + tapColumn[t]
        }

        // Weights and bias.
        if depthwise {
            weightCount = g.outputChannels * taps
            weights = .allocate(capacity: weightCount)
            weights.update(from: w, count: weightCount)
            biasCount = g.outputChannels
            bias = .allocate(capacity: biasCount)
            for m in 0..<g.outputChannels { bias[m] = b?[m] ?? 0 }
        } else {
            let rows = ConvolutionMicroKernel.rows
            weightCount = g.groups * blocks * cg * taps * rows
            weights = .allocate(capacity: weightCount)
            weights.initialize(repeating: 0, count: weightCount)
            biasCount = g.groups * blocks * rows
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

    /// Computes the convolution of `input` ([N, C, H, W]) into `output` ([N, M, OH, OW]), applying
    /// `activation` to every output. `scratch` must hold `scratchCount` floats; when
    /// `scratchCount` is 0, `inputOverread` floats past the input's end must be readable.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    scratch: UnsafeMutablePointer<Float>?, activation: PointwiseFunction = .identity) {
        let g = geometry
        let inputBatchStride = g.inputChannels * g.inputHeight * g.inputWidth
        let outputBatchStride = g.outputChannels * g.outputHeight * g.outputWidth
        for n in 0..<g.batch {
            let source = input + n * inputBatchStride
            let planes: UnsafePointer<Float>
            if usesPlanes {
                guard let scratch else { preconditionFailure("convolution needs \(scratchCount) floats of scratch") }
                preparePlanes(source, into: scratch)
                planes = UnsafePointer(scratch)
            } else {
                planes = source
            }
            let out = output + n * outputBatchStride
            if depthwise {
                runDepthwise(planes: planes, output: out, activation: activation)
            } else {
                runGEMM(planes: planes, output: out, activation: activation)
            }
        }
    }

    // MARK: Planes

    private func preparePlanes(_ source: UnsafePointer<Float>, into scratch: UnsafeMutablePointer<Float>) {
        let g = geometry
        let channels = g.inputChannels
        let parts = Parallel.partCount(work: channels * channelStride, minimumPerPart: 1 << 14)
        Parallel.forRanges(channels, parts: parts) { range in
            for c in range {
                let src = source + c * g.inputHeight * g.inputWidth
                for (index, phase) in phases.enumerated() {
                    fillPlane(src, phase: phase, into: scratch + c * channelStride + index * planeHeight * planeWidth)
                }
            }
        }
        (scratch + channels * channelStride).initialize(repeating: 0, count: 64)
    }

    private func fillPlane(_ src: UnsafePointer<Float>, phase: (Int, Int), into dst: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (a, b) = phase
        let wq = planeWidth
        // Columns j whose source x = strideX·j + b − padLeft lies in [0, W).
        let jLow = max(0, ceilDivide(g.padLeft - b, g.strideX))
        let jHigh = min(wq, floorDivide(g.inputWidth - 1 + g.padLeft - b, g.strideX) + 1)
        for i in 0..<planeHeight {
            let row = dst + i * wq
            let y = g.strideY * i + a - g.padTop
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

    /// Multiply-accumulates per output (channels × taps) done before moving to the next
    /// output-channel block; sized so a tile's input rows stay in the L1 cache.
    static let channelBlockTargetDefault = 144
    nonisolated(unsafe) public static var channelBlockTarget = channelBlockTargetDefault
    private var channelBlockTarget: Int { Self.channelBlockTarget }

    private var positionCount: Int { (geometry.outputHeight - 1) * planeWidth + geometry.outputWidth }

    private func runGEMM(planes: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: PointwiseFunction) {
        let g = geometry
        let rows = ConvolutionMicroKernel.rows, lanes = ConvolutionMicroKernel.lanes
        let positions = positionCount
        let tiles = (positions + lanes - 1) / lanes
        let tilesPerChunk = 8
        let chunks = (tiles + tilesPerChunk - 1) / tilesPerChunk
        let wanted = Parallel.coreCount * 4
        let blockChunks = g.groups * chunks >= wanted ? 1 : min(blocks, (wanted + g.groups * chunks - 1) / (g.groups * chunks))
        let items = g.groups * blockChunks * chunks
        let cg = groupInputChannels, mg = groupOutputChannels
        let outputPlane = g.outputHeight * g.outputWidth
        let oneTap = taps == 1 && tapOffsets[0] == 0
        let channelBlock = max(4, channelBlockTarget / taps)
        Parallel.forEach(items) { item in
            let group = item / (blockChunks * chunks)
            let rest = item % (blockChunks * chunks)
            let blockChunk = rest / chunks, chunk = rest % chunks
            let firstBlock = blocks * blockChunk / blockChunks, endBlock = blocks * (blockChunk + 1) / blockChunks
            let firstTile = chunk * tilesPerChunk, endTile = min(tiles, firstTile + tilesPerChunk)
            let groupInput = planes + group * cg * channelStride
            let blockCount = endBlock - firstBlock
            withUnsafeTemporaryAllocation(of: Float.self, capacity: blockCount * rows * lanes) { tileBuffer in
                let tiles = tileBuffer.baseAddress!
                for t in firstTile..<endTile {
                    let q0 = t * lanes
                    // Channels in blocks small enough that the tile's input stays in L1 while
                    // every output-channel block of the item uses it.
                    var c0 = 0
                    while c0 < cg {
                        let count = min(channelBlock, cg - c0)
                        for block in firstBlock..<endBlock {
                            let packed = UnsafePointer(weights + ((group * blocks + block) * cg + c0) * taps * rows)
                            let blockBias = UnsafePointer(bias + (group * blocks + block) * rows)
                            let tile = tiles + (block - firstBlock) * rows * lanes
                            if oneTap {
                                ConvolutionMicroKernel.tileOneTap(channels: count, channelStride: channelStride,
                                                                  input: groupInput + c0 * channelStride + q0, weights: packed,
                                                                  bias: blockBias, accumulate: c0 > 0, tile: tile)
                            } else {
                                ConvolutionMicroKernel.tile(channels: count, taps: taps, tapOffsets: tapOffsets,
                                                            channelStride: channelStride, input: groupInput + c0 * channelStride + q0,
                                                            weights: packed, bias: blockBias, accumulate: c0 > 0, tile: tile)
                            }
                        }
                        c0 += count
                    }
                    for block in firstBlock..<endBlock {
                        let tile = tiles + (block - firstBlock) * rows * lanes
                        let rowsValid = min(rows, mg - block * rows)
                        if activation != .identity {
                            ActivationKernels.applySerial(activation, input: tile, output: tile, count: rowsValid * lanes)
                        }
                        for r in 0..<rowsValid {
                            let m = group * mg + block * rows + r
                            storeTile(tile + r * lanes, firstPosition: q0, positions: positions, into: output + m * outputPlane)
                        }
                    }
                }
            }
        }
    }

    private func runDepthwise(planes: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: PointwiseFunction) {
        let g = geometry
        let lanes = ConvolutionMicroKernel.lanes
        let positions = positionCount
        let tiles = (positions + lanes - 1) / lanes
        let mg = groupOutputChannels
        let outputPlane = g.outputHeight * g.outputWidth
        let parts = Parallel.partCount(work: g.outputChannels * tiles * taps, minimumPerPart: 2048)
        Parallel.forRanges(g.outputChannels, parts: parts) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes) { tileBuffer in
                let tile = tileBuffer.baseAddress!
                let raw = UnsafeMutableRawPointer(tile)
                for m in range {
                    let plane = planes + (m / mg) * channelStride
                    let w = UnsafePointer(weights + m * taps)
                    for t in 0..<tiles {
                        let q0 = t * lanes
                        var (c0, c1) = ConvolutionMicroKernel.depthwiseTile(taps: taps, tapOffsets: tapOffsets, input: plane + q0,
                                                                            weights: w, bias: bias[m])
                        if activation != .identity {
                            c0 = activation.apply(c0)
                            c1 = activation.apply(c1)
                        }
                        raw.storeBytes(of: c0, toByteOffset: 0, as: Float8.self)
                        raw.storeBytes(of: c1, toByteOffset: 32, as: Float8.self)
                        storeTile(tile, firstPosition: q0, positions: positions, into: output + m * outputPlane)
                    }
                }
            }
        }
    }

    /// Copies the valid lanes of a 16-position tile row to the output plane (dropping the
    /// columns ox ≥ OW and positions past the end).
    @inline(__always)
    private func storeTile(_ src: UnsafePointer<Float>, firstPosition q0: Int, positions: Int, into plane: UnsafeMutablePointer<Float>) {
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
        var q = q0
        let end = min(q0 + lanes, positions)
        while q < end {
            let oy = q / wq, ox = q - oy * wq
            if ox >= ow {
                q = (oy + 1) * wq
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
