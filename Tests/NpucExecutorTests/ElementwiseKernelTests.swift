// Fast binary elementwise kernels against the reference (bit-identical) on random broadcast
// shapes, and the fast max pooling and nearest resize steps through the executor.

import NpucExecutor
import NpucGraph
import NpucKernels
import Testing

@Suite("Fast elementwise kernels vs reference")
struct ElementwiseKernelTests {
    static func randomBroadcastPair(_ rng: inout SeededRandom) -> ([Int], [Int]) {
        let rank = rng.int(1...4)
        let out = (0..<rank).map { _ in rng.int(1...9) }
        func operand(_ rng: inout SeededRandom) -> [Int] {
            let dropped = rng.int(0...rank - 1)
            return out.dropFirst(rng.bool() ? dropped : 0).map { rng.int(0...2) == 0 ? 1 : $0 }
        }
        return (operand(&rng), operand(&rng))
    }

    @Test("add, sub, mul, div, max, min with broadcasting are bit-identical", arguments: 0..<40)
    func broadcasting(seed: Int) {
        var rng = SeededRandom(seed: UInt64(seed) &+ 77)
        let (aShape, bShape) = Self.randomBroadcastPair(&rng)
        let outShape = ShapeArithmetic.broadcast(aShape, bShape)!
        var a = rng.floats(aShape.reduce(1, *), in: -3...3)
        let b = rng.floats(bShape.reduce(1, *), in: -3...3)
        if !a.isEmpty { a[0] = .nan }
        if a.count > 1 { a[1] = -0.0 }
        for (function, fast) in [(Elementwise.Function.add, BinaryFunction.add), (.sub, .sub), (.mul, .mul), (.div, .div),
                                 (.max, .max), (.min, .min)] {
            let op = Elementwise(function)
            let reference = withViews([(a, aShape), (b, bShape)], outputShape: outShape) { v, y in
                ReferenceKernels.elementwise(op, a: v[0], b: v[1], y: y)
            }
            var got = [Float](repeating: 0, count: outShape.reduce(1, *))
            let aStrides = Self.strides(aShape, outShape), bStrides = Self.strides(bShape, outShape)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    got.withUnsafeMutableBufferPointer { po in
                        BinaryKernels.run(fast, a: pa.baseAddress!, aStrides: aStrides, b: pb.baseAddress!, bStrides: bStrides,
                                          out: po.baseAddress!, shape: outShape)
                    }
                }
            }
            #expect(bitIdentical(got, reference), "\(function) \(aShape) \(bShape): \(firstDifference(got, reference))")
        }
    }

    /// Broadcast strides computed independently of the executor's helper.
    static func strides(_ shape: [Int], _ out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: out.count - shape.count) + shape
        var result = [Int](repeating: 0, count: out.count)
        var step = 1
        for axis in (0..<out.count).reversed() {
            result[axis] = padded[axis] == 1 ? 0 : step
            step *= padded[axis]
        }
        return result
    }
}
