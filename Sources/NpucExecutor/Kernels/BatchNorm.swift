// Reference inference-mode batch normalization.

import NpucGraph

extension ReferenceKernels {
    /// y = (x − mean[c]) / sqrt(var[c] + ε) · scale[c] + bias[c], each step rounded to float in
    /// that order (as ONNX's reference computes it in float32), c the axis-1 index.
    public static func batchNorm(_ op: BatchNorm, x: FloatView, scale: FloatView, bias: FloatView, mean: FloatView,
                                 variance: FloatView, y: MutableFloatView) {
        let batch = x.shape[0], channels = x.shape[1]
        let inner = x.shape.count > 2 ? x.shape[2...].reduce(1, *) : 1
        for n in 0..<batch {
            for c in 0..<channels {
                let deviation = (variance[c] + op.epsilon).squareRoot()
                let base = (n * channels + c) * inner
                for i in 0..<inner {
                    y[base + i] = (x[base + i] - mean[c]) / deviation * scale[c] + bias[c]
                }
            }
        }
    }
}
