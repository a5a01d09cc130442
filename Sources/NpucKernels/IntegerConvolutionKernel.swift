// The quantized emulator's integer convolution kernel for 8-bit inputs: for every output element,
// the exact Int32 sum  bias[m] + Σ_c Σ_taps w[m, c, tap] · (q − Z)  of a 1-D or 2-D convolution
// (groups, depthwise, strides, dilations, padding), register-blocked.
//
// Layout. The input is rewritten once per run as zero-padded planes split by horizontal stride
// phase (so every tap of an output row reads one contiguous run), with two input channels of a
// group interleaved in each 32-bit word: word = (q_c − Z) | (q_{c+1} − Z) << 16, both Int16
// (an odd channel count pairs the last channel with zeros). The weights are packed once, at
// construction, the same way: for each block of four output channels, each channel pair and each
// tap, four words (w[m, c], w[m, c+1]).
//
// Arithmetic. One multiply-add of pairs (x86-64: vpmaddwd) turns eight words of input and a
// broadcast weight word into eight Int32 sums w_c · x_c + w_{c+1} · x_{c+1}. With |w| ≤ 128 and
// |q − Z| ≤ 255 each such sum is at most 65280 in magnitude, so it is exact, and the Int32 additions
// are exact whenever the caller has checked that the layer's worst-case accumulator fits in Int32
// (the sums are taken modulo 2^32, so their order cannot change the result).
//
// Register tile: four output channels × sixteen output positions (eight Int32 vectors) stay in
// registers over every channel pair and tap, then are stored once. Depthwise layers (one input
// channel per group) do not pair channels: their planes hold each q − Z sign-extended to a 32-bit
// word and their weights are (w, 0), so the same multiply-add yields w · x; the tile there is one
// output channel × 32 positions.
//
// On x86-64 this module is compiled for AVX2 and the multiply-add is `_mm256_madd_epi16`; the
// portable twin (arm64, and `.portable` on any machine for tests) spells the same pair products
// out with Swift SIMD shifts and multiplies.

#if arch(x86_64) && NPUC_KERNELS_X86_64_V3
import _Builtin_intrinsics.intel
#endif

public struct IntegerConvolutionKernel: Sendable {
    /// Which multiply-add the kernel uses.
    public enum Instructions: Sendable, Hashable {
        /// The ISA's pair multiply-add when this build and CPU have it (`KernelSupport.fastKernels`
        /// on x86-64), else the portable one.
        case best
        /// Swift SIMD shifts and multiplies (what arm64 runs): for testing the portable twin.
        case portable
    }

    public let geometry: Conv2DGeometry
    /// Depthwise layout (one input channel per group): unpaired planes and a 1 × 32 tile.
    public let depthwise: Bool
    let useIntrinsics: Bool
    /// Input channels and output channels per group; channel pairs per group (depthwise: 1).
    let channelsPerGroup: Int, outputsPerGroup: Int, pairsPerGroup: Int
    /// Output-channel blocks of four per group (depthwise: unused).
    let blocksPerGroup: Int
    let planeHeight: Int, planeWidth: Int
    /// Planes per image: groups × pairs per group (depthwise: input channels).
    let planesPerImage: Int
    let taps: Int
    /// Word offset of tap t (ky, kx) from the first word an output row reads in its plane.
    let tapOffsets: [Int]
    /// Words from one plane (all phases) to the next.
    let planeStride: Int
    /// Packed weights: see the file comment (depthwise: weights[m · taps + t] = w & 0xFFFF).
    let packedWeights: [Int32]
    /// Bias per output channel, padded with zeros to whole blocks of each group.
    let packedBias: [Int32]

    /// Words of packed input the kernel reads (planes plus the slack a last partial vector reads).
    public var packedInputCount: Int { geometry.batch * planesPerImage * planeStride + Self.slack }
    /// Planes of the packed input; `packInput` fills any range of them.
    public var packedPlaneCount: Int { geometry.batch * planesPerImage }

    /// Extra words after the last plane: a tile's last vector may extend up to seven words past
    /// the end of a row (those lanes are computed and dropped, so the words' values do not matter).
    static let slack = 16

