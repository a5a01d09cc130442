// A step that runs an op's reference kernel on views of its inputs and outputs.

import NpucGraph

struct ReferenceStep: ExecutionStep {
    let nodeName: String
    let reads: [ValueID]
    let writes: [ValueID]
    let inputShapes: [[Int]]
    let outputShapes: [[Int]]
    let kernel: @Sendable ([FloatView], [MutableFloatView]) -> Void

    func execute(_ context: StepContext) {
        let inputs = zip(reads, inputShapes).map { FloatView(context.input($0), $1) }
        let outputs = zip(writes, outputShapes).map { MutableFloatView(context.pointer($0), $1) }
        kernel(inputs, outputs)
    }
}

extension ReferenceStep {
    /// The reference step of `node` (every op has one).
    init(node: Node, graph: Graph) {
        let op = node.op
        let kernel: @Sendable ([FloatView], [MutableFloatView]) -> Void
        switch op {
        case .conv(let a):
            kernel = { i, o in ReferenceKernels.convolution(a, x: i[0], w: i[1], b: i.count > 2 ? i[2] : nil, y: o[0]) }
        case .convTranspose(let a):
            kernel = { i, o in ReferenceKernels.convTranspose(a, x: i[0], w: i[1], b: i.count > 2 ? i[2] : nil, y: o[0]) }
        case .dense:
            kernel = { i, o in ReferenceKernels.dense(x: i[0], w: i[1], b: i.count > 2 ? i[2] : nil, y: o[0]) }
        case .maxPool(let a):
            kernel = { i, o in ReferenceKernels.maxPool(a, x: i[0], y: o[0]) }
        case .averagePool(let a):
            kernel = { i, o in ReferenceKernels.averagePool(a, x: i[0], y: o[0]) }
        case .globalAveragePool:
            kernel = { i, o in ReferenceKernels.globalAveragePool(x: i[0], y: o[0]) }
        case .globalMaxPool:
            kernel = { i, o in ReferenceKernels.globalMaxPool(x: i[0], y: o[0]) }
        case .elementwise(let a):
            kernel = { i, o in ReferenceKernels.elementwise(a, a: i[0], b: i[1], y: o[0]) }
        case .activation(let a):
            kernel = { i, o in ReferenceKernels.activation(a, x: i[0], y: o[0]) }
        case .prelu:
            kernel = { i, o in ReferenceKernels.prelu(x: i[0], slope: i[1], y: o[0]) }
        case .batchNorm(let a):
            kernel = { i, o in ReferenceKernels.batchNorm(a, x: i[0], scale: i[1], bias: i[2], mean: i[3], variance: i[4], y: o[0]) }
        case .concat(let a):
            kernel = { i, o in ReferenceKernels.concat(a, inputs: i, y: o[0]) }
        case .slice(let a):
            kernel = { i, o in ReferenceKernels.slice(a, x: i[0], y: o[0]) }
        case .split(let a):
            kernel = { i, o in ReferenceKernels.split(a, x: i[0], outputs: o) }
        case .resize(let a):
            kernel = { i, o in ReferenceKernels.resize(a, x: i[0], y: o[0]) }
        case .pad(let a):
            kernel = { i, o in ReferenceKernels.pad(a, x: i[0], y: o[0]) }
        case .depthToSpace(let a):
            kernel = { i, o in ReferenceKernels.depthToSpace(a, x: i[0], y: o[0]) }
        case .spaceToDepth(let a):
            kernel = { i, o in ReferenceKernels.spaceToDepth(a, x: i[0], y: o[0]) }
        case .reshape:
            kernel = { i, o in ReferenceKernels.reshape(x: i[0], y: o[0]) }
        case .transpose(let a):
            kernel = { i, o in ReferenceKernels.transpose(a, x: i[0], y: o[0]) }
        case .softmax(let a):
            kernel = { i, o in ReferenceKernels.softmax(a, x: i[0], y: o[0]) }
        case .reduce(let a):
            kernel = { i, o in ReferenceKernels.reduce(a, x: i[0], y: o[0]) }
        }
        self.init(nodeName: node.displayName, reads: node.inputs, writes: node.outputs,
                  inputShapes: node.inputs.map { graph.type(of: $0).shape },
                  outputShapes: node.outputs.map { graph.type(of: $0).shape }, kernel: kernel)
    }
}
