// Reference reductions (mean, max, min, sum, L2) over a set of axes.

import NpucGraph

extension ReferenceKernels {
    /// Reduces the axes in `op.axes`: sums, means and L2 norms accumulate in Double; max and min
    /// propagate NaN.
    public static func reduce(_ op: Reduce, x: FloatView, y: MutableFloatView) {
        let reduced = Set(op.axes)
        let kept = x.shape.indices.filter { !reduced.contains($0) }
        let xStrides = x.strides
        let keptShape = kept.map { x.shape[$0] }
        let reducedShape = op.axes.map { x.shape[$0] }
        let reducedCount = reducedShape.reduce(1, *)
        var outer = IndexOdometer(keptShape)
        var i = 0
        while !outer.done {
            var base = 0
            for (k, axis) in kept.enumerated() { base += outer.index[k] * xStrides[axis] }
            var sum = 0.0, sumOfSquares = 0.0
            var maximum = -Float.infinity, minimum = Float.infinity
            var inner = IndexOdometer(reducedShape)
            while !inner.done {
                var offset = base
                for (k, axis) in op.axes.enumerated() { offset += inner.index[k] * xStrides[axis] }
                let v = x[offset]
                sum += Double(v)
                sumOfSquares += Double(v) * Double(v)
                if v.isNaN || maximum.isNaN { maximum = .nan } else if v > maximum { maximum = v }
                if v.isNaN || minimum.isNaN { minimum = .nan } else if v < minimum { minimum = v }
                inner.advance()
            }
            switch op.function {
            case .sum: y[i] = Float(sum)
            case .mean: y[i] = Float(sum / Double(reducedCount))
            case .l2: y[i] = Float(sumOfSquares.squareRoot())
            case .max: y[i] = maximum
            case .min: y[i] = minimum
            }
            i += 1
            outer.advance()
        }
    }
}
