// Pointwise activations over float buffers, 8 lanes at a time. ReLU (x > 0 ? x : +0, NaN kept),
// leaky ReLU (x ≥ 0 ? x : αx) and clip (max(lo, x) then min(hi, ·), NaN kept) are bit-identical
// to their float definitions (same comparisons, one correctly rounded product); sigmoid and
// SiLU use VectorMath and are within its stated ulp bound.

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
        case .identity: return x
        case .relu: return ReLU()(x)
        case .leakyRelu(let alpha): return LeakyReLU(alpha: alpha)(x)
        case .clip(let lo, let hi): return Clip(low: lo, high: hi)(x)
        case .sigmoid: return Sigmoid()(x)
        case .silu: return SiLU()(x)
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
        // One specialized loop per function (generic over the function type, so its body is
        // inlined), two vectors per iteration so the long dependency chains of sigmoid overlap.
        switch f {
        case .identity:
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
        case .relu: map(ReLU(), input, output, count)
        case .leakyRelu(let alpha): map(LeakyReLU(alpha: alpha), input, output, count)
        case .clip(let lo, let hi): map(Clip(low: lo, high: hi), input, output, count)
        case .sigmoid: map(Sigmoid(), input, output, count)
        case .silu: map(SiLU(), input, output, count)
        }
    }

    @inline(__always)
    static func map<F: VectorFunction>(_ f: F, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int) {
        let src = UnsafeRawPointer(input), dst = UnsafeMutableRawPointer(output)
        var i = 0
        while i + 16 <= count {
            let v0 = src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)
            let v1 = src.loadUnaligned(fromByteOffset: i * 4 + 32, as: Float8.self)
            let y0 = f(v0), y1 = f(v1)
            dst.storeBytes(of: y0, toByteOffset: i * 4, as: Float8.self)
            dst.storeBytes(of: y1, toByteOffset: i * 4 + 32, as: Float8.self)
            i += 16
        }
        while i + 8 <= count {
            dst.storeBytes(of: f(src.loadUnaligned(fromByteOffset: i * 4, as: Float8.self)), toByteOffset: i * 4, as: Float8.self)
            i += 8
        }
        if i < count {
            var tail = Float8()
            for j in 0..<(count - i) { tail[j] = input[i + j] }
            let y = f(tail)
            for j in 0..<(count - i) { output[i + j] = y[j] }
        }
    }
}

/// A pointwise function on 8 lanes, as a type, so generic loops specialize and inline it.
public protocol VectorFunction {
    func callAsFunction(_ x: Float8) -> Float8
}

public struct Identity: VectorFunction {
    public init() {}
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 { x }
}

public struct ReLU: VectorFunction {
    public init() {}
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 { x.replacing(with: 0, where: x .<= 0) }
}

public struct LeakyReLU: VectorFunction {
    public var alpha: Float
    public init(alpha: Float) { self.alpha = alpha }
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 { (x * alpha).replacing(with: x, where: x .>= 0) }
}

public struct Clip: VectorFunction {
    public var low: Float, high: Float
    public init(low: Float, high: Float) { self.low = low; self.high = high }
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 {
        let lower = Float8(repeating: low).replacing(with: x, where: x .>= low)
        var y = Float8(repeating: high).replacing(with: lower, where: lower .< high)
        y.replace(with: x, where: x .!= x)
        return y
    }
}

public struct Sigmoid: VectorFunction {
    public init() {}
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 { VectorMath.sigmoid(x) }
}

public struct SiLU: VectorFunction {
    public init() {}
    @_transparent public func callAsFunction(_ x: Float8) -> Float8 { VectorMath.silu(x) }
}
