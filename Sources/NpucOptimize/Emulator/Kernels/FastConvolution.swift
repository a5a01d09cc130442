// The emulator's fast 1-D/2-D integer convolution, bit-identical to the reference (it computes
// the same exact integer sums; only the loop order differs, and integer addition is exact).
// The input is rewritten once per run as zero-padded planes of q − Zx, split by horizontal stride
// phase so that every (channel, tap) contributes one contiguous run of an output row:
//   plane[n, c, phase, y, j] = x[n, c, y − padTop, j·sx + phase − padLeft] − Zx (0 outside).
// Four output channels of a group are accumulated together, so each input run is read once for
// four accumulator rows. Rows of output are independent and are spread over threads. Planes are
// Int16 for 8-bit inputs (|q − Z| ≤ 255) and Int32 for 16-bit ones; accumulators are Int32 when
// the layer's worst case (|bias| + Σ|w| · max|q − Z|) fits, else Int64 — so no sum can overflow.
// With 8-bit inputs and weights of magnitude at most 128 every product fits in Int16
// (128 · 255 = 32640), so it is formed eight lanes at a time in Int16 and widened before the
// Int32 addition: the same integers, without 32-bit multiplies (SSE2 has none).
// That narrow case (8-bit input, |w| ≤ 128, Int32 accumulators) runs, when the CPU has the fast
// kernels (KernelSupport.fastKernels), on NpucKernels' IntegerConvolutionKernel instead: pair
// multiply-adds with a register-blocked tile, the same integers again. The code here stays as the
// path for every other case and for CPUs without those kernels.

import NpucGraph
import NpucKernels

struct FastConvolution: Sendable {
    let batch: Int, inChannels: Int, inH: Int, inW: Int
    let outChannels: Int, outH: Int, outW: Int
    let kh: Int, kw: Int, sy: Int, sx: Int, dy: Int, dx: Int
    let padTop: Int, padLeft: Int
    let groups: Int
    /// Padded height and phase-plane width.
    let planeH: Int, planeW: Int
    let weights: [Int16]
    let bias: [Int64]
    let epilogue: EpilogueKernel
    let wideInput: Bool
    let wideAccumulator: Bool
    /// Every product w · (q − Z) fits in Int16 (8-bit input, |w| ≤ 128).
    let narrowProducts: Bool
    /// The register-blocked kernel for narrow products with Int32 accumulators, when used.
    let integerKernel: IntegerConvolutionKernel?

    /// nil for convolutions that are not 1-D or 2-D. `integerKernel` says with which instructions
    /// the narrow case runs on IntegerConvolutionKernel, nil for not at all (tests choose, to
    /// check each path; it must stay nil where `KernelSupport.fastKernels` is false).
    init?(_ op: IntegerConvolution, input: QuantizedValueInfo, output: QuantizedValueInfo,
          integerKernel instructions: IntegerConvolutionKernel.Instructions? = KernelSupport.fastKernels ? .best : nil) {
        let a = op.attributes
        guard a.spatialRank == 1 || a.spatialRank == 2 else { return nil }
        let twoD = a.spatialRank == 2
        batch = input.shape[0]
        inChannels = input.shape[1]
        inH = twoD ? input.shape[2] : 1
        inW = input.shape[input.shape.count - 1]
        outChannels = output.shape[1]
        outH = twoD ? output.shape[2] : 1
        outW = output.shape[output.shape.count - 1]
        kh = twoD ? a.kernelShape[0] : 1
        kw = a.kernelShape[a.spatialRank - 1]
        sy = twoD ? a.strides[0] : 1
        sx = a.strides[a.spatialRank - 1]
        dy = twoD ? a.dilations[0] : 1
        dx = a.dilations[a.spatialRank - 1]
        padTop = twoD ? a.padsBegin[0] : 0
        padLeft = a.padsBegin[a.spatialRank - 1]
        groups = a.group
        planeH = inH + padTop + (twoD ? a.padsEnd[0] : 0)
        let paddedW = inW + padLeft + a.padsEnd[a.spatialRank - 1]
        planeW = (paddedW + sx - 1) / sx
        let w = op.weights.int64s
        weights = w.map { Int16(truncatingIfNeeded: $0) }
        bias = op.bias.int64s
        epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        wideInput = input.domain.bits > 8
        let layout = WeightLayout.outputChannelsFirst
        let quantized = QuantizedWeights(bits: op.weightBits, shape: op.weights.shape, values: w.map { Int32(truncatingIfNeeded: $0) },
                                         scales: [Double](repeating: 1, count: outChannels))
        let worst = WeightQuantization.worstCaseAccumulators(weights: quantized, layout: layout, bias: bias, input: input.domain)
        wideAccumulator = (worst.max() ?? 0) > Double(Int32.max)
        narrowProducts = !wideInput && w.allSatisfy { abs($0) <= 128 }
        if let instructions, narrowProducts, !wideAccumulator {
            let geometry = Conv2DGeometry(
                batch: batch, inputChannels: inChannels, inputHeight: inH, inputWidth: inW,
                outputChannels: outChannels, outputHeight: outH, outputWidth: outW,
                kernelHeight: kh, kernelWidth: kw, strideY: sy, strideX: sx, dilationY: dy, dilationX: dx,
                padTop: padTop, padLeft: padLeft, padBottom: twoD ? a.padsEnd[0] : 0, padRight: a.padsEnd[a.spatialRank - 1], groups: groups)
            integerKernel = IntegerConvolutionKernel(geometry: geometry, weights: weights, bias: bias.map { Int32(truncatingIfNeeded: $0) },
                                                     instructions: instructions)
        } else {
            integerKernel = nil
        }
    }

