// The importer maps each op the same way across the opsets that changed how its arguments are
// given (attributes → inputs, new defaults), and folds shape computations.

import Foundation
import Testing
import NpucGraph
@testable import NpucImport

/// Imports a one-input model built by `build` and returns the IR graph.
func importSingle(opset: Int, input: [Int] = [1, 4, 6, 6], endNodes: [String] = [],
                  _ build: (inout ONNXModelBuilder) -> Void) throws -> Graph {
    var m = ONNXModelBuilder(opset: opset)
    m.addInput("x", shape: input)
    build(&m)
    let model = try ONNXModel.decode(Data(m.serialized()), file: "t.onnx", directory: nil)
    return try ONNXImporter.importModel(model, netName: "t", options: ImportOptions(endNodeNames: endNodes)).graph
}

struct OpsetTests {
    @Test(arguments: [11, 13, 18])
    func splitSizesFromAttributeInputOrCount(opset: Int) throws {
        let g = try importSingle(opset: opset) { m in
            var attributes: [String: ONNXModelBuilder.AttributeValue] = ["axis": .int(1)]
            var inputs = ["x"]
            if opset < 13 { attributes["split"] = .ints([1, 3]) }
            if opset >= 13 { m.addInitializer("sizes", Tensor(shape: [2], int64: [1, 3])); inputs.append("sizes") }
            m.addNode("Split", name: "split", inputs: inputs, outputs: ["a", "b"], attributes: attributes)
            m.addOutput("a")
            m.addOutput("b")
        }
        guard case .split(let s) = g.nodes[0].op else { Issue.record("not a split"); return }
        #expect(s.axis == 1 && s.sizes == [1, 3])
    }

    @Test func splitByNumOutputsGivesAShorterLastPart() throws {
        let g = try importSingle(opset: 18, input: [1, 7, 2, 2]) { m in
            m.addNode("Split", name: "split", inputs: ["x"], outputs: ["a", "b", "c"], attributes: ["axis": .int(1), "num_outputs": .int(3)])
            for o in ["a", "b", "c"] { m.addOutput(o) }
        }
        guard case .split(let s) = g.nodes[0].op else { Issue.record("not a split"); return }
        #expect(s.sizes == [3, 3, 1])
    }

    @Test(arguments: [9, 11, 12])
    func clipBoundsFromAttributesOrInputs(opset: Int) throws {
        let g = try importSingle(opset: opset) { m in
            if opset < 11 {
                m.addNode("Clip", name: "clip", inputs: ["x"], outputs: ["y"], attributes: ["min": .float(0), "max": .float(6)])
            } else {
                m.addInitializer("lo", Tensor(shape: [], float32: [0]))
                m.addInitializer("hi", Tensor(shape: [], float32: [6]))
                m.addNode("Clip", name: "clip", inputs: ["x", "lo", "hi"], outputs: ["y"])
            }
            m.addOutput("y")
        }
        #expect(g.nodes[0].op == .activation(Activation(.clip(min: 0, max: 6))))
    }

