// Reference strided slice.

import NpucGraph

extension ReferenceKernels {
    /// y[j] = x[start + j·step] along every axis.
    public static func slice(_ op: Slice, x: FloatView, y: MutableFloatView) {
        let xStrides = x.strides
        var odometer = IndexOdometer(y.shape)
        var i = 0
        while !odometer.done {
            var offset = 0
            for axis in y.shape.indices {
                offset += (op.starts[axis] + odometer.index[axis] * op.steps[axis]) * xStrides[axis]
            }
            y[i] = x[offset]
            i += 1
            odometer.advance()
        }
    }
}
