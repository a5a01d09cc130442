// Reference integer elementwise layers with NumPy broadcasting: add/sub (a linear combination of
// both operands' q − Z), mul (the product of both operands' q − Z), scale by a constant (q − Z),
// each followed by its epilogue; and max/min (each operand taken to the output domain first).

import NpucGraph

extension ReferenceKernels {
    /// The operands of an elementwise layer as values (constants become values of their domain).
    static func operandValues(_ operands: [IntegerOperand], inputs: [IntValue]) -> [IntValue] {
        operands.map { operand in
            switch operand {
            case .input(let i): return inputs[i]
            case .constant(let k):
                return IntValue(shape: k.values.shape, domain: k.domain, data: k.values.int64s.map { Int32(truncatingIfNeeded: $0) })
            }
        }
    }

    /// Calls `body(i, a, b)` for every output element i with the operands' integers there.
    static func forEachBroadcast(_ a: IntValue, _ b: IntValue, outputShape: [Int], _ body: (Int, Int64, Int64) -> Void) {
        if a.shape == outputShape && b.shape == outputShape {
            for i in 0..<a.count { body(i, Int64(a.data[i]), Int64(b.data[i])) }
            return
        }
        let sa = IndexMath.broadcastStrides(a.shape, to: outputShape)
        let sb = IndexMath.broadcastStrides(b.shape, to: outputShape)
        var odometer = Odometer(outputShape)
        var i = 0
        while !odometer.done {
            var ia = 0, ib = 0
            for axis in outputShape.indices {
                ia += odometer.index[axis] * sa[axis]
                ib += odometer.index[axis] * sb[axis]
            }
            body(i, Int64(a.data[ia]), Int64(b.data[ib]))
            i += 1
            odometer.advance()
        }
    }

    /// The output channel (axis 1) of flat index `i` of `shape`, for per-channel epilogues.
    static func channelIndexer(_ shape: [Int]) -> (Int) -> Int {
        guard shape.count >= 2 else { return { _ in 0 } }
        let inner = shape[2...].reduce(1, *), channels = shape[1]
        return { ($0 / inner) % channels }
    }

    /// acc = RSH((qa − Za) · Ia + (qb − Zb) · Ib, P); then the epilogue.
    static func addSub(_ op: IntegerAddSub, inputs: [IntValue], output: QuantizedValueInfo) -> [Int32] {
        let v = operandValues(op.operands, inputs: inputs)
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let ia = op.combination.factors[0], ib = op.combination.factors[1], p = op.combination.precision
        let za = v[0].zero, zb = v[1].zero
        let channel = channelIndexer(output.shape)
        var result = [Int32](repeating: 0, count: output.shape.reduce(1, *))
        forEachBroadcast(v[0], v[1], outputShape: output.shape) { i, a, b in
            let acc = Rounding.rsh((a - za) * ia + (b - zb) * ib, p)
            result[i] = epilogue.apply(acc, channel: channel(i))
        }
        return result
    }

    /// acc = (qa − Za) · (qb − Zb); then the epilogue.
    static func mul(_ op: IntegerMul, inputs: [IntValue], output: QuantizedValueInfo) -> [Int32] {
        let v = operandValues(op.operands, inputs: inputs)
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let za = v[0].zero, zb = v[1].zero
        let channel = channelIndexer(output.shape)
        var result = [Int32](repeating: 0, count: output.shape.reduce(1, *))
        forEachBroadcast(v[0], v[1], outputShape: output.shape) { i, a, b in
            result[i] = epilogue.apply((a - za) * (b - zb), channel: channel(i))
        }
        return result
    }

    /// acc = q − Z; then the epilogue (whose multiplier holds the constant).
    static func scale(_ op: IntegerScale, x: IntValue, output: QuantizedValueInfo) -> [Int32] {
        let epilogue = EpilogueKernel(op.epilogue, output: output.domain)
        let channel = channelIndexer(output.shape)
        return x.data.indices.map { i in epilogue.apply(Int64(x.data[i]) - x.zero, channel: channel(i)) }
    }

    /// r = Clamp(Z_out + RSH((q − Z) · I, P), 0, Q) for each operand; then max or min.
    static func maxMin(_ op: IntegerMaxMin, inputs: [IntValue], output: QuantizedValueInfo) -> [Int32] {
        let v = operandValues(op.operands, inputs: inputs)
        let zOut = Int64(output.domain.zeroPoint), q = Int64(output.domain.maxQ)
        let ca = op.combinations[0], cb = op.combinations[1]
        let za = v[0].zero, zb = v[1].zero
        let isMax = op.function == .max
        var result = [Int32](repeating: 0, count: output.shape.reduce(1, *))
        forEachBroadcast(v[0], v[1], outputShape: output.shape) { i, a, b in
            let ra = IndexMath.clamp(zOut + Rounding.rsh((a - za) * ca.factors[0], ca.precision), 0, q)
            let rb = IndexMath.clamp(zOut + Rounding.rsh((b - zb) * cb.factors[0], cb.precision), 0, q)
            result[i] = Int32(isMax ? Swift.max(ra, rb) : Swift.min(ra, rb))
        }
        return result
    }
}
