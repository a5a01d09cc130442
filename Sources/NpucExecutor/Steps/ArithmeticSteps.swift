// Fast elementwise and activation steps (NpucKernels' 8-lane loops, parallel over cores).

import NpucGraph
import NpucKernels

struct ElementwiseStep: ExecutionStep {
    let nodeName: String
    let a: ValueID, b: ValueID, output: ValueID
    let function: BinaryFunction
    let aStrides: [Int], bStrides: [Int], shape: [Int]

    var reads: [ValueID] { [a, b] }
    var writes: [ValueID] { [output] }

    func execute(_ context: StepContext) {
        BinaryKernels.run(function, a: context.input(a), aStrides: aStrides, b: context.input(b), bStrides: bStrides,
                          out: context.pointer(output), shape: shape)
    }

    init(node: Node, op: Elementwise, graph: Graph) {
        let shape = graph.type(of: node.outputs[0]).shape
        nodeName = node.displayName
        a = node.inputs[0]
        b = node.inputs[1]
        output = node.outputs[0]
        switch op.function {
        case .add: function = .add
        case .sub: function = .sub
        case .mul: function = .mul
        case .div: function = .div
        case .max: function = .max
        case .min: function = .min
        }
        aStrides = ReferenceKernels.broadcastStrides(graph.type(of: node.inputs[0]).shape, to: shape)
        bStrides = ReferenceKernels.broadcastStrides(graph.type(of: node.inputs[1]).shape, to: shape)
        self.shape = shape
    }
}

extension Activation.Function {
    /// The NpucKernels form of this function when it has a vectorized kernel.
    var pointwise: PointwiseFunction? {
        switch self {
        case .relu: return .relu
        case .leakyRelu(let alpha): return .leakyRelu(alpha: alpha)
        case .clip(let lo, let hi): return .clip(min: lo, max: hi)
        case .sigmoid: return .sigmoid
        case .silu: return .silu
        default: return nil
        }
    }
}

/// An activation: the vectorized kernel when the function has one, otherwise the float
/// definition applied element by element on all cores.
struct ActivationStep: ExecutionStep {
    let nodeName: String
    let input: ValueID, output: ValueID
    let op: Activation
    let count: Int

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }

    func execute(_ context: StepContext) {
        let src = context.input(input), dst = context.pointer(output)
        if let f = op.function.pointwise {
            ActivationKernels.apply(f, input: src, output: dst, count: count)
            return
        }
        let parts = Parallel.partCount(work: count, minimumPerPart: 1 << 13)
        Parallel.forRanges(count, parts: parts) { range in
            for i in range { dst[i] = op.apply(src[i]) }
        }
    }
}
