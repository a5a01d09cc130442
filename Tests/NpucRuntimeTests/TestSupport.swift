// Shared helpers for the runtime tests: NCHW tensors filled cell by cell, small heads, and the
// fixture paths (tests that need fetched fixtures skip when they are absent).

import Foundation
import NpucGraph
@testable import NpucRuntime

/// A 1×C×H×W float tensor filled with `fill`, with `set` writing single (channel, y, x) values.
struct TensorBuilder {
    let channels: Int, height: Int, width: Int
    var values: [Float]

    init(channels: Int, height: Int, width: Int, fill: Float) {
        self.channels = channels
        self.height = height
        self.width = width
        values = [Float](repeating: fill, count: channels * height * width)
    }

    mutating func set(_ channel: Int, y: Int, x: Int, _ value: Float) {
        values[(channel * height + y) * width + x] = value
    }

    var tensor: Tensor { Tensor(shape: [1, channels, height, width], float32: values) }
}

/// The logistic function, written out independently of the library's.
func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

func yolov8Head(classes: Int, regMax: Int, strides: [Int], input: Int) -> DetectionHead {
    DetectionHead(metaArchitecture: .yolov8, numberOfClasses: classes, regMax: regMax, classNames: [],
                  inputSize: [input, input],
                  branches: strides.enumerated().map { i, s in DetectionHead.Branch(stride: s, boxNode: "box\(i)", classNode: "cls\(i)") })
}

func box(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> BoundingBox {
    BoundingBox(x1: x1, y1: y1, x2: x2, y2: y2)
}

func detection(_ b: BoundingBox, _ score: Double, class c: Int = 0, anchor: Int = 0) -> Detection {
    Detection(box: b, score: score, classIndex: c, anchorIndex: anchor)
}

enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".fixtures")
    static let checkNpz = root.appendingPathComponent("reference/postprocess-check.npz")
    static let checkJSON = root.appendingPathComponent("reference/postprocess-check.json")
    static let ortReference = root.appendingPathComponent("reference/yolov8n-cut640-ort")

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
    static let hasCheck = exists(checkNpz) && exists(checkJSON)
    static let hasORTReference = exists(ortReference.appendingPathComponent("meta.json"))
}
