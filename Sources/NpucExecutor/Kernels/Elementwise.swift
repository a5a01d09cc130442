// Reference binary elementwise arithmetic with NumPy broadcasting.

import NpucGraph

extension ReferenceKernels {
    /// y[i] = f(a[broadcast i], b[broadcast i]) with `Elementwise.apply` as f.
    public static func elementwise(_ op: Elementwise, a: FloatView, b: FloatView, y: MutableFloatView) {
        let aStrides = broadcastStrides(a.shape, to: y.shape)
        let bStrides = broadcastStrides(b.shape, to: y.shape)
        var odometer = IndexOdometer(y.shape)
        var i = 0
        while !odometer.done {
            var ia = 0, ib = 0
            for axis in y.shape.indices {
                ia += odometer.index[axis] * aStrides[axis]
                ib += odometer.index[axis] * bStrides[axis]
            }
            y[i] = op.apply(a[ia], b[ib])
            i += 1
            odometer.advance()
        }
    }
}
