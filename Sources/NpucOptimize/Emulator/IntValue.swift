// The emulator's working representation of a quantized tensor: its shape, its domain and its
// integers held as Int32 (every activation integer is in [0, 65535]), plus the index helpers the
// reference kernels share (row-major strides, NumPy broadcast strides, an odometer).

import NpucGraph

struct IntValue: Sendable {
    var shape: [Int]
    var domain: QuantDomain
    var data: [Int32]

    var count: Int { data.count }
    var zero: Int64 { Int64(domain.zeroPoint) }

    /// The integers as a uint8 or uint16 tensor.
    var tensor: Tensor {
        domain.bits == 8 ? Tensor(shape: shape, storage: .uint8(data.map { UInt8(truncatingIfNeeded: $0) }))
            : Tensor(shape: shape, storage: .uint16(data.map { UInt16(truncatingIfNeeded: $0) }))
    }
}

/// Row-major multi-index iteration over a shape.
struct Odometer {
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

enum IndexMath {
    static func strides(_ shape: [Int]) -> [Int] { ShapeArithmetic.strides(shape) }

    /// Strides of `shape` broadcast to `outputShape` (NumPy rules: aligned right, 0 along
    /// broadcast axes).
    static func broadcastStrides(_ shape: [Int], to outputShape: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = outputShape.count - shape.count
        return outputShape.indices.map { axis in
            let a = axis - offset
            guard a >= 0 else { return 0 }
            return shape[a] == 1 && outputShape[axis] != 1 ? 0 : own[a]
        }
    }

    /// Clamp(v, lo, hi).
    @inline(__always)
    static func clamp(_ v: Int64, _ lo: Int64, _ hi: Int64) -> Int64 { v < lo ? lo : (v > hi ? hi : v) }
}
