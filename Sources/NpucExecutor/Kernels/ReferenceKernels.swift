// The reference kernels: one simple, obviously right implementation per IR op (one file per
// op in this folder), written for clarity over speed. They define the executor's float
// semantics; every fast path is tested against them.

import NpucGraph

/// Namespace of the reference kernels; each op's file adds its function.
public enum ReferenceKernels {
    /// Strides of `shape` broadcast to `outputShape` (0 along broadcast axes; NumPy rules, the
    /// shorter shape aligned to the right).
    static func broadcastStrides(_ shape: [Int], to outputShape: [Int]) -> [Int] {
        let own = ShapeArithmetic.strides(shape)
        let offset = outputShape.count - shape.count
        return outputShape.indices.map { axis in
            let a = axis - offset
            guard a >= 0 else { return 0 }
            return shape[a] == 1 && outputShape[axis] != 1 ? 0 : own[a]
        }
    }

    /// All multi-indices of `shape` in row-major order.
    static func multiIndices(_ shape: [Int]) -> [[Int]] {
        var result = [[Int]]()
        var odometer = IndexOdometer(shape)
        while !odometer.done {
            result.append(odometer.index)
            odometer.advance()
        }
        return result
    }
}
