// The graph's invariant checker, pruning with canonical renumbering, graph.json encoding of ops,
// and the NPU support constraints.

import Foundation
import Testing
@testable import NpucGraph

struct GraphTests {
    /// x → conv → relu → y, plus a dead branch x → sigmoid.
    static func sample() throws -> Graph {
        var g = Graph(name: "g")
        let x = g.addValue(name: "x", type: .float32([1, 3, 8, 8]))
        g.inputs = [x]
        let w = g.addConstant(name: "w", tensor: Tensor(shape: [4, 3, 1, 1], float32: Array(repeating: 0.5, count: 12)))
        let conv = Convolution(kernelShape: [1, 1], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], group: 1)
        let c = try g.addNode(name: "conv1", sourceNames: ["/conv"], op: .conv(conv), inputs: [x, w], outputNames: ["c"])[0]
        _ = try g.addNode(name: "sigmoid1", sourceNames: ["/dead"], op: .activation(Activation(.sigmoid)), inputs: [x], outputNames: ["dead"])
        let y = try g.addNode(name: "relu1", sourceNames: ["/relu"], op: .activation(Activation(.relu)), inputs: [c], outputNames: ["y"])[0]
        g.outputs = [y]
        return g
    }

    @Test func aWellFormedGraphVerifies() throws {
        try Self.sample().verify()
        #expect(try Self.sample().macs == 1 * 4 * 8 * 8 * 3)
        #expect(try Self.sample().parameterCount == 12)
    }

    @Test func useBeforeDefinitionIsCaught() throws {
        var g = try Self.sample()
        g.nodes.swapAt(0, 2)
        let error = #expect(throws: GraphVerificationError.self) { try g.verify() }
        #expect(error?.message == "node 'relu1' reads 'c' before it is produced")
    }

    @Test func duplicateNamesAndWrongTypesAreCaught() throws {
        var g = try Self.sample()
        g.nodes[1].name = "conv1"
        #expect(throws: GraphVerificationError.self) { try g.verify() }
        var h = try Self.sample()
        h.setType(.float32([1, 4, 8, 9]), of: h.value(named: "c")!)
        let error = #expect(throws: GraphVerificationError.self) { try h.verify() }
        #expect(error?.message.contains("node 'conv1' declares outputs") == true)
    }

    @Test func pruningDropsDeadNodesAndRenumbersCanonically() throws {
        let g = try Self.sample().pruned()
        try g.verify()
        #expect(g.nodes.map(\.name) == ["conv1", "relu1"])
        #expect(g.values.map(\.name) == ["x", "w", "c", "y"])
        #expect(g.node(withSourceName: "/relu") == NodeID(1))
    }

    @Test func opsRoundTripThroughJSON() throws {
        let ops: [Op] = [
            .conv(Convolution(kernelShape: [3, 3], strides: [1, 2], dilations: [1, 1], padsBegin: [1, 0], padsEnd: [1, 2], group: 4)),
            .convTranspose(ConvTranspose(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], outputPadding: [1, 0], group: 1)),
            .dense(Dense()),
            .maxPool(Pooling(kernelShape: [5, 5], strides: [1, 1], dilations: [1, 1], padsBegin: [2, 2], padsEnd: [2, 2], ceilMode: false, countIncludePad: false)),
            .averagePool(Pooling(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], ceilMode: true, countIncludePad: true)),
            .globalAveragePool(GlobalPooling()), .globalMaxPool(GlobalPooling()),
            .elementwise(Elementwise(.div)),
            .activation(Activation(.hardSigmoid(alpha: 0.2, beta: 0.5))), .activation(Activation(.silu)),
            .activation(Activation(.gelu(tanhApproximation: true))),
            .prelu(PRelu()), .batchNorm(BatchNorm(epsilon: 1e-3)), .concat(Concat(axis: 1)),
            .slice(Slice(starts: [0, 2], ends: [1, 8], steps: [1, 2])), .split(Split(axis: 1, sizes: [1, 2])),
            .resize(Resize(mode: .nearest, coordinateTransformation: .asymmetric, nearestMode: .floor, scales: [1, 1, 2, 2], outputShape: [1, 4, 8, 8])),
            .pad(Pad(mode: .edge, padsBegin: [0, 0, 1, 1], padsEnd: [0, 0, 0, 1], value: 0)),
            .depthToSpace(DepthToSpace(blockSize: 2, mode: .crd)), .spaceToDepth(SpaceToDepth(blockSize: 2, mode: .crd)),
            .reshape(Reshape(shape: [1, 64])), .transpose(Transpose(permutation: [0, 1, 3, 2])),
            .softmax(Softmax(axis: 1)), .reduce(Reduce(function: .l2, axes: [1], keepDims: true)),
        ]
        #expect(Set(ops.map(\.kind)) == Set(OpKind.allCases))
        let data = try JSONEncoder().encode(ops)
        #expect(try JSONDecoder().decode([Op].self, from: data) == ops)
        #expect(String(decoding: try JSONEncoder().encode(Op.concat(Concat(axis: 1))), as: UTF8.self).contains("\"kind\":\"concat\""))
    }
}

