// Bad heads, configs and outputs give typed errors that name the tensor or setting and say what
// to do; nothing traps.

import Testing
import NpucGraph
@testable import NpucRuntime

struct PostprocessErrorTests {
    static let head = yolov8Head(classes: 2, regMax: 4, strides: [8, 16], input: 32)
    static let config = DetectionConfig(scoreThreshold: 0.25, iouThreshold: 0.7)

    static var goodOutputs: [Tensor] {
        [Tensor.zeros([1, 16, 4, 4]), Tensor.zeros([1, 2, 4, 4]), Tensor.zeros([1, 16, 2, 2]), Tensor.zeros([1, 2, 2, 2])]
    }

    func problem(_ outputs: [Tensor]) throws -> PostprocessError? {
        let post = try DetectionPostprocessor(head: Self.head, config: Self.config)
        do {
            _ = try post.detections(from: outputs)
            return nil
        } catch {
            return error
        }
    }

    @Test func goodOutputsDecode() throws {
        #expect(try problem(Self.goodOutputs) == nil)
    }

    @Test func wrongOutputCountListsTheEndNodes() throws {
        let error = try #require(try problem(Array(Self.goodOutputs.prefix(3))))
        #expect(error.problem == .outputCount(expected: ["box0", "cls0", "box1", "cls1"], found: 3))
        #expect(error.description.contains("box0, cls0, box1, cls1"))
    }

    @Test func wrongChannelCountNamesTheTensor() throws {
        var outputs = Self.goodOutputs
        outputs[1] = Tensor.zeros([1, 3, 4, 4])
        let error = try #require(try problem(outputs))
        #expect(error.problem == .outputShape(name: "cls0", expected: "1×2×4×4", found: [1, 3, 4, 4]))
        #expect(error.description.hasPrefix("output cls0: shape 1×3×4×4"))
    }

    @Test func swappedBranchesAreCaughtByTheStride() throws {
        var outputs = Self.goodOutputs
        outputs.swapAt(0, 2)
        outputs.swapAt(1, 3)
        let error = try #require(try problem(outputs))
        #expect(error.problem == .outputShape(name: "box0", expected: "1×16×4×4 for stride 8 at input 32×32", found: [1, 16, 2, 2]))
    }

    @Test func boxAndClassGridsMustAgree() throws {
        var outputs = Self.goodOutputs
        outputs[1] = Tensor.zeros([1, 2, 4, 3])
        #expect(try problem(outputs)?.problem == .outputShape(name: "cls0", expected: "1×2×4×4", found: [1, 2, 4, 3]))
    }

    @Test func integerOutputsAndNaNAreRefused() throws {
        var outputs = Self.goodOutputs
        outputs[2] = Tensor(shape: [1, 16, 2, 2], storage: .int8([Int8](repeating: 0, count: 64)))
        #expect(try problem(outputs)?.problem == .outputType(name: "box1", found: .int8))
        outputs = Self.goodOutputs
        var values = [Float](repeating: 0, count: 8)
        values[5] = .nan
        outputs[3] = Tensor(shape: [1, 2, 2, 2], float32: values)
        #expect(try problem(outputs)?.problem == .nonFinite(name: "cls1"))
    }

    @Test func batchOfTwoIsRefused() throws {
        var outputs = Self.goodOutputs
        outputs[0] = Tensor.zeros([2, 16, 4, 4])
        #expect(try problem(outputs)?.problem == .outputShape(name: "box0", expected: "1×16×H×W", found: [2, 16, 4, 4]))
    }

    @Test func badConfigsListEveryProblem() {
        let bad = DetectionConfig(scoreThreshold: 1.5, iouThreshold: -0.1, maxProposalsPerClass: 0, maxTotalProposals: 0, imageDims: [640])
        #expect(bad.problems.count == 5)
        #expect(throws: PostprocessError.self) { try DetectionPostprocessor(head: Self.head, config: bad) }
        do {
            _ = try DetectionPostprocessor(head: Self.head, config: bad)
        } catch {
            #expect(error.description.contains("nms_scores_th is 1.5"))
            #expect(error.description.contains("image_dims"))
        }
    }

    @Test func undecodableHeadsAreRefused() {
        let ssd = DetectionHead(metaArchitecture: .ssd, numberOfClasses: 3, regMax: 0, classNames: [], inputSize: [300, 300],
                                branches: [DetectionHead.Branch(stride: 8, boxNode: "b", classNode: "c", anchorCount: 4)])
        let noAnchors = DetectionHead(metaArchitecture: .yolov5, numberOfClasses: 3, regMax: 0, classNames: [], inputSize: [64, 64],
                                      branches: [DetectionHead.Branch(stride: 8, boxNode: "p3", classNode: "p3", anchorCount: 3)])
        let noBins = yolov8Head(classes: 2, regMax: 0, strides: [8], input: 64)
        for head in [ssd, noAnchors, noBins] {
            #expect {
                try DetectionPostprocessor(head: head, config: Self.config)
            } throws: { error in
                guard let e = error as? PostprocessError, case .unsupportedHead(let what) = e.problem else { return false }
                return what.contains(head.metaArchitecture.displayName)
            }
        }
    }
}
