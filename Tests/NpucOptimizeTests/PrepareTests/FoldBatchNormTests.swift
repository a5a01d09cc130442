// Batch-norm folding: outputs before and after agree on seeded random inputs (reference kernels,
// float32) within 1e-5 of the largest output magnitude, and the graph has the expected structure.

import NpucGraph
import NpucOptimize
import Testing

@Suite("FoldBatchNorm")
struct FoldBatchNormTests {
    static let tolerance = 1e-5

    @Test("conv → batch norm folds into the conv, which carries both original names")
    func convFolds() throws {
        var b = NetBuilder()
        let x = b.input("x", [1, 3, 9, 9])
        let c = try b.conv("conv1", x, out: 5)
        let y = try b.batchNorm("bn1", c)
        b.output(try b.activation("relu1", .relu, y))
        let folded = try FoldBatchNorm().apply(to: b.graph)
        #expect(opKinds(folded) == ["conv", "activation"])
        #expect(folded.nodes[0].name == "conv1")
        #expect(folded.nodes[0].sourceNames == ["onnx/conv1", "onnx/bn1"])
        #expect(folded.nodes[0].inputs.count == 3)
        let diff = try largestRelativeDifference(b.graph, folded, seededInputs(b.graph, seed: 7))
        #expect(diff <= Self.tolerance, "relative difference \(diff)")
    }

    @Test("conv without bias, grouped conv, transposed conv and dense fold too")
    func otherLayersFold() throws {
        var b = NetBuilder(seed: 3)
        let x = b.input("x", [1, 4, 8, 8])
        let c = try b.conv("conv1", x, out: 6, bias: false)
        let n1 = try b.batchNorm("bn1", c)
        let g = try b.conv("conv2", n1, out: 6, group: 2)
        let n2 = try b.batchNorm("bn2", g)
        let tw = b.randomConstant("deconv_w", [6, 2, 2, 2])
        let t = try b.node("deconv", .convTranspose(ConvTranspose(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1],
                                                                  padsBegin: [0, 0], padsEnd: [0, 0], outputPadding: [0, 0], group: 3)), [n2, tw])
        let n3 = try b.batchNorm("bn3", t)
        b.output(n3)
        let v = b.input("v", [2, 7])
        let dw = b.randomConstant("fc_w", [4, 7])
        let d = try b.node("fc", .dense(Dense()), [v, dw])
        b.output(try b.batchNorm("bn4", d))
        let folded = try FoldBatchNorm().apply(to: b.graph)
        #expect(opKinds(folded) == ["conv", "conv", "conv_transpose", "dense"])
        #expect(folded.nodes.map(\.sourceNames) == [["onnx/conv1", "onnx/bn1"], ["onnx/conv2", "onnx/bn2"],
                                                    ["onnx/deconv", "onnx/bn3"], ["onnx/fc", "onnx/bn4"]])
        #expect(folded.outputs.map { folded[$0].name } == ["bn3_out", "bn4_out"])
        let diff = try largestRelativeDifference(b.graph, folded, seededInputs(b.graph, seed: 11))
        #expect(diff <= Self.tolerance, "relative difference \(diff)")
    }

    @Test("a batch norm with no foldable producer becomes a depthwise 1×1 conv (rank 4) or a diagonal dense (rank 2)")
    func standalone() throws {
        var b = NetBuilder(seed: 5)
        let x = b.input("x", [1, 3, 5, 5])
        b.output(try b.batchNorm("bn_in", x))
        let v = b.input("v", [2, 4])
        b.output(try b.batchNorm("bn_vec", v))
        let folded = try FoldBatchNorm().apply(to: b.graph)
        #expect(opKinds(folded) == ["conv", "dense"])
        guard case .conv(let conv) = folded.nodes[0].op else { Issue.record("not a conv"); return }
        #expect(conv.group == 3 && conv.kernelShape == [1, 1])
        #expect(folded.nodes.map(\.name) == ["bn_in", "bn_vec"])
        #expect(folded.nodes.map(\.sourceNames) == [["onnx/bn_in"], ["onnx/bn_vec"]])
        let diff = try largestRelativeDifference(b.graph, folded, seededInputs(b.graph, seed: 13))
        #expect(diff <= Self.tolerance, "relative difference \(diff)")
    }

    @Test("a conv whose output has another reader keeps its weights; the batch norm becomes a depthwise conv")
    func sharedOutput() throws {
        var b = NetBuilder(seed: 9)
        let x = b.input("x", [1, 2, 6, 6])
        let c = try b.conv("conv1", x, out: 4)
        let n = try b.batchNorm("bn1", c)
        b.output(try b.node("add", .elementwise(Elementwise(.add)), [c, n]))
        let folded = try FoldBatchNorm().apply(to: b.graph)
        #expect(opKinds(folded) == ["conv", "conv", "elementwise"])
        #expect(folded.constants[folded.nodes[0].inputs[1]] == b.graph.constants[b.graph.nodes[0].inputs[1]])
        let diff = try largestRelativeDifference(b.graph, folded, seededInputs(b.graph, seed: 17))
        #expect(diff <= Self.tolerance, "relative difference \(diff)")
    }

    @Test("broken statistics are refused naming the layer or tensor")
    func badParameters() throws {
        var b = NetBuilder()
        let x = b.input("x", [1, 2, 4, 4])
        let c = try b.conv("conv1", x, out: 2)
        let gamma = b.constant("g", [2], [1, 1]), beta = b.constant("b", [2], [0, 0]), mean = b.constant("m", [2], [0, 0])
        let variance = b.constant("v", [2], [1, -2])
        b.output(try b.node("bn1", .batchNorm(BatchNorm(epsilon: 1e-5)), [c, gamma, beta, mean, variance]))
        #expect {
            _ = try FoldBatchNorm().apply(to: b.graph)
        } throws: { error in
            "\(error)".contains("onnx/bn1") && "\(error)".contains("channel 1")
        }
        var nan = b.graph
        nan.constants[gamma] = Tensor(shape: [2], float32: [1, .nan])
        #expect(throws: PreparationError.nonFiniteConstant(node: "bn1", tensor: "g")) { try FoldBatchNorm().apply(to: nan) }
    }
}