struct ConstraintTests {
    func violations(_ op: Op, inputs: [TensorType], constants: [Bool]) throws -> [ConstraintViolation] {
        let node = Node(name: "n", sourceNames: ["n"], op: op, inputs: [], outputs: [])
        let outputs = try op.inferOutputTypes(inputs)
        let constantInputs = zip(inputs, constants).map { t, c in c ? Tensor.zeros(t.shape) : nil }
        return NPUSupport.violations(of: ConstraintContext(node: node, inputTypes: inputs, outputTypes: outputs,
                                                           constantInputs: constantInputs, arch: .hailo8l))
    }

    @Test func reshapeKeepingChannelsIsSupportedButSplittingThemIsNot() throws {
        #expect(try violations(.reshape(Reshape(shape: [1, 64, 6400])), inputs: [.float32([1, 64, 80, 80])], constants: [false]).isEmpty)
        #expect(try violations(.reshape(Reshape(shape: [1, 4096])), inputs: [.float32([1, 64, 8, 8])], constants: [false]).isEmpty)
        let bad = try violations(.reshape(Reshape(shape: [1, 4, 16, 8400])), inputs: [.float32([1, 64, 8400])], constants: [false])
        #expect(bad.map(\.details) == ["it reshapes 1×64×8400 to 1×4×16×8400"])
    }

    @Test func concatenationAlongTheBatchAxisIsRefused() throws {
        #expect(try violations(.concat(Concat(axis: 1)), inputs: [.float32([1, 2, 4, 4]), .float32([1, 2, 4, 4])], constants: [false, false]).isEmpty)
        #expect(try violations(.concat(Concat(axis: 0)), inputs: [.float32([1, 2, 4, 4]), .float32([1, 2, 4, 4])], constants: [false, false]).count == 1)
    }

    @Test func divisionByAComputedTensorIsRefused() throws {
        let a = TensorType.float32([1, 2, 4, 4])
        #expect(try violations(.elementwise(Elementwise(.div)), inputs: [a, .float32([])], constants: [false, true]).isEmpty)
        #expect(try violations(.elementwise(Elementwise(.div)), inputs: [a, a], constants: [false, false]).first?.details == "the divisor is computed by the graph")
    }

    @Test func computedWeightsAndHighRanksAreRefused() throws {
        let conv = Op.conv(Convolution(kernelShape: [1, 1], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], group: 1))
        #expect(try violations(conv, inputs: [.float32([1, 3, 4, 4]), .float32([2, 3, 1, 1])], constants: [false, true]).isEmpty)
        #expect(try violations(conv, inputs: [.float32([1, 3, 4, 4]), .float32([2, 3, 1, 1])], constants: [false, false]).count == 1)
        let relu5 = try violations(.activation(Activation(.relu)), inputs: [.float32([1, 2, 3, 4, 5])], constants: [false])
        #expect(relu5.first?.details == "a tensor has shape 1×2×3×4×5 (rank 5)")
    }

    @Test func softmaxAndTransposeRules() throws {
        #expect(try violations(.softmax(Softmax(axis: 1)), inputs: [.float32([1, 10])], constants: [false]).isEmpty)
        #expect(try violations(.softmax(Softmax(axis: 3)), inputs: [.float32([1, 84, 4, 16])], constants: [false]).count == 1)
        #expect(try violations(.transpose(Transpose(permutation: [0, 1, 3, 2])), inputs: [.float32([1, 4, 5, 6])], constants: [false]).isEmpty)
        #expect(try violations(.transpose(Transpose(permutation: [0, 2, 1, 3])), inputs: [.float32([1, 4, 1, 6])], constants: [false]).isEmpty)
        #expect(try violations(.transpose(Transpose(permutation: [0, 2, 3, 1])), inputs: [.float32([1, 4, 5, 6])], constants: [false]).count == 1)
    }
}