    /// nil when the geometry is not consistent, the weight or bias counts do not match it, or a
    /// weight's magnitude exceeds 128 (the pair sums would no longer be exact).
    /// - weights: [outputChannels, inputChannels / groups, kernelHeight, kernelWidth], row-major.
    public init?(geometry: Conv2DGeometry, weights: [Int16], bias: [Int32], instructions: Instructions = .best) {
        let g = geometry
        guard g.isConsistent else { return nil }
        let cg = g.inputChannels / g.groups, mg = g.outputChannels / g.groups
        let taps = g.kernelHeight * g.kernelWidth
        guard weights.count == g.outputChannels * cg * taps, bias.count == g.outputChannels,
              weights.allSatisfy({ $0 >= -128 && $0 <= 128 }) else { return nil }
        self.geometry = g
        self.taps = taps
        channelsPerGroup = cg
        outputsPerGroup = mg
        depthwise = cg == 1
        #if arch(x86_64) && NPUC_KERNELS_X86_64_V3
        useIntrinsics = instructions == .best && KernelSupport.fastKernels
        #else
        useIntrinsics = false
        #endif
        pairsPerGroup = depthwise ? 1 : (cg + 1) / 2
        blocksPerGroup = (mg + 3) / 4
        planeHeight = g.inputHeight + g.padTop + g.padBottom
        planeWidth = (g.inputWidth + g.padLeft + g.padRight + g.strideX - 1) / g.strideX
        planesPerImage = depthwise ? g.inputChannels : g.groups * pairsPerGroup
        planeStride = g.strideX * planeHeight * planeWidth
        var offsets = [Int]()
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let x = kx * g.dilationX
                offsets.append((x % g.strideX) * planeHeight * planeWidth + ky * g.dilationY * planeWidth + x / g.strideX)
            }
        }
        tapOffsets = offsets
        if depthwise {
            packedWeights = weights.map { Int32(UInt16(bitPattern: $0)) }
            packedBias = bias
        } else {
            let pairs = pairsPerGroup, blocks = blocksPerGroup
            var packed = [Int32](repeating: 0, count: g.groups * blocks * pairs * taps * 4)
            var paddedBias = [Int32](repeating: 0, count: g.groups * blocks * 4)
            for group in 0..<g.groups {
                for j in 0..<mg {
                    let m = group * mg + j
                    let block = group * blocks + j / 4, lane = j % 4
                    paddedBias[block * 4 + lane] = bias[m]
                    for p in 0..<pairs {
                        for t in 0..<taps {
                            let c0 = 2 * p, c1 = 2 * p + 1
                            let low = UInt16(bitPattern: weights[(m * cg + c0) * taps + t])
                            let high = c1 < cg ? UInt16(bitPattern: weights[(m * cg + c1) * taps + t]) : 0
                            packed[((block * pairs + p) * taps + t) * 4 + lane] = Int32(bitPattern: UInt32(low) | UInt32(high) << 16)
                        }
                    }
                }
            }
            packedWeights = packed
            packedBias = paddedBias
        }
    }

    // MARK: Input packing

    /// Writes planes `planes` (of `packedPlaneCount`, image-major) of the packed input, zero
    /// padding included, from the 8-bit integers `q` ([batch, inputChannels, inputHeight, inputWidth]) and
    /// their zero point. Ranges may be packed concurrently. `packed` holds `packedInputCount`
    /// words; the last few (slack) are read but never written, and their values do not matter.
    public func packInput(_ q: UnsafePointer<Int32>, zeroPoint: Int32, planes: Range<Int>, into packed: UnsafeMutablePointer<Int32>) {
        let g = geometry
        let planeSize = planeHeight * planeWidth, sx = g.strideX
        let inPlane = g.inputHeight * g.inputWidth
        for plane in planes {
            let n = plane / planesPerImage, p = plane % planesPerImage
            let destination = packed + plane * planeStride
            destination.update(repeating: 0, count: planeStride)
            // The source channels of this plane (the second may be absent).
            let first: Int, second: Int?
            if depthwise {
                first = p
                second = nil
            } else {
                let group = p / pairsPerGroup, pair = p % pairsPerGroup
                first = group * channelsPerGroup + 2 * pair
                second = 2 * pair + 1 < channelsPerGroup ? first + 1 : nil
            }
            let low = q + (n * g.inputChannels + first) * inPlane
            let high = second.map { q + (n * g.inputChannels + $0) * inPlane }
            for phase in 0..<sx {
                // The first input column x with (x + padLeft) % sx == phase, and its plane column.
                let x0 = ((phase - g.padLeft) % sx + sx) % sx
                guard x0 < g.inputWidth else { continue }
                let j0 = (x0 + g.padLeft) / sx
                for y in 0..<g.inputHeight {
                    let row = destination + phase * planeSize + (y + g.padTop) * planeWidth + j0
                    let lowRow = low + y * g.inputWidth
                    var x = x0, j = 0
                    if depthwise {
                        while x < g.inputWidth {
                            row[j] = lowRow[x] &- zeroPoint
                            x += sx
                            j += 1
                        }
                    } else if let high {
                        let highRow = high + y * g.inputWidth
                        while x < g.inputWidth {
                            let a = UInt32(UInt16(truncatingIfNeeded: lowRow[x] &- zeroPoint))
                            let b = UInt32(UInt16(truncatingIfNeeded: highRow[x] &- zeroPoint))
                            row[j] = Int32(bitPattern: a | b << 16)
                            x += sx
                            j += 1
                        }
                    } else {
                        while x < g.inputWidth {
                            row[j] = Int32(UInt16(truncatingIfNeeded: lowRow[x] &- zeroPoint))
                            x += sx
                            j += 1
                        }
                    }
                }
            }
        }
    }

    /// The packed input of `q` on the calling thread.
    public func packInput(_ q: [Int32], zeroPoint: Int32) -> [Int32] {
        precondition(q.count == geometry.batch * geometry.inputChannels * geometry.inputHeight * geometry.inputWidth, "input size")
        var packed = [Int32](repeating: 0, count: packedInputCount)
        q.withUnsafeBufferPointer { source in
            packed.withUnsafeMutableBufferPointer { destination in
                packInput(source.baseAddress!, zeroPoint: zeroPoint, planes: 0..<packedPlaneCount, into: destination.baseAddress!)
            }
        }
        return packed
    }

    // MARK: Rows

    /// The accumulators of output row `row` (= n · outputHeight + oy) for every output channel:
    /// channel m's outputWidth sums go to `output + m · channelStride`.
    public func accumulateRow(_ row: Int, input: UnsafePointer<Int32>, output: UnsafeMutablePointer<Int32>, channelStride: Int) {
        #if arch(x86_64) && NPUC_KERNELS_X86_64_V3
        if useIntrinsics {
            accumulateRow(row, input: input, output: output, channelStride: channelStride, arithmetic: AVX2PairArithmetic.self)
            return
        }
        #endif
        accumulateRow(row, input: input, output: output, channelStride: channelStride, arithmetic: PortablePairArithmetic.self)
    }

    @inline(__always)
    func accumulateRow<A: PairArithmetic>(_ row: Int, input: UnsafePointer<Int32>, output: UnsafeMutablePointer<Int32>, channelStride: Int,
                                          arithmetic: A.Type) {
        let g = geometry
        let n = row / g.outputHeight, oy = row % g.outputHeight
        let width = g.outputWidth
        let rowOffset = oy * g.strideY * planeWidth
        packedWeights.withUnsafeBufferPointer { wp in
            packedBias.withUnsafeBufferPointer { bp in
                tapOffsets.withUnsafeBufferPointer { op in
                    let offsets = op.baseAddress!
                    if depthwise {
                        for m in 0..<g.outputChannels {
                            let plane = input + (n * planesPerImage + m / outputsPerGroup) * planeStride + rowOffset
                            let weights = wp.baseAddress! + m * taps
                            let destination = output + m * channelStride
                            var ox = 0
                            while ox + 32 <= width {
                                IntegerConvolutionTiles.depthwise(taps: taps, tapOffsets: offsets, input: plane + ox, weights: weights,
                                                                  bias: bp[m], output: destination + ox, arithmetic: A.self)
                                ox += 32
                            }
                            while ox < width {
                                let count = Swift.min(8, width - ox)
                                IntegerConvolutionTiles.depthwiseVector(taps: taps, tapOffsets: offsets, input: plane + ox, weights: weights,
                                                                        bias: bp[m], output: destination + ox, count: count, arithmetic: A.self)
                                ox += 8
                            }
                        }
                        return
                    }
                    let blocks = blocksPerGroup, pairs = pairsPerGroup
                    for group in 0..<g.groups {
                        let plane = input + (n * planesPerImage + group * pairs) * planeStride + rowOffset
                        for block in 0..<blocks {
                            let b = group * blocks + block
                            let weights = wp.baseAddress! + b * pairs * taps * 4
                            let first = group * outputsPerGroup + block * 4
                            let channels = Swift.min(4, outputsPerGroup - block * 4)
                            let bias = bp.baseAddress! + b * 4
                            let destination = output + first * channelStride
                            var ox = 0
                            while ox < width {
                                let count = Swift.min(16, width - ox)
                                IntegerConvolutionTiles.paired(pairs: pairs, taps: taps, tapOffsets: offsets, planeStride: planeStride,
                                                               input: plane + ox, weights: weights, bias: bias, output: destination + ox,
                                                               channelStride: channelStride, channels: channels, count: count,
                                                               arithmetic: A.self)
                                ox += 16
                            }
                        }
                    }
                }
            }
        }
    }
}

