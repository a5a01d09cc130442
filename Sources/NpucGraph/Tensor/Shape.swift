// Shape arithmetic with overflow checks: element counts, strides, broadcasting.

/// The largest number of elements npuc accepts in one tensor (2^31 − 1): larger shapes are
/// reported as errors instead of being allocated.
public let maxTensorElements = Int(Int32.max)

public enum ShapeArithmetic {
    /// Product of `dims`, or nil when a dimension is negative or the product exceeds
    /// `maxTensorElements`.
    public static func elementCount(_ dims: [Int]) -> Int? {
        var count = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= maxTensorElements else { return nil }
            count = product
        }
        return count
    }

    /// Row-major strides of `dims`.
    public static func strides(_ dims: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: dims.count)
        var s = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= dims[i]
        }
        return strides
    }

    /// NumPy-style multidirectional broadcast of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Normalizes a possibly negative axis against `rank`; nil when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }

    /// "1×3×640×640", the way npuc prints shapes.
    public static func describe(_ dims: [Int]) -> String {
        dims.isEmpty ? "scalar" : dims.map(String.init).joined(separator: "×")
    }
}
