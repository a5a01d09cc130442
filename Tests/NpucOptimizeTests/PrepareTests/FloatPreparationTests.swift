// The whole preparation pipeline on a small detector-like network: batch norm, normalization
// (÷255), BGR input and a sigmoid output together give, on raw BGR pixels, the sigmoid of what
// the original network gave on normalized RGB (within 1e-5 of the largest output).

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

@Suite("FloatPreparation")
struct FloatPreparationTests {
    @Test("BN + normalization + bgr_to_rgb + sigmoid output in one pipeline")
    func pipeline() throws {
        var b = NetBuilder(seed: 64)
        let x = b.input("images", [1, 3, 10, 10])
        let c = try b.conv("conv1", x, out: 4, stride: 2, bias: false)
        let n = try b.batchNorm("bn1", c)
        let s = try b.activation("silu1", .silu, n)
        b.output(try b.conv("cls", s, out: 2, kernel: 1, pad: 0))
        let plan = FloatPreparation(normalizations: [.init(mean: [0, 0, 0], std: [255, 255, 255])], bgrInputs: [nil],
                                    outputActivations: [ChangeOutputActivation(activation: .sigmoid)])
        #expect(plan.passes.map(\.name) == ["fold_batch_norm", "fold_normalization", "input_conversion", "change_output_activation"])
        let prepared = try plan.apply(to: b.graph)
        #expect(opKinds(prepared) == ["conv", "activation", "conv", "activation"])
        let raw = seededInputs(b.graph, seed: 4, range: 0...255)
        let normalized = raw.mapValues { Tensor(shape: $0.shape, float32: $0.floats.map { $0 / 255 }) }
        let bgr = InputConversionTests.swapped(raw)
        let original = try FloatExecutor(b.graph, options: .init(kernels: .reference)).run(normalized)["cls_out"]!.floats
        let got = try FloatExecutor(prepared, options: .init(kernels: .reference)).run(bgr)["cls_out"]!.floats
        let expected = original.map { Float(1 / (1 + exp(-Double($0)))) }
        let worst = zip(got, expected).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "largest difference \(worst)")
    }
}