// MARK: Pair arithmetic

/// acc + (x.low · w.low + x.high · w.high) per 32-bit lane, the halves read as Int16.
protocol PairArithmetic {
    associatedtype Weight
    static func weight(_ packed: Int32) -> Weight
    static func multiplyAdd(_ acc: SIMD8<Int32>, _ x: SIMD8<Int32>, _ w: Weight) -> SIMD8<Int32>
}

#if arch(x86_64) && NPUC_KERNELS_X86_64_V3
/// vpmaddwd, then vpaddd.
enum AVX2PairArithmetic: PairArithmetic {
    @_transparent
    static func weight(_ packed: Int32) -> SIMD8<Int32> { SIMD8(repeating: packed) }

    @_transparent
    static func multiplyAdd(_ acc: SIMD8<Int32>, _ x: SIMD8<Int32>, _ w: SIMD8<Int32>) -> SIMD8<Int32> {
        let products = _mm256_madd_epi16(unsafeBitCast(x, to: __m256i.self), unsafeBitCast(w, to: __m256i.self))
        return acc &+ unsafeBitCast(products, to: SIMD8<Int32>.self)
    }
}
#endif

/// The halves sign-extended by shifts, two 32-bit multiplies and adds.
enum PortablePairArithmetic: PairArithmetic {
    @_transparent
    static func weight(_ packed: Int32) -> (low: SIMD8<Int32>, high: SIMD8<Int32>) {
        (SIMD8(repeating: Int32(Int16(truncatingIfNeeded: packed))), SIMD8(repeating: packed >> 16))
    }

