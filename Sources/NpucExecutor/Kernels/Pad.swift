// Reference padding (constant, reflect, edge, wrap; negative pads crop).

import NpucGraph

extension ReferenceKernels {
    /// The input index that output index `o` reads along an axis of length `length`, or nil
    /// when it reads the constant value.
    static func padSource(_ o: Int, padBegin: Int, length: Int, mode: Pad.Mode) -> Int? {
        let i = o - padBegin
        if i >= 0 && i < length { return i }
        switch mode {
        case .constant:
            return nil
        case .edge:
            return min(max(i, 0), length - 1)
        case .reflect:
            // Mirror about the first and last elements without repeating them (NumPy "reflect").
            if length == 1 { return 0 }
            let period = 2 * (length - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < length ? m : period - m
        case .wrap:
            var m = i % length
            if m < 0 { m += length }
            return m
        }
    }

    public static func pad(_ op: Pad, x: FloatView, y: MutableFloatView) {
        let xStrides = x.strides
        var odometer = IndexOdometer(y.shape)
        var i = 0
        while !odometer.done {
            var offset = 0
            var constant = false
            for axis in y.shape.indices {
                if let source = padSource(odometer.index[axis], padBegin: op.padsBegin[axis], length: x.shape[axis], mode: op.mode) {
                    offset += source * xStrides[axis]
                } else {
                    constant = true
                }
            }
            y[i] = constant ? op.value : x[offset]
            i += 1
            odometer.advance()
        }
    }
}
