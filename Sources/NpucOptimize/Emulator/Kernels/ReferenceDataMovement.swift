// Reference integer data movement (the domain is kept, integers are copied): slice, split,
// reshape, transpose, depth-to-space, space-to-depth and pad (constant, edge, reflect); and
// concat, which takes every input to the output domain.

import NpucGraph

extension ReferenceKernels {
    /// y[j] = x[start + j · step] along every axis.
    static func slice(_ a: Slice, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let xStrides = IndexMath.strides(x.shape)
        var result = [Int32]()
        result.reserveCapacity(output.shape.reduce(1, *))
        var odometer = Odometer(output.shape)
        while !odometer.done {
            var offset = 0
            for axis in output.shape.indices { offset += (a.starts[axis] + odometer.index[axis] * a.steps[axis]) * xStrides[axis] }
            result.append(x.data[offset])
            odometer.advance()
        }
        return result
    }

    /// Consecutive parts along `axis`, of `sizes`.
    static func split(_ a: Split, x: IntValue) -> [[Int32]] {
        let outer = x.shape[..<a.axis].reduce(1, *)
        let inner = x.shape[(a.axis + 1)...].reduce(1, *)
        let length = x.shape[a.axis]
        var start = 0
        return a.sizes.map { size in
            var part = [Int32]()
            part.reserveCapacity(outer * size * inner)
            for o in 0..<outer {
                let from = (o * length + start) * inner
                part.append(contentsOf: x.data[from..<(from + size * inner)])
            }
            start += size
            return part
        }
    }

    /// y[index] = x[permuted index].
    static func transpose(_ a: Transpose, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let xStrides = IndexMath.strides(x.shape)
        var result = [Int32]()
        result.reserveCapacity(x.count)
        var odometer = Odometer(output.shape)
        while !odometer.done {
            var offset = 0
            for (axis, source) in a.permutation.enumerated() { offset += odometer.index[axis] * xStrides[source] }
            result.append(x.data[offset])
            odometer.advance()
        }
        return result
    }

    /// y[n, c, h·b + by, w·b + bx] = x[n, channel, h, w], channel = (by·b + bx)·C' + c (DCR) or
    /// c·b² + by·b + bx (CRD).
    static func depthToSpace(_ a: DepthToSpace, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let b = a.blockSize
        let (batch, outC, outH, outW) = (output.shape[0], output.shape[1], output.shape[2], output.shape[3])
        let (inC, inH, inW) = (x.shape[1], x.shape[2], x.shape[3])
        var result = [Int32]()
        result.reserveCapacity(x.count)
        for n in 0..<batch {
            for c in 0..<outC {
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        let (h, by) = (oh / b, oh % b), (w, bx) = (ow / b, ow % b)
                        let channel = a.mode == .dcr ? (by * b + bx) * outC + c : c * b * b + by * b + bx
                        result.append(x.data[((n * inC + channel) * inH + h) * inW + w])
                    }
                }
            }
        }
        return result
    }

    /// y[n, (by·b + bx)·C + c, h, w] = x[n, c, h·b + by, w·b + bx].
    static func spaceToDepth(_ a: SpaceToDepth, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let b = a.blockSize
        let (batch, outC, outH, outW) = (output.shape[0], output.shape[1], output.shape[2], output.shape[3])
        let (inC, inH, inW) = (x.shape[1], x.shape[2], x.shape[3])
        var result = [Int32]()
        result.reserveCapacity(x.count)
        for n in 0..<batch {
            for oc in 0..<outC {
                let block = oc / inC, c = oc % inC
                let (by, bx) = (block / b, block % b)
                for h in 0..<outH {
                    for w in 0..<outW {
                        result.append(x.data[((n * inC + c) * inH + h * b + by) * inW + w * b + bx])
                    }
                }
            }
        }
        return result
    }

    /// The input index output index `o` reads along an axis, or nil for the constant value.
    static func padSource(_ o: Int, padBegin: Int, length: Int, mode: Pad.Mode) -> Int? {
        let i = o - padBegin
        if i >= 0 && i < length { return i }
        switch mode {
        case .constant:
            return nil
        case .edge:
            return Swift.min(Swift.max(i, 0), length - 1)
        case .reflect:
            // Mirror about the first and last elements without repeating them.
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

    static func pad(_ a: IntegerPad, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let xStrides = IndexMath.strides(x.shape)
        var result = [Int32]()
        result.reserveCapacity(output.shape.reduce(1, *))
        var odometer = Odometer(output.shape)
        while !odometer.done {
            var offset = 0
            var constant = false
            for axis in output.shape.indices {
                if let source = padSource(odometer.index[axis], padBegin: a.padsBegin[axis], length: x.shape[axis], mode: a.mode) {
                    offset += source * xStrides[axis]
                } else {
                    constant = true
                }
            }
            result.append(constant ? Int32(a.value) : x.data[offset])
            odometer.advance()
        }
        return result
    }

    /// Input i becomes Clamp(Z_out + RSH((q − Z_i) · I_i, P_i), 0, Q), placed along `axis`.
    static func concat(_ op: IntegerConcat, inputs: [IntValue], output: QuantizedValueInfo) -> [Int32] {
        let outer = output.shape[..<op.axis].reduce(1, *)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        var result = [Int32]()
        result.reserveCapacity(output.shape.reduce(1, *))
        let blocks = inputs.map { $0.shape[op.axis...].reduce(1, *) }
        for o in 0..<outer {
            for (i, x) in inputs.enumerated() {
                let c = op.combinations[i]
                let from = o * blocks[i]
                for j in from..<(from + blocks[i]) {
                    result.append(concatElement(x.data[j], zero: x.zero, combination: c, outputZero: zOut, maxQ: q))
                }
            }
        }
        return result
    }

    /// One input integer of a concatenation in the output's domain:
    /// Clamp(Z_out + RSH((q − Z_in) · m, s), 0, Q).
    @inline(__always)
    static func concatElement(_ v: Int32, zero: Int64, combination c: LinearCombination, outputZero zOut: Int64, maxQ q: Int64) -> Int32 {
        Int32(IndexMath.clamp(zOut + Rounding.rsh((Int64(v) - zero) * c.factors[0], c.precision), 0, q))
    }
}
