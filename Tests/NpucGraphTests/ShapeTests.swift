// Shape arithmetic, half-float conversion and each op's shape inference, checked against values
// worked out by hand from ONNX's definitions.

import Foundation
import Testing
@testable import NpucGraph

struct ShapeArithmeticTests {
    @Test func broadcastFollowsNumPy() {
        #expect(ShapeArithmetic.broadcast([1, 64, 80, 80], [64, 1, 1]) == [1, 64, 80, 80])
        #expect(ShapeArithmetic.broadcast([3, 4, 5], [5]) == [3, 4, 5])
        #expect(ShapeArithmetic.broadcast([2, 1], [1, 3]) == [2, 3])
        #expect(ShapeArithmetic.broadcast([], [2, 2]) == [2, 2])
        #expect(ShapeArithmetic.broadcast([3, 4], [2, 4]) == nil)
    }

    @Test func elementCountRejectsOverflowAndNegatives() {
        #expect(ShapeArithmetic.elementCount([1, 3, 640, 640]) == 1_228_800)
        #expect(ShapeArithmetic.elementCount([]) == 1)
        #expect(ShapeArithmetic.elementCount([0, 5]) == 0)
        #expect(ShapeArithmetic.elementCount([1, 3, 1_000_000, 1_000_000]) == nil)
        #expect(ShapeArithmetic.elementCount([Int.max, 2]) == nil)
        #expect(ShapeArithmetic.elementCount([-1, 4]) == nil)
    }

    @Test func stridesAndAxes() {
        #expect(ShapeArithmetic.strides([2, 3, 4]) == [12, 4, 1])
        #expect(ShapeArithmetic.normalizeAxis(-1, rank: 4) == 3)
        #expect(ShapeArithmetic.normalizeAxis(4, rank: 4) == nil)
        #expect(ShapeArithmetic.describe([1, 3, 640, 640]) == "1×3×640×640")
    }

    @Test func halfFloatBitPatterns() {
        #expect(HalfFloat.fromFloat(1) == 0x3C00)
        #expect(HalfFloat.fromFloat(-2) == 0xC000)
        #expect(HalfFloat.fromFloat(65504) == 0x7BFF)
        #expect(HalfFloat.fromFloat(70000) == 0x7C00)
        #expect(HalfFloat.fromFloat(Float(sign: .plus, exponent: -24, significand: 1)) == 0x0001)
        // 1 + 2^-11 is halfway between 1 and the next half (1 + 2^-10): ties go to even (1).
        #expect(HalfFloat.fromFloat(1 + Float(sign: .plus, exponent: -11, significand: 1)) == 0x3C00)
        #expect(HalfFloat.fromFloat(1 + 3 * Float(sign: .plus, exponent: -11, significand: 1)) == 0x3C02)
        for bits: UInt16 in [0x0000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x3555, 0x7BFF, 0x8001, 0xFBFF] {
            #expect(HalfFloat.fromFloat(HalfFloat.toFloat(bits)) == bits)
        }
        #expect(HalfFloat.toFloat(0x7C00) == .infinity)
        #expect(HalfFloat.toFloat(0x7E00).isNaN)
    }
}

