// `npuc demo`: the whole workflow on the built-in tiny YOLOv8-style detector, no downloads —
// write the ONNX model, parse it (first uncut, to show the recommendation, then at the head
// convolutions), optimize it with a model script on generated calibration pictures, and run the
// quantized network next to the float one. The compile stage joins when it arrives.

import ArgumentParser
import Foundation
import NpucGraph
import NpucImport
import NpucIO
import NpucOptimize
import NpucRunner

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the workflow end to end on a built-in tiny YOLOv8-style detector (no downloads)."
    )

    @Option(help: "Folder for the demo's files.")
    var outputDir = "npuc-demo"

    @Option(help: "Target NPU.")
    var hwArch: HardwareArch = .default

    func run() throws {
        do {
            try runDemo()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportFailure(error)
        }
    }

    func runDemo() throws {
        let dir = URL(fileURLWithPath: outputDir, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let modelURL = dir.appendingPathComponent("tiny_yolov8.onnx")
        try AtomicFile.write(TinyDetector.onnxModel(), to: modelURL)
        print("[1/4] wrote the built-in model \(modelURL.path) (YOLOv8-style, \(TinyDetector.inputSize)×\(TinyDetector.inputSize), classes: \(TinyDetector.classNames.joined(separator: ", ")))")

        print("[2/4] npuc parser onnx \(modelURL.path)   # uncut: the detection head's decoding is not NPU work")
        let runner = ClientRunner(hwArch: hwArch)
        var ends = [String]()
        switch Result(catching: { () throws(ParsingError) in try runner.translateONNX(modelURL, netName: "tiny_yolov8") }) {
        case .success:
            print("      parsed without a cut")
        case .failure(.unsupportedNodes(let report)):
            print(report.description.split(separator: "\n").map { "      | \($0)" }.joined(separator: "\n"))
            ends = report.recommendedEndNodes
        case .failure(let error):
            throw error
        }
        print("      npuc parser onnx \(modelURL.lastPathComponent) --end-node-names \(ends.joined(separator: " "))")
        let archive = try runner.translateONNX(modelURL, netName: "tiny_yolov8", endNodeNames: ends)
        let archiveURL = dir.appendingPathComponent("tiny_yolov8.npar")
        try archive.write(to: archiveURL)
        print(ArchiveSummary(archive).text.split(separator: "\n").map { "      \($0)" }.joined(separator: "\n"))
        print("      wrote \(archiveURL.path)")

        // Optimize: the walkthrough's script lines on generated pictures (pixels 0…255).
        let scriptText = """
            normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
            model_optimization_flavor(optimization_level=2, compression_level=0)
            """
        let scriptURL = dir.appendingPathComponent("tiny_yolov8.alls")
        try AtomicFile.write(Array((scriptText + "\n").utf8), to: scriptURL)
        let calibration = Self.pictures(count: 16, size: TinyDetector.inputSize, seed: 1)
        let calibrationURL = dir.appendingPathComponent("calib_set.npy")
        try AtomicFile.write(NumPy.encode(calibration), to: calibrationURL)
        print("[3/4] npuc optimize \(archiveURL.lastPathComponent) --calib-set-path \(calibrationURL.lastPathComponent) --model-script \(scriptURL.lastPathComponent)")
        let script = try runner.loadModelScript(scriptText, fileName: scriptURL.path)
        let result = try runner.optimize(.tensor(calibration, name: calibrationURL.path), script: script)
        let optimizedURL = dir.appendingPathComponent("tiny_yolov8_optimized.npar")
        try runner.saveArchive(to: optimizedURL)
        for (name, snr) in result.summary.outputSNR.sorted(by: { $0.key < $1.key }) {
            print(String(format: "      output SNR %6.2f dB  %@", snr, name))
        }
        print("      wrote \(optimizedURL.path)")

        // Run: one new picture through the float and the quantized network.
        print("[4/4] npuc infer \(optimizedURL.lastPathComponent) --context native|quantized")
        let picture = Self.pictures(count: 1, size: TinyDetector.inputSize, seed: 99)
        let inputName = runner.archive.map { $0.graph[$0.graph.inputs[0]].name } ?? "images"
        let nchw = picture.nhwcToNCHWFloats()
        let native = try runner.infer([inputName: Tensor(shape: nchw.shape, float32: nchw.floats.map { $0 / 255 })], context: .native)
        let quantized = try runner.infer([inputName: nchw], context: .quantized)
        for name in native.keys.sorted() {
            guard let q = quantized[name] else { continue }
            let f = native[name]!.floats, g = q.floats
            let signal = f.reduce(0) { $0 + Double($1) * Double($1) }
            let noise = zip(f, g).reduce(0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            print(String(format: "      quantized vs float %6.2f dB  %@", 10 * log10(signal / max(noise, 1e-30)), name))
        }
        print("      the compiler (hef) stage is not built yet")
    }

    /// Smooth generated pictures (gradients and a few rectangles), N×H×W×3 uint8 pixels.
    static func pictures(count: Int, size: Int, seed: UInt64) -> Tensor {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var pixels = [UInt8](repeating: 0, count: count * size * size * 3)
        for n in 0..<count {
            let tint = (0..<3).map { _ in next() * 255 }
            let boxes = (0..<3).map { _ in (x: Int(next() * Double(size)), y: Int(next() * Double(size)), w: 4 + Int(next() * Double(size / 2)),
                                             h: 4 + Int(next() * Double(size / 2)), c: (0..<3).map { _ in next() * 255 }) }
            for y in 0..<size {
                for x in 0..<size {
                    for c in 0..<3 {
                        var v = tint[c] * Double(x + y) / Double(2 * size)
                        for b in boxes where x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h { v = b.c[c] }
                        pixels[((n * size + y) * size + x) * 3 + c] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
            }
        }
        return Tensor(shape: [count, size, size, 3], storage: .uint8(pixels))
    }
}
