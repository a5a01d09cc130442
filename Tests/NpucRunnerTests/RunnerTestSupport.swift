// Helpers for the runner tests that drive the built `npuc` binary and compare outputs: running the
// executable next to the test bundle, temporary folders, an optimized tiny detector, SNR.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import NpucRunner
import Testing

enum RunnerPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let images = packageRoot.appendingPathComponent("Tests/Fixtures/images")
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-runner-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs the `npuc` executable built next to the test bundle (OptimizeTestSupport.swift's runner).
typealias NpucRun = OptimizeCLIResult
typealias NpucBinary = OptimizeCLI

/// The script that folds pixels / 255 into the tiny detector (what Ultralytics exports expect).
let unitNormalizationScript = """
    normalization1 = normalization([0, 0, 0], [255, 255, 255])
    model_optimization_flavor(optimization_level=0, compression_level=0)
    """

/// The tiny detector optimized with `script` on seeded random raw pixels; the runner holds it.
func optimizedTinyDetector(script text: String = unitNormalizationScript, samples: Int = 8) throws -> ClientRunner {
    let runner = try tinyDetectorRunner()
    let script = try runner.loadModelScript(text, fileName: "tiny.alls")
    try runner.optimize(.random(count: samples, seed: 11), script: script)
    return runner
}

/// A seeded raw-pixel image tensor (0…255 integers) of `shape`, as float32.
func rawPixels(_ shape: [Int], seed: UInt64) -> Tensor {
    var state = seed
    let count = shape.reduce(1, *)
    let values = (0..<count).map { _ -> Float in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float((state >> 33) % 256)
    }
    return Tensor(shape: shape, float32: values)
}

/// 10·log10(Σ ref² / Σ (ref − x)²).
func snr(_ reference: Tensor, _ measured: Tensor) -> Double {
    let (s, n) = SNRAccumulator.terms(reference: reference.floats, measured: measured.floats)
    return SNRAccumulator.decibels(signal: s, noise: n)
}
