// Reference pointwise activations and PRelu.

import NpucGraph

extension ReferenceKernels {
    /// y[i] = f(x[i]) with `Activation.apply` (the function's float definition, computed in Double).
    public static func activation(_ op: Activation, x: FloatView, y: MutableFloatView) {
        for i in 0..<x.count { y[i] = op.apply(x[i]) }
    }

    /// y[i] = x[i] ≥ 0 ? x[i] : slope[broadcast i] · x[i].
    public static func prelu(x: FloatView, slope: FloatView, y: MutableFloatView) {
        let slopeStrides = broadcastStrides(slope.shape, to: x.shape)
        var odometer = IndexOdometer(x.shape)
        var i = 0
        while !odometer.done {
            var s = 0
            for axis in x.shape.indices { s += odometer.index[axis] * slopeStrides[axis] }
            let v = x[i]
            y[i] = v >= 0 ? v : slope[s] * v
            i += 1
            odometer.advance()
        }
    }
}
