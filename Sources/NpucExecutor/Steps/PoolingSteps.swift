// Fast pooling steps: 2-D max pooling (separable) and global average pooling (planes in parallel).

import NpucGraph
import NpucKernels

struct MaxPool2DStep: ExecutionStep {
    let nodeName: String
    let input: ValueID, output: ValueID
    let geometry: Pool2DGeometry

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }
    var scratchCount: Int { geometry.planes * geometry.inputHeight * geometry.outputWidth }

    func execute(_ context: StepContext) {
        PoolingKernels.maxPool2D(geometry, input: context.input(input), output: context.pointer(output), scratch: context.scratch!)
    }

    init?(node: Node, op: Pooling, graph: Graph) {
        let x = graph.type(of: node.inputs[0]).shape, y = graph.type(of: node.outputs[0]).shape
        guard op.spatialRank == 2 else { return nil }
        nodeName = node.displayName
        input = node.inputs[0]
        output = node.outputs[0]
        geometry = Pool2DGeometry(planes: x[0] * x[1], inputHeight: x[2], inputWidth: x[3], outputHeight: y[2], outputWidth: y[3],
                                  kernelHeight: op.kernelShape[0], kernelWidth: op.kernelShape[1],
                                  strideY: op.strides[0], strideX: op.strides[1], dilationY: op.dilations[0],
                                  dilationX: op.dilations[1], padTop: op.padsBegin[0], padLeft: op.padsBegin[1])
    }
}

/// Global average pooling with the reference's arithmetic (Double sum in order), planes in parallel.
struct GlobalAveragePoolStep: ExecutionStep {
    let nodeName: String
    let input: ValueID, output: ValueID
    let planes: Int, planeSize: Int

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }

    func execute(_ context: StepContext) {
        let src = context.input(input), dst = context.pointer(output)
        let size = planeSize
        Parallel.forRanges(planes, parts: Parallel.partCount(work: planes * size, minimumPerPart: 1 << 14)) { range in
            for p in range {
                var sum = 0.0
                for i in 0..<size { sum += Double(src[p * size + i]) }
                dst[p] = Float(sum / Double(size))
            }
        }
    }
}
