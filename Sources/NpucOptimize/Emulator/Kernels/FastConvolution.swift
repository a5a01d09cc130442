// The emulator's fast 1-D/2-D integer convolution, bit-identical to the reference (it computes
// the same exact integer sums; only the loop order differs, and integer addition is exact).
// The input is rewritten once per run as zero-padded planes of q − Zx, split by horizontal stride
// phase so that every (channel, tap) contributes one contiguous run of an output row:
//   plane[n, c, phase, y, j] = x[n, c, y − padTop, j·sx + phase − padLeft] − Zx (0 outside).
// Rows of output are independent and are spread over threads. Planes are Int16 for 8-bit inputs
// (|q − Z| ≤ 255) and Int32 for 16-bit ones; accumulators are Int32 when the layer's worst case
// (|bias| + Σ|w| · max|q − Z|) fits, else Int64 — so no sum can overflow.

import NpucGraph

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

    /// nil for convolutions that are not 1-D or 2-D.
    init?(_ op: IntegerConvolution, input: QuantizedValueInfo, output: QuantizedValueInfo) {
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
    }

    func run(_ x: IntValue, threads: Int) -> [Int32] {
        var result = [Int32](repeating: 0, count: batch * outChannels * outH * outW)
        result.withUnsafeMutableBufferPointer { out in
            let output = SendableBox(out.baseAddress!)
            if wideInput {
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

    /// Output rows r = n · outH + oy in `rows`, every output channel.
    func computeRows<X: FixedWidthInteger & SignedInteger, A: FixedWidthInteger & SignedInteger>(
        _ rows: Range<Int>, planes: UnsafePointer<X>, output: UnsafeMutablePointer<Int32>, accumulator: A.Type
    ) {
        let cg = inChannels / groups, mg = outChannels / groups
        let planeSize = planeH * planeW
        let acc = UnsafeMutablePointer<A>.allocate(capacity: Swift.max(outW, 1))
        defer { acc.deallocate() }
        let width = outW
        weights.withUnsafeBufferPointer { wp in
            let w = wp.baseAddress!
            for r in rows {
                let n = r / outH, oy = r % outH
                for m in 0..<outChannels {
                    let g = m / mg
                    let start = A(truncatingIfNeeded: bias[m])
                    for ox in 0..<width { acc[ox] = start }
                    for c in 0..<cg {
                        let channel = n * inChannels + g * cg + c
                        let kernel = w + (m * cg + c) * kh * kw
                        for ky in 0..<kh {
                            let y = oy * sy + ky * dy
                            for kx in 0..<kw {
                                let weight = kernel[ky * kw + kx]
                                if weight == 0 { continue }
                                let offset = kx * dx
                                let source = planes + (channel * sx + offset % sx) * planeSize + y * planeW + offset / sx
                                let wa = A(truncatingIfNeeded: weight)
                                for ox in 0..<width {
                                    acc[ox] = acc[ox] &+ wa &* A(truncatingIfNeeded: source[ox])
                                }
                            }
                        }
                    }
                    let destination = output + ((n * outChannels + m) * outH + oy) * width
                    for ox in 0..<width { destination[ox] = epilogue.apply(Int64(acc[ox]), channel: m) }
                }
            }
        }
    }
}
