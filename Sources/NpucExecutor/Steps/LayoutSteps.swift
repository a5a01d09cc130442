// Steps that move data without arithmetic: reshape, concat, split and contiguous slices. Each
// asks the memory planner to alias its outputs (or, for concat, its inputs) so that in the
// common case (batch 1, channel axis) nothing is copied; when an alias was not granted the
// step copies.

import NpucGraph
import NpucKernels

/// Reshape: the output is the input's memory.
struct ReshapeStep: ExecutionStep {
    let nodeName: String
    let input: ValueID
    let output: ValueID
    let count: Int

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }
    var aliases: [StepAlias] { [.view(value: output, parent: input, offset: 0)] }

    func execute(_ context: StepContext) {
        let src = context.input(input), dst = context.pointer(output)
        if UnsafePointer(dst) != src {
            CopyKernels.copyBlocks(from: src, sourceStride: 0, to: dst, destinationStride: 0, blocks: 1, length: count)
        }
    }
}

/// Concat along `axis`: `outer` blocks, each input contributing `lengths[k]` floats per block.
struct ConcatStep: ExecutionStep {
    let nodeName: String
    let inputs: [ValueID]
    let output: ValueID
    let outer: Int
    let lengths: [Int]

    var reads: [ValueID] { inputs }
    var writes: [ValueID] { [output] }
    var aliases: [StepAlias] {
        guard outer == 1 else { return [] }
        var offset = 0
        var parts: [(value: ValueID, offset: Int)] = []
        for (k, v) in inputs.enumerated() {
            parts.append((v, offset))
            offset += lengths[k]
        }
        return [.gather(whole: output, parts: parts)]
    }

    func execute(_ context: StepContext) {
        let total = lengths.reduce(0, +)
        let dst = context.pointer(output)
        var offset = 0
        for (k, v) in inputs.enumerated() {
            let src = context.input(v)
            if !(outer == 1 && UnsafePointer(dst + offset) == src) {
                CopyKernels.copyBlocks(from: src, sourceStride: lengths[k], to: dst + offset, destinationStride: total,
                                       blocks: outer, length: lengths[k])
            }
            offset += lengths[k]
        }
    }

    init(node: Node, op: Concat, graph: Graph) {
        let shape = graph.type(of: node.outputs[0]).shape
        let inner = shape[(op.axis + 1)...].reduce(1, *)
        nodeName = node.displayName
        inputs = node.inputs
        output = node.outputs[0]
        outer = shape[..<op.axis].reduce(1, *)
        lengths = node.inputs.map { graph.type(of: $0).shape[op.axis] * inner }
    }
}

/// Split along an axis: outputs are views of the input when `outer` is 1.
struct SplitStep: ExecutionStep {
    let nodeName: String
    let input: ValueID
    let outputs: [ValueID]
    let outer: Int
    let lengths: [Int]

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { outputs }
    var aliases: [StepAlias] {
        guard outer == 1 else { return [] }
        var offset = 0
        var result: [StepAlias] = []
        for (k, v) in outputs.enumerated() {
            result.append(.view(value: v, parent: input, offset: offset))
            offset += lengths[k]
        }
        return result
    }

    func execute(_ context: StepContext) {
        let total = lengths.reduce(0, +)
        let src = context.input(input)
        var offset = 0
        for (k, v) in outputs.enumerated() {
            let dst = context.pointer(v)
            if !(outer == 1 && UnsafePointer(dst) == src + offset) {
                CopyKernels.copyBlocks(from: src + offset, sourceStride: total, to: dst, destinationStride: lengths[k],
                                       blocks: outer, length: lengths[k])
            }
            offset += lengths[k]
        }
    }

    init(node: Node, op: Split, graph: Graph) {
        let shape = graph.type(of: node.inputs[0]).shape
        let inner = shape[(op.axis + 1)...].reduce(1, *)
        nodeName = node.displayName
        input = node.inputs[0]
        outputs = node.outputs
        outer = shape[..<op.axis].reduce(1, *)
        lengths = op.sizes.map { $0 * inner }
    }
}

/// A slice that selects one contiguous run of the input (every axis whole, except one with
/// step 1 whose outer axes all have size 1): the output is a view.
struct ContiguousSliceStep: ExecutionStep {
    let nodeName: String
    let input: ValueID
    let output: ValueID
    let offset: Int
    let count: Int

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }
    var aliases: [StepAlias] { [.view(value: output, parent: input, offset: offset)] }

    func execute(_ context: StepContext) {
        let src = context.input(input) + offset, dst = context.pointer(output)
        if UnsafePointer(dst) != src {
            CopyKernels.copyBlocks(from: src, sourceStride: 0, to: dst, destinationStride: 0, blocks: 1, length: count)
        }
    }

    init?(node: Node, op: Slice, graph: Graph) {
        let shape = graph.type(of: node.inputs[0]).shape
        let sliced = op.slicedAxes(inputShape: shape)
        guard sliced.count <= 1 else { return nil }
        let strides = ShapeArithmetic.strides(shape)
        var offset = 0
        if let axis = sliced.first {
            guard op.steps[axis] == 1, shape[..<axis].allSatisfy({ $0 == 1 }) else { return nil }
            offset = op.starts[axis] * strides[axis]
        }
        nodeName = node.displayName
        input = node.inputs[0]
        output = node.outputs[0]
        self.offset = offset
        count = graph.type(of: node.outputs[0]).elementCount
    }
}
