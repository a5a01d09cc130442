// The input statistics data-driven weight rounding needs, for one weighted layer: the vectors x
// its weight rows multiply — for a convolution the receptive-field patches (input channels of one
// group × kernel taps, zeros where the kernel reads padding, in the weight tensor's [C/g, kh, kw]
// order), for a dense layer the input rows — each followed by a constant 1 for the bias — taken
// from the integer network's values, dequantized (x̃, which carries the quantization noise of the
// layers before). Accumulated: H̃ = Σ x̃ x̃ᵀ per group, in double precision from single-precision
// inner products of at most `patchesPerSample` terms. Positions follow a golden-ratio sequence, so
// every platform picks the same ones.

import Foundation
import NpucGraph

final class LayerInputGram: @unchecked Sendable {
    /// Geometry of the patches: input channels per group, kernel, strides, dilations, pads.
    struct Geometry: Sendable {
        var groups: Int
        var channelsPerGroup: Int
        var kernel: (h: Int, w: Int)
        var stride: (h: Int, w: Int)
        var dilation: (h: Int, w: Int)
        var padBegin: (h: Int, w: Int)
        /// Dense layers: every input row is one patch.
        var dense: Bool

        var taps: Int { kernel.h * kernel.w }
        /// Columns of one group: its weights, then the bias.
        var columns: Int { channelsPerGroup * taps + 1 }
    }

    let geometry: Geometry
    /// H̃ = Σ x̃ x̃ᵀ of each group, [columns × columns] row-major.
    private(set) var grams: [[Double]]
    private(set) var patchCount = 0
    let patchesPerSample: Int
    /// This sample's patches, transposed (one row per column of H̃, group after group, each
    /// group's rows ending with its row of ones).
    private var patches: [Float] = []
    private var pending = 0
    private var rowLength = 0

    init(geometry: Geometry, patchesPerSample: Int) {
        self.geometry = geometry
        self.patchesPerSample = max(1, patchesPerSample)
        grams = Array(repeating: [Double](repeating: 0, count: geometry.columns * geometry.columns), count: geometry.groups)
    }

    /// The geometry of a weighted node's patches, or nil for layers the rounding does not handle
    /// (transposed convolutions, convolutions of more than two spatial axes).
    static func geometry(of node: Node, graph: Graph) -> Geometry? {
        switch node.op {
        case .conv(let a):
            guard (1...2).contains(a.spatialRank), let x = graph.type(of: node.inputs[0]).shape.dropFirst().first else { return nil }
            let two = a.spatialRank == 2
            func pair(_ v: [Int], _ fill: Int) -> (h: Int, w: Int) { two ? (v[0], v[1]) : (fill, v[0]) }
            return Geometry(groups: a.group, channelsPerGroup: x / max(a.group, 1), kernel: pair(a.kernelShape, 1),
                            stride: pair(a.strides, 1), dilation: pair(a.dilations, 1), padBegin: pair(a.padsBegin, 0), dense: false)
        case .dense:
            let k = graph.type(of: node.inputs[0]).shape.last ?? 0
            return Geometry(groups: 1, channelsPerGroup: k, kernel: (1, 1), stride: (1, 1), dilation: (1, 1), padBegin: (0, 0), dense: true)
        default:
            return nil
        }
    }

