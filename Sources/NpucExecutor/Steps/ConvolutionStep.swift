// The fast convolution step (1-D and 2-D, constant weights): NpucKernels' implicit GEMM or, for
// 3×3 stride-1 layers, Winograd F(4×4, 3×3); an optional activation is applied as outputs are
// stored.

import NpucGraph
import NpucKernels

struct ConvolutionStep: ExecutionStep {
    let nodeName: String
    let input: ValueID
    let output: ValueID
    let kernel: Kernel
    let activation: PointwiseFunction

    enum Kernel: Sendable {
        case direct(PackedConvolution2D)
        case winograd(WinogradConvolution3x3)
    }

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }
    var scratchCount: Int {
        switch kernel {
        case .direct(let k): return k.scratchCount
        case .winograd(let k): return k.scratchCount
        }
    }

    func execute(_ context: StepContext) {
        switch kernel {
        case .direct(let k):
            k.run(input: context.input(input), output: context.pointer(output), scratch: context.scratch, activation: activation)
        case .winograd(let k):
            k.run(input: context.input(input), output: context.pointer(output), scratch: context.scratch!, activation: activation)
        }
    }

    /// The fast step for a convolution node with constant weights (and bias), or nil when the
    /// node has no fast path (3-D and higher, computed weights).
    init?(node: Node, op: Convolution, graph: Graph, constants: ConstantStore, output: ValueID? = nil,
          activation: PointwiseFunction = .identity, winograd: Bool = true) {
        guard op.spatialRank <= 2, let weights = constants.pointer(node.inputs[1]) else { return nil }
        var bias: UnsafePointer<Float>? = nil
        if node.inputs.count > 2 {
            guard let b = constants.pointer(node.inputs[2]) else { return nil }
            bias = UnsafePointer(b)
        }
        let x = graph.type(of: node.inputs[0]).shape, y = graph.type(of: node.outputs[0]).shape
        let two = op.spatialRank == 2
        let geometry = Conv2DGeometry(
            batch: x[0], inputChannels: x[1], inputHeight: two ? x[2] : 1, inputWidth: two ? x[3] : x[2],
            outputChannels: y[1], outputHeight: two ? y[2] : 1, outputWidth: two ? y[3] : y[2],
            kernelHeight: two ? op.kernelShape[0] : 1, kernelWidth: op.kernelShape[two ? 1 : 0],
            strideY: two ? op.strides[0] : 1, strideX: op.strides[two ? 1 : 0],
            dilationY: two ? op.dilations[0] : 1, dilationX: op.dilations[two ? 1 : 0],
            padTop: two ? op.padsBegin[0] : 0, padLeft: op.padsBegin[two ? 1 : 0],
            padBottom: two ? op.padsEnd[0] : 0, padRight: op.padsEnd[two ? 1 : 0], groups: op.group)
        self.nodeName = node.displayName
        self.input = node.inputs[0]
        self.output = output ?? node.outputs[0]
        if winograd && WinogradConvolution3x3.isApplicable(geometry) {
            self.kernel = .winograd(WinogradConvolution3x3(geometry: geometry, weights: UnsafePointer(weights), bias: bias))
        } else {
            self.kernel = .direct(PackedConvolution2D(geometry: geometry, weights: UnsafePointer(weights), bias: bias))
        }
        self.activation = activation
    }
}
