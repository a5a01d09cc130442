// Typed windows onto float memory: what every kernel reads and writes. A view is a base pointer
// and a row-major shape; it does not own its memory.

import NpucGraph

public struct FloatView {
    public let base: UnsafePointer<Float>
    public let shape: [Int]

    public init(_ base: UnsafePointer<Float>, _ shape: [Int]) {
        self.base = base
        self.shape = shape
    }

    public var count: Int { shape.reduce(1, *) }
    public var strides: [Int] { ShapeArithmetic.strides(shape) }
    public subscript(_ i: Int) -> Float { base[i] }
}

public struct MutableFloatView {
    public let base: UnsafeMutablePointer<Float>
    public let shape: [Int]

    public init(_ base: UnsafeMutablePointer<Float>, _ shape: [Int]) {
        self.base = base
        self.shape = shape
    }

    public var count: Int { shape.reduce(1, *) }
    public var strides: [Int] { ShapeArithmetic.strides(shape) }
    public var readOnly: FloatView { FloatView(UnsafePointer(base), shape) }
    public subscript(_ i: Int) -> Float {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// Iterates multi-indices of a shape in row-major order (the odometer the reference kernels use).
struct IndexOdometer {
    let shape: [Int]
    private(set) var index: [Int]
    private(set) var done: Bool

    init(_ shape: [Int]) {
        self.shape = shape
        index = [Int](repeating: 0, count: shape.count)
        done = shape.contains(0)
    }

    mutating func advance() {
        var axis = shape.count - 1
        while axis >= 0 {
            index[axis] += 1
            if index[axis] < shape[axis] { return }
            index[axis] = 0
            axis -= 1
        }
        done = true
    }
}