    func run(_ x: IntValue, threads: Int) -> [Int32] {
        var result = [Int32](repeating: 0, count: batch * outChannels * outH * outW)
        result.withUnsafeMutableBufferPointer { out in
            let output = SendableBox(out.baseAddress!)
            if let integerKernel {
                run(integerKernel, x, output: output.value, threads: threads)
            } else if wideInput {
                let planes = makePlanes(x, as: Int32.self)
                planes.withUnsafeBufferPointer { p in
                    let input = SendableBox(p.baseAddress!)
                    ParallelRows.forRanges(batch * outH, threads: threads) { rows in
                        computeRows(rows, planes: input.value, output: output.value, accumulator: Int64.self)
                    }
                }
            } else {
                let planes = makePlanes(x, as: Int16.self)
                planes.withUnsafeBufferPointer { p in
                    let input = SendableBox(p.baseAddress!)
                    ParallelRows.forRanges(batch * outH, threads: threads) { rows in
                        if wideAccumulator {
                            computeRows(rows, planes: input.value, output: output.value, accumulator: Int64.self)
                        } else {
                            computeRows(rows, planes: input.value, output: output.value, accumulator: Int32.self)
                        }
                    }
                }
            }
        }
        return result
    }

    /// The narrow case on IntegerConvolutionKernel: the packed input (planes spread over
    /// threads), then each output row's accumulators written in place and put through the
    /// epilogue.
    func run(_ kernel: IntegerConvolutionKernel, _ x: IntValue, output: UnsafeMutablePointer<Int32>, threads: Int) {
        var packed = [Int32](repeating: 0, count: kernel.packedInputCount)
        let zero = Int32(x.zero)
        x.data.withUnsafeBufferPointer { q in
            packed.withUnsafeMutableBufferPointer { p in
                let source = SendableBox(q.baseAddress!), destination = SendableBox(p.baseAddress!)
                ParallelRows.forRanges(kernel.packedPlaneCount, threads: threads) { planes in
                    kernel.packInput(source.value, zeroPoint: zero, planes: planes, into: destination.value)
                }
            }
        }
        let channelStride = outH * outW, width = outW
        packed.withUnsafeBufferPointer { p in
            let input = SendableBox(p.baseAddress!), out = SendableBox(output)
            ParallelRows.forRanges(batch * outH, threads: threads) { rows in
                for r in rows {
                    let n = r / outH, oy = r % outH
                    let first = out.value + (n * outChannels * outH + oy) * width
                    kernel.accumulateRow(r, input: input.value, output: first, channelStride: channelStride)
                    for m in 0..<outChannels { epilogue.applyRow(first + m * channelStride, count: width, channel: m) }
                }
            }
        }
    }

    /// The zero-padded, phase-split planes of q − Zx.
    func makePlanes<X: FixedWidthInteger & SignedInteger>(_ x: IntValue, as: X.Type) -> [X] {
        let planeSize = planeH * planeW
        var planes = [X](repeating: 0, count: batch * inChannels * sx * planeSize)
        let zero = Int32(x.zero)
        for nc in 0..<(batch * inChannels) {
            for y in 0..<inH {
                let source = (nc * inH + y) * inW
                let py = y + padTop
                for xx in 0..<inW {
                    let px = xx + padLeft
                    let phase = px % sx, j = px / sx
                    planes[(nc * sx + phase) * planeSize + py * planeW + j] = X(truncatingIfNeeded: x.data[source + xx] - zero)
                }
            }
        }
        return planes
    }

