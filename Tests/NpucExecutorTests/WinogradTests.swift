// Winograd F(4×4, 3×3) against the reference convolution: equal up to rounding, bounded
// relative to the magnitude of each output's terms (Σ|w·x| + |b|).

import NpucExecutor
import NpucGraph
import NpucKernels
import Testing

@Suite("Winograd convolution vs reference")
struct WinogradTests {
    static func run(c: Int, m: Int, h: Int, w: Int, pad: (Int, Int, Int, Int), seed: UInt64, batch: Int = 1,
                    activation: PointwiseFunction = .identity) -> (fast: [Float], reference: [Float], scale: [Float]) {
        var rng = SeededRandom(seed: seed)
        let op = Convolution(kernelShape: [3, 3], strides: [1, 1], dilations: [1, 1], padsBegin: [pad.0, pad.1],
                             padsEnd: [pad.2, pad.3], group: 1)
        let xShape = [batch, c, h, w], wShape = [m, c, 3, 3]
        let yShape = try! op.inferOutputTypes([.float32(xShape), .float32(wShape)])[0].shape
        let x = rng.floats(xShape.reduce(1, *), in: -2...2)
        let weights = rng.floats(wShape.reduce(1, *), in: -0.5...0.5)
        let bias = rng.floats(m)
        let reference = withViews([(x, xShape), (weights, wShape), (bias, [m])], outputShape: yShape) { v, y in
            ReferenceKernels.convolution(op, x: v[0], w: v[1], b: v[2], y: y)
        }
        let scale = withViews([(x.map(abs), xShape), (weights.map(abs), wShape), (bias.map(abs), [m])], outputShape: yShape) { v, y in
            ReferenceKernels.convolution(op, x: v[0], w: v[1], b: v[2], y: y)
        }
        let g = Conv2DGeometry(batch: batch, inputChannels: c, inputHeight: h, inputWidth: w, outputChannels: m,
                               outputHeight: yShape[2], outputWidth: yShape[3], kernelHeight: 3, kernelWidth: 3, strideY: 1, strideX: 1,
                               dilationY: 1, dilationX: 1, padTop: pad.0, padLeft: pad.1, padBottom: pad.2, padRight: pad.3, groups: 1)
        let kernel = weights.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { WinogradConvolution3x3(geometry: g, weights: wp.baseAddress!, bias: $0.baseAddress!) }
        }
        var out = [Float](repeating: .nan, count: yShape.reduce(1, *))
        var scratch = [Float](repeating: .nan, count: kernel.scratchCount)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                scratch.withUnsafeMutableBufferPointer { kernel.run(input: xp.baseAddress!, output: op.baseAddress!, scratch: $0.baseAddress!, activation: activation) }
            }
        }
        return (out, reference, scale)
    }

    @Test("random shapes (odd sizes, asymmetric padding, batch 2) agree within 1e-5 of each output's term magnitude",
          arguments: [(8, 8, 4, 4, (1, 1, 1, 1)), (9, 13, 11, 7, (1, 1, 1, 1)), (16, 9, 23, 17, (0, 0, 0, 0)),
                      (12, 20, 9, 30, (2, 1, 0, 2)), (64, 64, 20, 20, (1, 1, 1, 1)), (33, 10, 5, 41, (1, 0, 1, 0)), (10, 12, 18, 70, (1, 1, 1, 1))])
    func agreesWithReference(c: Int, m: Int, h: Int, w: Int, pad: (Int, Int, Int, Int)) {
        let r = Self.run(c: c, m: m, h: h, w: w, pad: pad, seed: UInt64(c * 100 + m), batch: c % 2 == 0 ? 1 : 2)
        var worst: Float = 0
        for i in r.reference.indices {
            #expect(r.fast[i].isFinite, "output \(i) was not written")
            worst = max(worst, abs(r.fast[i] - r.reference[i]) / max(r.scale[i], 1e-30))
        }
        print("Winograd \(c)→\(m) \(h)×\(w): worst error / term magnitude = \(worst)")
        #expect(worst <= 1e-5, "worst relative error \(worst)")
    }

    @Test("a fused SiLU equals SiLU applied to the Winograd output")
    func fusedActivation() {
        let plain = Self.run(c: 8, m: 8, h: 12, w: 12, pad: (1, 1, 1, 1), seed: 3)
        let fused = Self.run(c: 8, m: 8, h: 12, w: 12, pad: (1, 1, 1, 1), seed: 3, activation: .silu)
        let expected = plain.fast.map { PointwiseFunction.silu.apply($0) }
        #expect(bitIdentical(fused.fast, expected), "\(firstDifference(fused.fast, expected))")
    }
}
