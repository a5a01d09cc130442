// Binary elementwise arithmetic with NumPy broadcasting, 8 lanes at a time. Each lane computes
// exactly what the scalar definition does (one IEEE operation, or the same comparisons for
// max/min), so results are bit-identical to the reference kernel.

public enum BinaryFunction: Sendable, Hashable {
    case add, sub, mul, div, max, min

    /// NaN if either operand is NaN; otherwise b ≥ a ? b : a (max) and b < a ? b : a (min),
    /// which is what Swift.max and Swift.min return.
    @inline(__always)
    public func apply(_ a: Float8, _ b: Float8) -> Float8 {
        switch self {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return a / b
        case .max:
            // One mask per step: combining masks with .| compiles to a lane-by-lane loop.
            var r = a.replacing(with: b, where: b .>= a)
            r.replace(with: a, where: a .!= a)
            r.replace(with: b, where: b .!= b)
            return r
        case .min:
            var r = a.replacing(with: b, where: b .< a)
            r.replace(with: a, where: a .!= a)
            r.replace(with: b, where: b .!= b)
            return r
        }
    }
}

public enum BinaryKernels {
    /// out[i] = f(a[i·], b[i·]) over `shape` (row-major, `out` contiguous), where `aStrides` and
    /// `bStrides` give each operand's element stride per axis (0 along broadcast axes).
    public static func run(_ f: BinaryFunction, a: UnsafePointer<Float>, aStrides: [Int], b: UnsafePointer<Float>,
                           bStrides: [Int], out: UnsafeMutablePointer<Float>, shape: [Int]) {
        // Merge adjacent axes that both operands walk the same way, so the innermost loop is long.
        var dims: [(size: Int, sa: Int, sb: Int)] = []
        for axis in shape.indices where shape[axis] != 1 {
            let d = (size: shape[axis], sa: aStrides[axis], sb: bStrides[axis])
            if let last = dims.last, last.sa == d.sa * d.size, last.sb == d.sb * d.size {
                dims[dims.count - 1] = (last.size * d.size, d.sa, d.sb)
            } else {
                dims.append(d)
            }
        }
        if shape.contains(0) { return }
        if dims.isEmpty { dims = [(1, 0, 0)] }
        let inner = dims.removeLast()
        let outerCount = dims.reduce(1) { $0 * $1.size }
        let total = outerCount * inner.size
        let outerDims = dims
        // Parallelize over the outer rows, or over chunks of one long row.
        if outerCount == 1 {
            let parts = Parallel.partCount(work: total, minimumPerPart: 1 << 15)
            Parallel.forRanges(inner.size, parts: parts) { range in
                row(f, a: a + range.lowerBound * inner.sa, sa: inner.sa, b: b + range.lowerBound * inner.sb, sb: inner.sb,
                    out: out + range.lowerBound, count: range.count)
            }
            return
        }
        let parts = Parallel.partCount(work: total, minimumPerPart: 1 << 15)
        Parallel.forRanges(outerCount, parts: parts) { range in
            for r in range {
                var rest = r, oa = 0, ob = 0
                for d in outerDims.reversed() {
                    let i = rest % d.size
                    rest /= d.size
                    oa += i * d.sa
                    ob += i * d.sb
                }
                row(f, a: a + oa, sa: inner.sa, b: b + ob, sb: inner.sb, out: out + r * inner.size, count: inner.size)
            }
        }
    }

    /// One row where each operand's stride is 0 (a repeated scalar) or 1 (contiguous).
    @inline(__always)
    static func row(_ f: BinaryFunction, a: UnsafePointer<Float>, sa: Int, b: UnsafePointer<Float>, sb: Int,
                    out: UnsafeMutablePointer<Float>, count: Int) {
        guard (sa == 0 || sa == 1) && (sb == 0 || sb == 1) else {
            for i in 0..<count {
                out[i] = f.apply(Float8(repeating: a[i * sa]), Float8(repeating: b[i * sb]))[0]
            }
            return
        }
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), ro = UnsafeMutableRawPointer(out)
        let aScalar = Float8(repeating: a[0]), bScalar = Float8(repeating: b[0])
        var i = 0
        while i + 8 <= count {
            let va = sa == 1 ? ra.loadUnaligned(fromByteOffset: i * 4, as: Float8.self) : aScalar
            let vb = sb == 1 ? rb.loadUnaligned(fromByteOffset: i * 4, as: Float8.self) : bScalar
            ro.storeBytes(of: f.apply(va, vb), toByteOffset: i * 4, as: Float8.self)
            i += 8
        }
        while i < count {
            out[i] = f.apply(Float8(repeating: a[i * sa]), Float8(repeating: b[i * sb]))[0]
            i += 1
        }
    }
}

public enum CopyKernels {
    /// Copies `blocks` runs of `length` floats from `source` (runs `sourceStride` apart) to
    /// `destination` (runs `destinationStride` apart), in parallel when large.
    public static func copyBlocks(from source: UnsafePointer<Float>, sourceStride: Int, to destination: UnsafeMutablePointer<Float>,
                                  destinationStride: Int, blocks: Int, length: Int) {
        if blocks == 0 || length == 0 { return }
        let total = blocks * length
        if blocks == 1 {
            let parts = Parallel.partCount(work: total, minimumPerPart: 1 << 16)
            Parallel.forRanges(length, parts: parts) { range in
                (destination + range.lowerBound).update(from: source + range.lowerBound, count: range.count)
            }
            return
        }
        let parts = Parallel.partCount(work: total, minimumPerPart: 1 << 16)
        Parallel.forRanges(blocks, parts: parts) { range in
            for k in range {
                (destination + k * destinationStride).update(from: source + k * sourceStride, count: length)
            }
        }
    }
}