    /// Takes this sample's patches from the layer's input `x` (NCHW or NCW; [N, K] for dense) whose
    /// output has spatial size `outputSize`; `sample` varies the positions from sample to sample.
    func gather(_ x: Tensor, outputSize: (h: Int, w: Int), sample: Int) {
        let g = geometry
        let xs = x.shape
        let batch = xs[0]
        let channels = g.groups * g.channelsPerGroup
        let inH = g.dense ? 1 : (xs.count == 4 ? xs[2] : 1), inW = g.dense ? 1 : xs[xs.count - 1]
        let outH = g.dense ? 1 : outputSize.h, outW = g.dense ? 1 : outputSize.w
        let positions = batch * outH * outW
        let count = min(patchesPerSample, positions)
        let rows = g.groups * g.columns
        // Rows padded with zeros to whole vectors (zeros add nothing to H).
        let stride = (count + 3) / 4 * 4
        patches = [Float](repeating: 0, count: rows * stride)
        pending = count
        rowLength = stride
        // Output positions: all when few, else a golden-ratio sequence offset by the sample.
        let phi = 0.6180339887498949
        let offset = (Double(sample) * 0.7548776662466927).truncatingRemainder(dividingBy: 1)
        let chosen: [Int] = count == positions ? Array(0..<positions) : (0..<count).map { i in
            let f = (Double(i) * phi + offset).truncatingRemainder(dividingBy: 1)
            return min(positions - 1, Int(f * Double(positions)))
        }
        let values = x.floats
        values.withUnsafeBufferPointer { src in
            patches.withUnsafeMutableBufferPointer { dst in
                for (p, position) in chosen.enumerated() {
                    let n = position / (outH * outW), oy = (position / outW) % outH, ox = position % outW
                    for group in 0..<g.groups { dst[(group * g.columns + g.columns - 1) * stride + p] = 1 }
                    for c in 0..<channels {
                        let plane = (n * channels + c) * inH * inW
                        let row0 = (c / g.channelsPerGroup) * g.columns + (c % g.channelsPerGroup) * g.taps
                        for ky in 0..<g.kernel.h {
                            let iy = oy * g.stride.h - g.padBegin.h + ky * g.dilation.h
                            for kx in 0..<g.kernel.w {
                                let ix = ox * g.stride.w - g.padBegin.w + kx * g.dilation.w
                                guard iy >= 0, iy < inH, ix >= 0, ix < inW else { continue }
                                dst[(row0 + ky * g.kernel.w + kx) * stride + p] = src[plane + iy * inW + ix]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the gathered patches' products to H̃ (one group after another).
    func accumulate() {
        let count = pending, length = rowLength
        guard count > 0 else { return }
        let k = geometry.columns
        for group in 0..<geometry.groups {
            let offset = group * k * length
            patches.withUnsafeBufferPointer { x in
                grams[group].withUnsafeMutableBufferPointer { h in
                    Self.addProducts(x.baseAddress! + offset, columns: k, length: length, into: h.baseAddress!)
                }
            }
        }
        patchCount += count
        patches = []
        pending = 0
    }

    /// h[i][j] += ⟨row i, row j⟩ for the `columns` rows of `length` floats (a multiple of 4) at
    /// `rows`, computed for j ≥ i in tiles of three by three rows and mirrored.
    static func addProducts(_ rows: UnsafePointer<Float>, columns k: Int, length n: Int, into h: UnsafeMutablePointer<Double>) {
        precondition(n % 4 == 0, "patch rows must be padded to whole vectors")
        let vectors = n / 4
        @inline(__always) func load(_ row: Int, _ v: Int) -> SIMD4<Float> {
            // Rows past the last are read as zeros (the last tile may be partial).
            row < k ? UnsafeRawPointer(rows + row * n + 4 * v).loadUnaligned(as: SIMD4<Float>.self) : SIMD4<Float>()
        }
        func add(_ a: Int, _ b: Int, _ value: Float) {
            guard a < k, b < k, b >= a else { return }
            h[a * k + b] += Double(value)
            if a != b { h[b * k + a] += Double(value) }
        }
        var i = 0
        while i < k {
            var j = i
            while j < k {
                var s00 = SIMD4<Float>(), s01 = SIMD4<Float>(), s02 = SIMD4<Float>()
                var s10 = SIMD4<Float>(), s11 = SIMD4<Float>(), s12 = SIMD4<Float>()
                var s20 = SIMD4<Float>(), s21 = SIMD4<Float>(), s22 = SIMD4<Float>()
                if i + 3 <= k && j + 3 <= k {
                    let a0 = rows + i * n, a1 = a0 + n, a2 = a1 + n
                    let b0 = rows + j * n, b1 = b0 + n, b2 = b1 + n
                    for v in 0..<vectors {
                        let o = 4 * v
                        let x0 = UnsafeRawPointer(a0 + o).loadUnaligned(as: SIMD4<Float>.self)
                        let x1 = UnsafeRawPointer(a1 + o).loadUnaligned(as: SIMD4<Float>.self)
                        let x2 = UnsafeRawPointer(a2 + o).loadUnaligned(as: SIMD4<Float>.self)
                        let y0 = UnsafeRawPointer(b0 + o).loadUnaligned(as: SIMD4<Float>.self)
                        let y1 = UnsafeRawPointer(b1 + o).loadUnaligned(as: SIMD4<Float>.self)
                        let y2 = UnsafeRawPointer(b2 + o).loadUnaligned(as: SIMD4<Float>.self)
                        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2
                        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2
                        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2
                    }
                } else {
                    for v in 0..<vectors {
                        let x0 = load(i, v), x1 = load(i + 1, v), x2 = load(i + 2, v)
                        let y0 = load(j, v), y1 = load(j + 1, v), y2 = load(j + 2, v)
                        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2
                        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2
                        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2
                    }
                }
                add(i, j, s00.sum()); add(i, j + 1, s01.sum()); add(i, j + 2, s02.sum())
                add(i + 1, j, s10.sum()); add(i + 1, j + 1, s11.sum()); add(i + 1, j + 2, s12.sum())
                add(i + 2, j, s20.sum()); add(i + 2, j + 1, s21.sum()); add(i + 2, j + 2, s22.sum())
                j += 3
            }
            i += 3
        }
    }
}
