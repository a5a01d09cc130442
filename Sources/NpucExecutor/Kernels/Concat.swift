// Reference concatenation.

import NpucGraph

extension ReferenceKernels {
    /// Copies each input's block for every outer index (the product of the axes before `axis`)
    /// after the previous inputs' blocks.
    public static func concat(_ op: Concat, inputs: [FloatView], y: MutableFloatView) {
        let outer = y.shape[..<op.axis].reduce(1, *)
        let inner = y.shape[(op.axis + 1)...].reduce(1, *)
        let outBlock = y.shape[op.axis] * inner
        var offset = 0
        for x in inputs {
            let block = x.shape[op.axis] * inner
            for o in 0..<outer {
                for i in 0..<block { y[o * outBlock + offset + i] = x[o * block + i] }
            }
            offset += block
        }
    }
}