    /// Output rows r = n · outH + oy in `rows`, every output channel. Output channels of a group
    /// are computed four at a time (each input row read once for four accumulator rows), the
    /// remainder one at a time.
    func computeRows<X: FixedWidthInteger & SignedInteger, A: FixedWidthInteger & SignedInteger>(
        _ rows: Range<Int>, planes: UnsafePointer<X>, output: UnsafeMutablePointer<Int32>, accumulator: A.Type
    ) {
        let cg = inChannels / groups, mg = outChannels / groups
        let width = outW
        let narrow = narrowProducts && X.self == Int16.self && A.self == Int32.self
        let acc = UnsafeMutablePointer<A>.allocate(capacity: 4 * Swift.max(width, 1))
        defer { acc.deallocate() }
        weights.withUnsafeBufferPointer { wp in
            let w = wp.baseAddress!
            for r in rows {
                let n = r / outH, oy = r % outH
                for g in 0..<groups {
                    var m = g * mg
                    let end = (g + 1) * mg
                    while m < end {
                        let count = end - m >= 4 ? 4 : 1
                        if narrow {
                            accumulateNarrow(count, m, n: n, oy: oy, firstChannel: g * cg,
                                             planes: UnsafeRawPointer(planes).assumingMemoryBound(to: Int16.self), weights: w,
                                             acc: UnsafeMutableRawPointer(acc).assumingMemoryBound(to: Int32.self))
                        } else if count == 4 {
                            accumulateFour(m, n: n, oy: oy, firstChannel: g * cg, planes: planes, weights: w, acc: acc)
                        } else {
                            accumulateOne(m, n: n, oy: oy, firstChannel: g * cg, planes: planes, weights: w, acc: acc)
                        }
                        for j in 0..<count {
                            let row = acc + j * width
                            let destination = output + ((n * outChannels + m + j) * outH + oy) * width
                            for ox in 0..<width { destination[ox] = epilogue.apply(Int64(row[ox]), channel: m + j) }
                        }
                        m += count
                    }
                }
            }
        }
    }

    /// The start of the contiguous run of plane `channel` that tap (ky, kx) reads for output row oy.
    @inline(__always)
    func source<X>(_ planes: UnsafePointer<X>, n: Int, channel: Int, oy: Int, ky: Int, kx: Int) -> UnsafePointer<X> {
        let offset = kx * dx
        return planes + ((n * inChannels + channel) * sx + offset % sx) * planeH * planeW + (oy * sy + ky * dy) * planeW + offset / sx
    }