struct OpShapeInferenceTests {
    @Test func convolutionOutputSizes() throws {
        let conv = Convolution(kernelShape: [3, 3], strides: [2, 2], dilations: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], group: 1)
        let out = try conv.inferOutputTypes([.float32([1, 3, 640, 640]), .float32([16, 3, 3, 3]), .float32([16])])
        #expect(out == [.float32([1, 16, 320, 320])])
        // Depthwise, dilated: 7 + 0 − (2·2 + 1) = 2 → 3 outputs.
        let dw = Convolution(kernelShape: [3, 3], strides: [1, 1], dilations: [2, 2], padsBegin: [0, 0], padsEnd: [0, 0], group: 8)
        #expect(try dw.inferOutputTypes([.float32([1, 8, 7, 7]), .float32([8, 1, 3, 3])]) == [.float32([1, 8, 3, 3])])
        #expect(dw.isDepthwise(inputChannels: 8))
        #expect(throws: ShapeInferenceError.self) { try conv.inferOutputTypes([.float32([1, 4, 8, 8]), .float32([16, 3, 3, 3])]) }
        #expect(throws: ShapeInferenceError.self) { try conv.inferOutputTypes([.float32([1, 3, 8, 8]), .float32([16, 3, 3, 3]), .float32([8])]) }
    }

    @Test func poolingCeilModeDropsAWindowStartingInThePadding() throws {
        func out(_ input: Int, k: Int, s: Int, pads: (Int, Int), ceil: Bool) throws -> Int {
            let pool = Pooling(kernelShape: [k], strides: [s], dilations: [1], padsBegin: [pads.0], padsEnd: [pads.1],
                               ceilMode: ceil, countIncludePad: false)
            return try pool.inferOutputTypes([.float32([1, 1, input])])[0].shape[2]
        }
        #expect(try out(5, k: 2, s: 2, pads: (0, 0), ceil: false) == 2)
        #expect(try out(5, k: 2, s: 2, pads: (0, 0), ceil: true) == 3)
        // ceil would give 2, but the second window would start at 2 ≥ 2 + 0 (in the end padding).
        #expect(try out(2, k: 2, s: 2, pads: (0, 1), ceil: true) == 1)
        #expect(try out(32, k: 5, s: 1, pads: (2, 2), ceil: false) == 32)
    }

    @Test func convTransposeOutputLength() throws {
        #expect(ConvTranspose.outputLength(input: 3, kernel: 3, stride: 3, dilation: 1, padBegin: 0, padEnd: 0, outputPadding: 1) == 10)
        let op = ConvTranspose(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0],
                               outputPadding: [0, 0], group: 1)
        #expect(try op.inferOutputTypes([.float32([1, 8, 5, 5]), .float32([8, 4, 2, 2])]) == [.float32([1, 4, 10, 10])])
    }

    @Test func sliceResolvesLikeONNX() {
        // Negative indices, clamping, negative steps.
        #expect(Slice.resolve(start: -3, end: Int64.max, step: 1, dim: 10) == (7, 10, 1))
        #expect(Slice.resolve(start: 20, end: -20, step: -1, dim: 10) == (9, -1, -1))
        #expect(Slice.length(start: 9, end: -1, step: -1) == 10)
        #expect(Slice.length(start: 0, end: 10, step: 3) == 4)
        #expect(Slice.length(start: 5, end: 2, step: 1) == 0)
    }

    @Test func resizeCoordinates() {
        let r = Resize(mode: .linear, coordinateTransformation: .halfPixel, nearestMode: .roundPreferFloor,
                       scales: [1, 1, 2, 0.5], outputShape: [1, 1, 8, 2])
        #expect(r.sourceCoordinate(0, axis: 2, inputLength: 4) == -0.25)
        #expect(r.sourceCoordinate(3, axis: 2, inputLength: 4) == 1.25)
        #expect(r.sourceCoordinate(1, axis: 3, inputLength: 4) == 2.5)
        var a = r
        a.coordinateTransformation = .alignCorners
        #expect(a.sourceCoordinate(7, axis: 2, inputLength: 4) == 3)
        a.coordinateTransformation = .asymmetric
        #expect(a.sourceCoordinate(3, axis: 2, inputLength: 4) == 1.5)
        a.coordinateTransformation = .pytorchHalfPixel
        a.scales = [1, 1, 0.25, 0.5]
        #expect(a.sourceCoordinate(0, axis: 2, inputLength: 4) == -0.5)
        #expect(r.nearestIndex(2.5) == 2)
        var ceilFirst = r
        ceilFirst.nearestMode = .roundPreferCeil
        #expect(ceilFirst.nearestIndex(2.5) == 3)
        #expect(r.nearestIndex(2.6) == 3)
        ceilFirst.nearestMode = .floor
        #expect(ceilFirst.nearestIndex(2.9) == 2)
    }

    @Test func layoutOps() throws {
        #expect(try DepthToSpace(blockSize: 2, mode: .dcr).inferOutputTypes([.float32([1, 8, 3, 3])]) == [.float32([1, 2, 6, 6])])
        #expect(try SpaceToDepth(blockSize: 2).inferOutputTypes([.float32([1, 2, 6, 6])]) == [.float32([1, 8, 3, 3])])
        #expect(try Transpose(permutation: [0, 2, 3, 1]).inferOutputTypes([.float32([1, 3, 4, 5])]) == [.float32([1, 4, 5, 3])])
        #expect(try Split(axis: 1, sizes: [16, 48]).inferOutputTypes([.float32([1, 64, 8, 8])]).map(\.shape) == [[1, 16, 8, 8], [1, 48, 8, 8]])
        #expect(throws: ShapeInferenceError.self) { try Split(axis: 1, sizes: [16, 16]).inferOutputTypes([.float32([1, 64, 8, 8])]) }
        #expect(try Concat(axis: 1).inferOutputTypes([.float32([1, 3, 4, 4]), .float32([1, 5, 4, 4])]) == [.float32([1, 8, 4, 4])])
        #expect(try Reduce(function: .mean, axes: [2, 3], keepDims: false).inferOutputTypes([.float32([1, 8, 4, 4])]) == [.float32([1, 8])])
        #expect(try Reshape(shape: [1, 64, 6400]).inferOutputTypes([.float32([1, 64, 80, 80])]) == [.float32([1, 64, 6400])])
        #expect(throws: ShapeInferenceError.self) { try Reshape(shape: [1, 64, 6000]).inferOutputTypes([.float32([1, 64, 80, 80])]) }
        #expect(try Pad(mode: .reflect, padsBegin: [0, 0, 1, 1], padsEnd: [0, 0, 1, 1], value: 0).inferOutputTypes([.float32([1, 1, 3, 3])])
                == [.float32([1, 1, 5, 5])])
        #expect(throws: ShapeInferenceError.self) {
            try Pad(mode: .reflect, padsBegin: [0, 0, 3, 0], padsEnd: [0, 0, 0, 0], value: 0).inferOutputTypes([.float32([1, 1, 3, 3])])
        }
    }

    @Test func activationsMatchTheirDefinitions() {
        #expect(Activation(.silu).apply(2) == Float(2 / (1 + Foundation.exp(-2.0))))
        #expect(Activation(.hardSwish).apply(1) == Float(1.0 * (1.0 / 6 + 0.5)))
        #expect(Activation(.clip(min: 0, max: 6)).apply(7) == 6)
        #expect(Activation(.leakyRelu(alpha: 0.1)).apply(-2) == Float(-0.2))
        #expect(Activation(.relu).apply(-0.0) == 0)
        #expect(Activation(.sigmoid).apply(-100) > 0)
    }
}
