// Reference softmax.

import Foundation
import NpucGraph

extension ReferenceKernels {
    /// y = exp(x − max) / Σ exp(x − max) along `axis`, computed in Double.
    public static func softmax(_ op: Softmax, x: FloatView, y: MutableFloatView) {
        let outer = x.shape[..<op.axis].reduce(1, *)
        let length = x.shape[op.axis]
        let inner = x.shape[(op.axis + 1)...].reduce(1, *)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var maximum = -Double.infinity
                for k in 0..<length { maximum = max(maximum, Double(x[base + k * inner])) }
                var sum = 0.0
                for k in 0..<length { sum += Foundation.exp(Double(x[base + k * inner]) - maximum) }
                for k in 0..<length {
                    y[base + k * inner] = Float(Foundation.exp(Double(x[base + k * inner]) - maximum) / sum)
                }
            }
        }
    }
}
