// Reference max and average pooling (any spatial rank), and global pooling.

import NpucGraph

extension ReferenceKernels {
    /// The larger of two values ignoring NaN (NaN only when both are NaN), +0 above −0: an
    /// order-independent maximum, so that any window traversal gives the same bits. ONNX's
    /// reference max pooling also drops NaN (it pads with NaN and takes the max of the rest).
    @inline(__always)
    public static func poolMaximum(_ a: Float, _ b: Float) -> Float {
        if a.isNaN { return b }
        if b.isNaN { return a }
        if a == b { return a.sign == .plus ? a : b }
        return a > b ? a : b
    }

    /// For output position o along an axis: the input indices i = o·s − padBegin + k·d of the
    /// window taps that lie inside the padded extent [−padBegin, L + padEnd) (taps past it, which
    /// ceil mode can create, are not part of the window).
    static func poolWindow(_ op: Pooling, axis: Int, output o: Int, inputLength: Int) -> [Int] {
        (0..<op.kernelShape[axis]).map { k in o * op.strides[axis] - op.padsBegin[axis] + k * op.dilations[axis] }
            .filter { $0 < inputLength + op.padsEnd[axis] }
    }

    /// Max pooling: the maximum (`poolMaximum`) of the window's taps inside the input.
    public static func maxPool(_ op: Pooling, x: FloatView, y: MutableFloatView) {
        pool(op, x: x, y: y) { values, _ in
            values.reduce(Float.nan, poolMaximum)
        }
    }

    /// Average pooling: the sum (in Double) of the taps inside the input divided by their count,
    /// or, with count_include_pad, by the count of taps inside the padded extent (padding
    /// counts as zeros).
    public static func averagePool(_ op: Pooling, x: FloatView, y: MutableFloatView) {
        pool(op, x: x, y: y) { values, paddedCount in
            let sum = values.reduce(0.0) { $0 + Double($1) }
            let count = op.countIncludePad ? paddedCount : values.count
            return count == 0 ? 0 : Float(sum / Double(count))
        }
    }

    /// Visits every output position with the input values of its window (in row-major tap
    /// order) and the number of its taps inside the padded extent.
    private static func pool(_ op: Pooling, x: FloatView, y: MutableFloatView, reduce: ([Float], Int) -> Float) {
        let planes = x.shape[0] * x.shape[1]
        let inSpatial = Array(x.shape[2...]), outSpatial = Array(y.shape[2...])
        let inStrides = ShapeArithmetic.strides(inSpatial)
        let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
        let outPositions = multiIndices(outSpatial)
        var values = [Float]()
        for plane in 0..<planes {
            let source = x.base + plane * inPlane
            for (p, o) in outPositions.enumerated() {
                let windows = o.indices.map { poolWindow(op, axis: $0, output: o[$0], inputLength: inSpatial[$0]) }
                let paddedCount = windows.reduce(1) { $0 * $1.count }
                values.removeAll(keepingCapacity: true)
                for taps in multiIndices(windows.map(\.count)) {
                    var offset = 0
                    var inside = true
                    for axis in taps.indices {
                        let i = windows[axis][taps[axis]]
                        if i < 0 || i >= inSpatial[axis] { inside = false }
                        offset += i * inStrides[axis]
                    }
                    if inside { values.append(source[offset]) }
                }
                y[plane * outPlane + p] = reduce(values, paddedCount)
            }
        }
    }

    /// Global average pooling: the mean (summed in Double) of each N×C plane.
    public static func globalAveragePool(x: FloatView, y: MutableFloatView) {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.count / max(planes, 1)
        for p in 0..<planes {
            var sum = 0.0
            for i in 0..<plane { sum += Double(x[p * plane + i]) }
            y[p] = Float(sum / Double(plane))
        }
    }

    /// Global max pooling: the maximum (`poolMaximum`) of each N×C plane.
    public static func globalMaxPool(x: FloatView, y: MutableFloatView) {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.count / max(planes, 1)
        for p in 0..<planes {
            var m = Float.nan
            for i in 0..<plane { m = poolMaximum(m, x[p * plane + i]) }
            y[p] = m
        }
    }
}
