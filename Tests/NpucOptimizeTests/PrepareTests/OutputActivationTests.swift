// change_output_activation: outputs computed before and after differ exactly by the activation
// (compared against the activation applied to the original outputs, within 1e-6 relative), graph
// output names stay, and unknown layers are refused.

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

@Suite("ChangeOutputActivation")
struct OutputActivationTests {
    /// Two heads: `box` (a plain conv output) and `cls` (a conv followed by ReLU).
    static func heads() throws -> Graph {
        var b = NetBuilder(seed: 12)
        let x = b.input("x", [1, 3, 6, 6])
        let f = try b.conv("stem", x, out: 4)
        b.output(try b.conv("box", f, out: 2, kernel: 1, pad: 0))
        let c = try b.conv("cls", f, out: 3, kernel: 1, pad: 0)
        b.output(try b.activation("cls_relu", .relu, c))
        return b.graph
    }

    static func outputs(_ graph: Graph, _ inputs: [String: Tensor]) throws -> [String: [Float]] {
        try FloatExecutor(graph, options: .init(kernels: .reference)).run(inputs).mapValues(\.floats)
    }

    static func close(_ a: [Float], _ b: [Float]) -> Bool {
        let scale = Double(a.map { abs($0) }.max() ?? 1)
        return a.count == b.count && zip(a, b).allSatisfy { Double(abs($0 - $1)) <= 1e-6 * max(scale, 1) }
    }

    @Test("sigmoid on every output: appended after a conv, replacing an existing ReLU; names unchanged")
    func everyOutput() throws {
        let graph = try Self.heads()
        let changed = try ChangeOutputActivation(activation: .sigmoid).apply(to: graph)
        #expect(opKinds(changed) == ["conv", "conv", "activation", "conv", "activation"])
        #expect(changed.outputs.map { changed[$0].name } == graph.outputs.map { graph[$0].name })
        let appended = changed.nodes[2]
        #expect(appended.name == "sigmoid1" && appended.sourceNames == ["onnx/box"])
        #expect(changed.nodes[4].name == "cls_relu")
        #expect(changed.value(named: "box_out_pre_activation") != nil)
        let inputs = seededInputs(graph, seed: 4)
        let before = try Self.outputs(graph, inputs), after = try Self.outputs(changed, inputs)
        // The class head's pre-activation is the original ReLU's input: recompute it without the ReLU.
        let linear = try ChangeOutputActivation(activation: nil).apply(to: graph)
        let pre = try Self.outputs(linear, inputs)
        let sigmoid = { (v: Float) in Float(1 / (1 + exp(-Double(v)))) }
        #expect(Self.close(after["box_out"]!, before["box_out"]!.map(sigmoid)))
        #expect(Self.close(after["cls_relu_out"]!, pre["cls_relu_out"]!.map(sigmoid)))
    }

    @Test("linear removes an output activation; a layer can be chosen by its npuc, original or feeding layer's name")
    func linearAndSelection() throws {
        let graph = try Self.heads()
        let linear = try ChangeOutputActivation(layers: ["onnx/cls"], activation: nil).apply(to: graph)
        #expect(opKinds(linear) == ["conv", "conv", "conv"])
        #expect(linear.outputs.map { linear[$0].name } == ["box_out", "cls_relu_out"])
        let inputs = seededInputs(graph, seed: 8)
        let before = try Self.outputs(graph, inputs), after = try Self.outputs(linear, inputs)
        #expect(after["box_out"] == before["box_out"])
        #expect(after["cls_relu_out"]!.map { max($0, 0) } == before["cls_relu_out"]!)
        #expect(after["cls_relu_out"]!.contains { $0 < 0 }, "the ReLU is gone, negative logits survive")

        let onlyBox = try ChangeOutputActivation(layers: ["box"], activation: .tanh).apply(to: graph)
        #expect(opKinds(onlyBox) == ["conv", "conv", "activation", "conv", "activation"])
        guard case .activation(let a) = onlyBox.nodes[4].op else { return }
        #expect(a.function == .relu)
    }

    @Test("an unknown layer is refused, listing the output layers")
    func unknownLayer() throws {
        let graph = try Self.heads()
        #expect(throws: PreparationError.unknownLayers(pass: "change_output_activation", names: ["conv99"], candidates: ["box", "cls_relu"])) {
            try ChangeOutputActivation(layers: ["conv99"], activation: .sigmoid).apply(to: graph)
        }
    }
}
