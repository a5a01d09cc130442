// Pointwise activations over float buffers, 8 lanes at a time. ReLU, leaky ReLU and clip are
// bit-identical to their float definitions (same comparisons, one correctly rounded product);
// sigmoid and SiLU use VectorMath and are within its stated ulp bound.

public enum PointwiseFunction: Sendable, Hashable {
    case identity
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    case silu

    @inline(__always)
    public func apply(_ x: Float8) -> Float8 {
        switch self {
        case .identity:
            return x
        case .relu:
            // x > 0 ? x : (NaN ? x : +0)
            return x.replacing(with: 0, where: x .<= 0)
        case .leakyRelu(let alpha):
            return (x * alpha).replacing(with: x, where: x .>= 0)
        case .clip(let lo, let hi):
            // max(lo, x) = x >= lo ? x : lo; min(hi, m) = m < hi ? m : hi; NaN passes through.
            let low = Float8(repeating: lo).replacing(with: x, where: x .>= lo)
            var y = Float8(repeating: hi).replacing(with: low, where: low .< hi)
            y.replace(with: x, where: x .!= x)
            return y
        case .sigmoid:
            return VectorMath.sigmoid(x)
        case .silu:
            return VectorMath.silu(x)
        }
    }

    /// The scalar form, lane-for-lane identical to `apply(_: Float8)`.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        apply(Float8(repeating: x))[0]
    }
}

public enum ActivationKernels {
    /// output[i] = f(input[i]) for i in 0..<count (input and output may be the same buffer).
    public static func apply(_ f: PointwiseFunction, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             count: Int) {
        if f == .identity {
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
            return
        }
        let parts = Parallel.partCount(work: count, minimumPerPart: 1 << 15)
        Parallel.forRanges(count, parts: parts) { range in
            applySerial(f, input: input + range.lowerBound, output: output + range.lowerBound, count: range.count)
        }
    }

    /// The single-threaded loop (used inside already-parallel kernels).
    @inline(__always)
    public static func applySerial(_ f: PointwiseFunction, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                   count: Int) {
        // One loop per function, two vectors per iteration, so each body is inlined and the
        // long dependency chains of sigmoid overlap.
        switch f {
        case .identity:
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
        case .relu: map(input, output, count) { PointwiseFunction.relu.apply($0) }
        case .leakyRelu(let alpha): map(input, output, count) { PointwiseFunction.leakyRelu(alpha: alpha).apply($0) }
        case .clip(let lo, let hi): map(input, output, count) { PointwiseFunction.clip(min: lo, max: hi).apply($0) }
        case .sigmoid: map(input, output, count) { VectorMath.sigmoid($0) }
        case .silu: map(input, output, count) { VectorMath.silu($0) }
        }
    }

    @inline(__always)
    static func map(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int,
                    _ body: (Float8) -> Float8) {
        let src = UnsafeRawPointer(input), dst = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 16 <= count {
            let v0 = src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            let v1 = src.loadUnaligned(fromByteOffset: i * 4 + 32, as: Float8.self)
            let y0 = body(v0), y1 = body(v1)
            dst.storeBytes(of: y0, toByteOffset: i * 4, as: Float8.self)
            dst.storeBytes(of: y1, toByteOffset: i * 4 + 32, as: Float8.self)
            i += 16
        }
        while i + 8 <= count {
            dst.storeBytes(of: body(src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)), toByteOffset: i * 4, as: Float8.self)
            i += 8
        }
        if i < count {
            var tail = Float8()
            for j in 0..<(count - i) { tail[j] = input[i + j] }
            let y = body(tail)
            for j in 0..<(count - i) { output[i + j] = y[j] }
        }
    }
}