    @_transparent
    static func multiplyAdd(_ acc: SIMD8<Int32>, _ x: SIMD8<Int32>, _ w: (low: SIMD8<Int32>, high: SIMD8<Int32>)) -> SIMD8<Int32> {
        let low = (x &<< 16) &>> 16, high = x &>> 16
        return acc &+ low &* w.low &+ high &* w.high
    }
}

// MARK: Tiles

enum IntegerConvolutionTiles {
    /// Up to four output channels (`channels`) × up to sixteen positions (`count`) of one row:
    /// eight vector accumulators over every channel pair and tap. `input` is the tile's first
    /// word in the first pair plane; `weights` holds, per pair then tap, the four packed words.
    @inline(__always)
    static func paired<A: PairArithmetic>(pairs: Int, taps: Int, tapOffsets: UnsafePointer<Int>, planeStride: Int,
                                          input: UnsafePointer<Int32>, weights: UnsafePointer<Int32>, bias: UnsafePointer<Int32>,
                                          output: UnsafeMutablePointer<Int32>, channelStride: Int, channels: Int, count: Int,
                                          arithmetic: A.Type) {
        typealias V = SIMD8<Int32>
        var a00 = V(repeating: bias[0]), a10 = V(repeating: bias[1]), a20 = V(repeating: bias[2]), a30 = V(repeating: bias[3])
        var a01 = a00, a11 = a10, a21 = a20, a31 = a30
        var w = weights
        var plane = UnsafeRawPointer(input)
        let stride = planeStride &* 4
        if count > 8 {
            if taps == 1 {
                for _ in 0..<pairs {
                    let x0 = plane.loadUnaligned(as: V.self), x1 = plane.loadUnaligned(fromByteOffset: 32, as: V.self)
                    var k = A.weight(w[0]); a00 = A.multiplyAdd(a00, x0, k); a01 = A.multiplyAdd(a01, x1, k)
                    k = A.weight(w[1]); a10 = A.multiplyAdd(a10, x0, k); a11 = A.multiplyAdd(a11, x1, k)
                    k = A.weight(w[2]); a20 = A.multiplyAdd(a20, x0, k); a21 = A.multiplyAdd(a21, x1, k)
                    k = A.weight(w[3]); a30 = A.multiplyAdd(a30, x0, k); a31 = A.multiplyAdd(a31, x1, k)
                    w += 4
                    plane += stride
                }
            } else {
                for _ in 0..<pairs {
                    for t in 0..<taps {
                        let p = plane + tapOffsets[t] &* 4
                        let x0 = p.loadUnaligned(as: V.self), x1 = p.loadUnaligned(fromByteOffset: 32, as: V.self)
                        var k = A.weight(w[0]); a00 = A.multiplyAdd(a00, x0, k); a01 = A.multiplyAdd(a01, x1, k)
                        k = A.weight(w[1]); a10 = A.multiplyAdd(a10, x0, k); a11 = A.multiplyAdd(a11, x1, k)
                        k = A.weight(w[2]); a20 = A.multiplyAdd(a20, x0, k); a21 = A.multiplyAdd(a21, x1, k)
                        k = A.weight(w[3]); a30 = A.multiplyAdd(a30, x0, k); a31 = A.multiplyAdd(a31, x1, k)
                        w += 4
                    }
                    plane += stride
                }
            }
        } else {
            for _ in 0..<pairs {
                for t in 0..<taps {
                    let x0 = (plane + tapOffsets[t] &* 4).loadUnaligned(as: V.self)
                    a00 = A.multiplyAdd(a00, x0, A.weight(w[0]))
                    a10 = A.multiplyAdd(a10, x0, A.weight(w[1]))
                    a20 = A.multiplyAdd(a20, x0, A.weight(w[2]))
                    a30 = A.multiplyAdd(a30, x0, A.weight(w[3]))
                    w += 4
                }
                plane += stride
            }
        }
        if channels == 4 && count == 16 {
            store(a00, a01, output)
            store(a10, a11, output + channelStride)
            store(a20, a21, output + 2 * channelStride)
            store(a30, a31, output + 3 * channelStride)
            return
        }
        withUnsafeTemporaryAllocation(of: V.self, capacity: 8) { tile in
            tile[0] = a00; tile[1] = a01; tile[2] = a10; tile[3] = a11
            tile[4] = a20; tile[5] = a21; tile[6] = a30; tile[7] = a31
            let words = UnsafeRawPointer(tile.baseAddress!).assumingMemoryBound(to: Int32.self)
            for j in 0..<channels {
                (output + j * channelStride).update(from: words + 16 * j, count: count)
            }
        }
    }