    /// acc[0..<outW] = bias[m] + the sums of output channel m on row oy.
    @inline(__always)
    func accumulateOne<X: FixedWidthInteger & SignedInteger, A: FixedWidthInteger & SignedInteger>(
        _ m: Int, n: Int, oy: Int, firstChannel: Int, planes: UnsafePointer<X>, weights: UnsafePointer<Int16>, acc: UnsafeMutablePointer<A>
    ) {
        let cg = inChannels / groups, width = outW
        let start = A(truncatingIfNeeded: bias[m])
        for ox in 0..<width { acc[ox] = start }
        for c in 0..<cg {
            let kernel = weights + (m * cg + c) * kh * kw
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let weight = kernel[ky * kw + kx]
                    if weight == 0 { continue }
                    let x = source(planes, n: n, channel: firstChannel + c, oy: oy, ky: ky, kx: kx)
                    let wa = A(truncatingIfNeeded: weight)
                    for ox in 0..<width { acc[ox] = acc[ox] &+ wa &* A(truncatingIfNeeded: x[ox]) }
                }
            }
        }
    }

    /// Rows acc[j · outW ..< (j + 1) · outW] = bias[m + j] + the sums of output channel m + j on
    /// row oy, for j = 0…3 (channels of one group).
    @inline(__always)
    func accumulateFour<X: FixedWidthInteger & SignedInteger, A: FixedWidthInteger & SignedInteger>(
        _ m: Int, n: Int, oy: Int, firstChannel: Int, planes: UnsafePointer<X>, weights: UnsafePointer<Int16>, acc: UnsafeMutablePointer<A>
    ) {
        let cg = inChannels / groups, width = outW, taps = kh * kw
        let a0 = acc, a1 = acc + width, a2 = acc + 2 * width, a3 = acc + 3 * width
        let b0 = A(truncatingIfNeeded: bias[m]), b1 = A(truncatingIfNeeded: bias[m + 1])
        let b2 = A(truncatingIfNeeded: bias[m + 2]), b3 = A(truncatingIfNeeded: bias[m + 3])
        for ox in 0..<width {
            a0[ox] = b0
            a1[ox] = b1
            a2[ox] = b2
            a3[ox] = b3
        }
        for c in 0..<cg {
            let k0 = weights + (m * cg + c) * taps, k1 = k0 + cg * taps, k2 = k1 + cg * taps, k3 = k2 + cg * taps
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let t = ky * kw + kx
                    if k0[t] == 0 && k1[t] == 0 && k2[t] == 0 && k3[t] == 0 { continue }
                    let w0 = A(truncatingIfNeeded: k0[t]), w1 = A(truncatingIfNeeded: k1[t])
                    let w2 = A(truncatingIfNeeded: k2[t]), w3 = A(truncatingIfNeeded: k3[t])
                    let x = source(planes, n: n, channel: firstChannel + c, oy: oy, ky: ky, kx: kx)
                    for ox in 0..<width {
                        let v = A(truncatingIfNeeded: x[ox])
                        a0[ox] = a0[ox] &+ w0 &* v
                        a1[ox] = a1[ox] &+ w1 &* v
                        a2[ox] = a2[ox] &+ w2 &* v
                        a3[ox] = a3[ox] &+ w3 &* v
                    }
                }
            }
        }
    }

    /// accumulateFour (count 4) or accumulateOne (count 1) for Int16 planes and Int32
    /// accumulators when every product fits in Int16: products eight lanes at a time.
    @inline(__always)
    func accumulateNarrow(_ count: Int, _ m: Int, n: Int, oy: Int, firstChannel: Int, planes: UnsafePointer<Int16>,
                          weights: UnsafePointer<Int16>, acc: UnsafeMutablePointer<Int32>) {
        let cg = inChannels / groups, width = outW, taps = kh * kw
        for j in 0..<count {
            let start = Int32(truncatingIfNeeded: bias[m + j])
            for ox in 0..<width { acc[j * width + ox] = start }
        }
        typealias Lanes = SIMD8<Int16>
        typealias Sums = SIMD8<Int32>
        /// row[o..<o+8] += widen(x[o..<o+8] · w), all in exact integers.
        @inline(__always)
        func add(_ row: UnsafeMutablePointer<Int32>, _ o: Int, _ x: Lanes, _ w: Lanes) {
            let r = UnsafeMutableRawPointer(row + o)
            r.storeBytes(of: r.loadUnaligned(as: Sums.self) &+ Sums(truncatingIfNeeded: x &* w), as: Sums.self)
        }
        for c in 0..<cg {
            let k0 = weights + (m * cg + c) * taps
            for t in 0..<taps {
                let ky = t / kw, kx = t % kw
                let x = source(planes, n: n, channel: firstChannel + c, oy: oy, ky: ky, kx: kx)
                if count == 4 {
                    let k1 = k0 + cg * taps, k2 = k1 + cg * taps, k3 = k2 + cg * taps
                    if k0[t] == 0 && k1[t] == 0 && k2[t] == 0 && k3[t] == 0 { continue }
                    let w0 = Lanes(repeating: k0[t]), w1 = Lanes(repeating: k1[t]), w2 = Lanes(repeating: k2[t]), w3 = Lanes(repeating: k3[t])
                    let a0 = acc, a1 = acc + width, a2 = acc + 2 * width, a3 = acc + 3 * width
                    var ox = 0
                    while ox + 8 <= width {
                        let v = UnsafeRawPointer(x + ox).loadUnaligned(as: Lanes.self)
                        add(a0, ox, v, w0)
                        add(a1, ox, v, w1)
                        add(a2, ox, v, w2)
                        add(a3, ox, v, w3)
                        ox += 8
                    }
                    while ox < width {
                        let v = Int32(x[ox])
                        a0[ox] = a0[ox] &+ Int32(k0[t]) &* v
                        a1[ox] = a1[ox] &+ Int32(k1[t]) &* v
                        a2[ox] = a2[ox] &+ Int32(k2[t]) &* v
                        a3[ox] = a3[ox] &+ Int32(k3[t]) &* v
                        ox += 1
                    }
                } else {
                    if k0[t] == 0 { continue }
                    let w0 = Lanes(repeating: k0[t])
                    var ox = 0
                    while ox + 8 <= width {
                        add(acc, ox, UnsafeRawPointer(x + ox).loadUnaligned(as: Lanes.self), w0)
                        ox += 8
                    }
                    while ox < width {
                        acc[ox] = acc[ox] &+ Int32(k0[t]) &* Int32(x[ox])
                        ox += 1
                    }
                }
            }
        }
    }
}
