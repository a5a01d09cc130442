// Fast nearest-neighbor resize: per-axis source-index tables (from the reference's tap rule)
// and a gather, rows in parallel. Bit-identical to the reference (a copy of the chosen element).

import NpucGraph
import NpucKernels

struct NearestResizeStep: ExecutionStep {
    let nodeName: String
    let input: ValueID, output: ValueID
    /// Per output axis: the input offset (index × input stride) of each output coordinate.
    let offsets: [[Int]]
    let outputShape: [Int]

    var reads: [ValueID] { [input] }
    var writes: [ValueID] { [output] }

    func execute(_ context: StepContext) {
        let src = context.input(input), dst = context.pointer(output)
        let rank = outputShape.count
        let inner = outputShape[rank - 1]
        let rows = outputShape.dropLast().reduce(1, *)
        let table = offsets
        let shape = outputShape
        Parallel.forRanges(rows, parts: Parallel.partCount(work: rows * inner, minimumPerPart: 1 << 14)) { range in
            for r in range {
                var rest = r, base = 0
                for axis in stride(from: rank - 2, through: 0, by: -1) {
                    let i = rest % shape[axis]
                    rest /= shape[axis]
                    base += table[axis][i]
                }
                let row = dst + r * inner
                let last = table[rank - 1]
                for j in 0..<inner { row[j] = src[base + last[j]] }
            }
        }
    }

    /// Nil unless the resize is nearest with no extrapolation.
    init?(node: Node, op: Resize, graph: Graph) {
        guard op.mode == .nearest else { return nil }
        let x = graph.type(of: node.inputs[0]).shape
        guard !x.isEmpty else { return nil }
        let strides = ShapeArithmetic.strides(x)
        var offsets: [[Int]] = []
        for axis in x.indices {
            var axisOffsets: [Int] = []
            for taps in ReferenceKernels.resizeTaps(op, axis: axis, inputLength: x[axis]) {
                guard let taps, taps.count == 1, taps[0].weight == 1 else { return nil }
                axisOffsets.append(taps[0].index * strides[axis])
            }
            offsets.append(axisOffsets)
        }
        nodeName = node.displayName
        input = node.inputs[0]
        output = node.outputs[0]
        self.offsets = offsets
        outputShape = op.outputShape
    }
}