    @inline(__always)
    static func store(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>, _ output: UnsafeMutablePointer<Int32>) {
        let raw = UnsafeMutableRawPointer(output)
        raw.storeBytes(of: a, as: SIMD8<Int32>.self)
        raw.storeBytes(of: b, toByteOffset: 32, as: SIMD8<Int32>.self)
    }

    /// One output channel × 32 positions of a depthwise row (planes of sign-extended words,
    /// weights (w, 0)).
    @inline(__always)
    static func depthwise<A: PairArithmetic>(taps: Int, tapOffsets: UnsafePointer<Int>, input: UnsafePointer<Int32>,
                                             weights: UnsafePointer<Int32>, bias: Int32, output: UnsafeMutablePointer<Int32>,
                                             arithmetic: A.Type) {
        typealias V = SIMD8<Int32>
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
        let plane = UnsafeRawPointer(input)
        for t in 0..<taps {
            let p = plane + tapOffsets[t] &* 4
            let k = A.weight(weights[t])
            a0 = A.multiplyAdd(a0, p.loadUnaligned(as: V.self), k)
            a1 = A.multiplyAdd(a1, p.loadUnaligned(fromByteOffset: 32, as: V.self), k)
            a2 = A.multiplyAdd(a2, p.loadUnaligned(fromByteOffset: 64, as: V.self), k)
            a3 = A.multiplyAdd(a3, p.loadUnaligned(fromByteOffset: 96, as: V.self), k)
        }
        store(a0, a1, output)
        store(a2, a3, output + 16)
    }

    /// Up to eight positions (`count`) of one depthwise output channel.
    @inline(__always)
    static func depthwiseVector<A: PairArithmetic>(taps: Int, tapOffsets: UnsafePointer<Int>, input: UnsafePointer<Int32>,
                                                   weights: UnsafePointer<Int32>, bias: Int32, output: UnsafeMutablePointer<Int32>,
                                                   count: Int, arithmetic: A.Type) {
        typealias V = SIMD8<Int32>
        var a = V(repeating: bias)
        let plane = UnsafeRawPointer(input)
        for t in 0..<taps {
            a = A.multiplyAdd(a, (plane + tapOffsets[t] &* 4).loadUnaligned(as: V.self), A.weight(weights[t]))
        }
        if count == 8 {
            UnsafeMutableRawPointer(output).storeBytes(of: a, as: V.self)
            return
        }
        for i in 0..<count { output[i] = a[i] }
    }
}
