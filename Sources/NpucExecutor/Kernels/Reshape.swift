// Reference reshape and transpose.

import NpucGraph

extension ReferenceKernels {
    /// The same elements in the same order.
    public static func reshape(x: FloatView, y: MutableFloatView) {
        for i in 0..<x.count { y[i] = x[i] }
    }

    /// y[i_0, …] = x at the index whose axis permutation[k] is i_k.
    public static func transpose(_ op: Transpose, x: FloatView, y: MutableFloatView) {
        let xStrides = x.strides
        let permutedStrides = op.permutation.map { xStrides[$0] }
        var odometer = IndexOdometer(y.shape)
        var i = 0
        while !odometer.done {
            var offset = 0
            for axis in y.shape.indices { offset += odometer.index[axis] * permutedStrides[axis] }
            y[i] = x[offset]
            i += 1
            odometer.advance()
        }
    }
}