    @Test func softmaxBeforeOpset13UsesTheFlattenedForm() throws {
        // Axis 1 of [1, 4, 1, 1]: only one non-unit trailing axis, so it equals softmax over axis 1.
        let g = try importSingle(opset: 11, input: [1, 4, 1, 1]) { m in
            m.addNode("Softmax", name: "sm", inputs: ["x"], outputs: ["y"])
            m.addOutput("y")
        }
        #expect(g.nodes[0].op == .softmax(Softmax(axis: 1)))
        // Over several non-unit axes it is refused with a reason.
        #expect(throws: ParsingError.self) {
            _ = try importSingle(opset: 11) { m in
                m.addNode("Softmax", name: "sm", inputs: ["x"], outputs: ["y"])
                m.addOutput("y")
            }
        }
        let g13 = try importSingle(opset: 13) { m in
            m.addNode("Softmax", name: "sm", inputs: ["x"], outputs: ["y"], attributes: ["axis": .int(1)])
            m.addOutput("y")
        }
        #expect(g13.nodes[0].op == .softmax(Softmax(axis: 1)))
    }

    @Test(arguments: [9, 10, 13])
    func sliceFromAttributesOrInputs(opset: Int) throws {
        let g = try importSingle(opset: opset) { m in
            if opset < 10 {
                m.addNode("Slice", name: "s", inputs: ["x"], outputs: ["y"],
                          attributes: ["starts": .ints([1]), "ends": .ints([-1]), "axes": .ints([1])])
            } else {
                m.addInitializer("st", Tensor(shape: [1], int64: [1]))
                m.addInitializer("en", Tensor(shape: [1], int64: [-1]))
                m.addInitializer("ax", Tensor(shape: [1], int64: [1]))
                m.addNode("Slice", name: "s", inputs: ["x", "st", "en", "ax"], outputs: ["y"])
            }
            m.addOutput("y")
        }
        #expect(g.nodes[0].op == .slice(Slice(starts: [0, 1, 0, 0], ends: [1, 3, 6, 6], steps: [1, 1, 1, 1])))
        #expect(g.type(of: g.outputs[0]).shape == [1, 2, 6, 6])
    }

    @Test(arguments: [7, 11, 18])
    func padFromAttributesOrInputs(opset: Int) throws {
        let g = try importSingle(opset: opset) { m in
            if opset < 11 {
                m.addNode("Pad", name: "p", inputs: ["x"], outputs: ["y"], attributes: ["pads": .ints([0, 0, 1, 2, 0, 0, 3, 4]), "value": .float(0.5)])
            } else if opset < 18 {
                m.addInitializer("pads", Tensor(shape: [8], int64: [0, 0, 1, 2, 0, 0, 3, 4]))
                m.addInitializer("v", Tensor(shape: [], float32: [0.5]))
                m.addNode("Pad", name: "p", inputs: ["x", "pads", "v"], outputs: ["y"])
            } else {
                m.addInitializer("pads", Tensor(shape: [4], int64: [1, 2, 3, 4]))
                m.addInitializer("v", Tensor(shape: [], float32: [0.5]))
                m.addInitializer("axes", Tensor(shape: [2], int64: [2, -1]))
                m.addNode("Pad", name: "p", inputs: ["x", "pads", "v", "axes"], outputs: ["y"])
            }
            m.addOutput("y")
        }
        #expect(g.nodes[0].op == .pad(Pad(mode: .constant, padsBegin: [0, 0, 1, 2], padsEnd: [0, 0, 3, 4], value: 0.5)))
    }

    @Test(arguments: [11, 13])
    func squeezeAndUnsqueezeAxes(opset: Int) throws {
        let g = try importSingle(opset: opset, input: [1, 4, 1, 6]) { m in
            if opset < 13 {
                let s = m.addNode("Squeeze", name: "sq", inputs: ["x"], attributes: ["axes": .ints([2])])
                m.addNode("Unsqueeze", name: "un", inputs: [s], outputs: ["y"], attributes: ["axes": .ints([-1])])
            } else {
                m.addInitializer("a2", Tensor(shape: [1], int64: [2]))
                m.addInitializer("am1", Tensor(shape: [1], int64: [-1]))
                let s = m.addNode("Squeeze", name: "sq", inputs: ["x", "a2"])
                m.addNode("Unsqueeze", name: "un", inputs: [s, "am1"], outputs: ["y"])
            }
            m.addOutput("y")
        }
        #expect(g.nodes.map(\.op) == [.reshape(Reshape(shape: [1, 4, 6])), .reshape(Reshape(shape: [1, 4, 6, 1]))])
    }

    @Test(arguments: [13, 18])
    func reduceMeanAxes(opset: Int) throws {
        let g = try importSingle(opset: opset) { m in
            if opset < 18 {
                m.addNode("ReduceMean", name: "r", inputs: ["x"], outputs: ["y"], attributes: ["axes": .ints([2, 3])])
            } else {
                m.addInitializer("axes", Tensor(shape: [2], int64: [-2, -1]))
                m.addNode("ReduceMean", name: "r", inputs: ["x", "axes"], outputs: ["y"])
            }
            m.addOutput("y")
        }
        #expect(g.nodes[0].op == .reduce(Reduce(function: .mean, axes: [2, 3], keepDims: true)))
    }

    @Test func resizeAcrossOpsets() throws {
        // Opset 9 Upsample and opset 10 Resize: asymmetric, nearest rounds down.
        let up = try importSingle(opset: 9) { m in
            m.addInitializer("s", Tensor(shape: [4], float32: [1, 1, 2, 3]))
            m.addNode("Upsample", name: "u", inputs: ["x", "s"], outputs: ["y"])
            m.addOutput("y")
        }
        guard case .resize(let r9) = up.nodes[0].op else { Issue.record("not a resize"); return }
        #expect(r9.coordinateTransformation == .asymmetric && r9.nearestMode == .floor && r9.outputShape == [1, 4, 12, 18])
        // Opset 13 with sizes: scales are sizes / input, in double precision.
        let sized = try importSingle(opset: 13) { m in
            m.addInitializer("roi", Tensor(shape: [0], float32: []))
            m.addInitializer("scales", Tensor(shape: [0], float32: []))
            m.addInitializer("sizes", Tensor(shape: [4], int64: [1, 4, 4, 9]))
            m.addNode("Resize", name: "r", inputs: ["x", "roi", "scales", "sizes"], outputs: ["y"],
                      attributes: ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")])
            m.addOutput("y")
        }
        guard case .resize(let r13) = sized.nodes[0].op else { Issue.record("not a resize"); return }
        #expect(r13.mode == .linear && r13.coordinateTransformation == .alignCorners)
        #expect(r13.scales == [1, 1, 4.0 / 6.0, 1.5])
        #expect(r13.outputShape == [1, 4, 4, 9])
        // Opset 18 axes + keep_aspect_ratio_policy.
        let kept = try importSingle(opset: 18) { m in
            m.addInitializer("roi", Tensor(shape: [0], float32: []))
            m.addInitializer("scales", Tensor(shape: [0], float32: []))
            m.addInitializer("sizes", Tensor(shape: [2], int64: [9, 12]))
            m.addNode("Resize", name: "r", inputs: ["x", "roi", "scales", "sizes"], outputs: ["y"],
                      attributes: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_larger")])
            m.addOutput("y")
        }
        guard case .resize(let r18) = kept.nodes[0].op else { Issue.record("not a resize"); return }
        #expect(r18.outputShape == [1, 4, 9, 9])
    }

    @Test func shapeComputationsAreFolded() throws {
        // Reshape's target computed as Concat(Gather(Shape(x), 0), [-1]) → [1, -1].
        let g = try importSingle(opset: 13) { m in
            let shape = m.addNode("Shape", name: "shape", inputs: ["x"])
            m.addInitializer("zero", Tensor(shape: [], int64: [0]))
            let batch = m.addNode("Gather", name: "gather", inputs: [shape, "zero"])
            m.addInitializer("ax0", Tensor(shape: [1], int64: [0]))
            let b1 = m.addNode("Unsqueeze", name: "unsq", inputs: [batch, "ax0"])
            m.addInitializer("minus1", Tensor(shape: [1], int64: [-1]))
            let target = m.addNode("Concat", name: "cat", inputs: [b1, "minus1"], attributes: ["axis": .int(0)])
            m.addNode("Reshape", name: "reshape", inputs: ["x", target], outputs: ["y"])
            m.addOutput("y")
        }
        #expect(g.nodes.map(\.op) == [.reshape(Reshape(shape: [1, 144]))])
        #expect(g.nodes[0].sourceNames == ["reshape"])
    }

    @Test func gemmFoldsAlphaBetaAndTranspose() throws {
        let g = try importSingle(opset: 13, input: [1, 3]) { m in
            m.addInitializer("B", Tensor(shape: [3, 2], float32: [1, 2, 3, 4, 5, 6]))
            m.addInitializer("C", Tensor(shape: [2], float32: [10, 20]))
            m.addNode("Gemm", name: "gemm", inputs: ["x", "B", "C"], outputs: ["y"], attributes: ["alpha": .float(2), "beta": .float(0.5)])
            m.addOutput("y")
        }
        let node = g.nodes[0]
        #expect(node.op == .dense(Dense()))
        #expect(g.constants[node.inputs[1]]?.floats == [2, 6, 10, 4, 8, 12])
        #expect(g.constants[node.inputs[1]]?.shape == [2, 3])
        #expect(g.constants[node.inputs[2]]?.floats == [5, 10])
    }

    @Test func convAutoPadSameUpperAndLower() throws {
        for (mode, begin, end) in [("SAME_UPPER", [0, 0], [1, 1]), ("SAME_LOWER", [1, 1], [0, 0])] {
            let g = try importSingle(opset: 11, input: [1, 1, 5, 5]) { m in
                m.addInitializer("w", Tensor(shape: [1, 1, 2, 2], float32: [1, 1, 1, 1]))
                m.addNode("Conv", name: "c", inputs: ["x", "w"], outputs: ["y"], attributes: ["auto_pad": .string(mode)])
                m.addOutput("y")
            }
            guard case .conv(let c) = g.nodes[0].op else { Issue.record("not a conv"); return }
            #expect(c.padsBegin == begin && c.padsEnd == end)
            #expect(g.type(of: g.outputs[0]).shape == [1, 1, 5, 5])
        }
    }
}
