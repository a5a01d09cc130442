// Reference split.

import NpucGraph

extension ReferenceKernels {
    /// Output k receives, for every outer index, its `sizes[k]` slices along `axis`.
    public static func split(_ op: Split, x: FloatView, outputs: [MutableFloatView]) {
        let outer = x.shape[..<op.axis].reduce(1, *)
        let inner = x.shape[(op.axis + 1)...].reduce(1, *)
        let inBlock = x.shape[op.axis] * inner
        var offset = 0
        for (k, y) in outputs.enumerated() {
            let block = op.sizes[k] * inner
            for o in 0..<outer {
                for i in 0..<block { y[o * block + i] = x[o * inBlock + offset + i] }
            }
            offset += block
        }
    }
}
