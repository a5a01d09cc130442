// Reference fully connected layer.

import NpucGraph

extension ReferenceKernels {
    /// y[n, m] = b[m] + Σ_k x[n, k] · w[m, k], fused multiply-adds in k order from the bias.
    public static func dense(x: FloatView, w: FloatView, b: FloatView?, y: MutableFloatView) {
        let batch = x.shape[0], depth = x.shape[1], outputs = w.shape[0]
        for n in 0..<batch {
            for m in 0..<outputs {
                var acc: Float = b?[m] ?? 0
                for k in 0..<depth {
                    acc = acc.addingProduct(x[n * depth + k], w[m * depth + k])
                }
                y[n * outputs + m] = acc
            }
        }
    }
}
