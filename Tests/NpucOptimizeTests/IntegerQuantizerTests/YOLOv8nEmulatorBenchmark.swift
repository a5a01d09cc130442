// A benchmark, not run by default: YOLOv8n-DocLayNet cut at its six head convolutions, at 640×640,
// calibrated by min/max on document pages, quantized at 8 bits and run through the integer
// emulator — timing each stage and checking that the emulator's outputs track the float ones and
// do not depend on the thread count. Run it in a release build:
//   NPUC_EMULATOR_BENCHMARK=1 swift test -c release -Xswiftc -enable-testing --filter YOLOv8nEmulatorBenchmark
// Needs .fixtures/models/yolov8n-doclaynet.onnx (scripts/fetch-fixtures.sh); uses the pages of
// .fixtures/quantization/ort/calib-64.npy when present, else synthetic pages.

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport
import NpucIO
import NpucOptimize
import Testing

@Suite("YOLOv8n integer emulation benchmark")
struct YOLOv8nEmulatorBenchmark {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let model = root.appendingPathComponent(".fixtures/models/yolov8n-doclaynet.onnx")
    static let pages = root.appendingPathComponent(".fixtures/quantization/ort/calib-64.npy")
    static let endNodes = (0..<3).flatMap { ["/model.22/cv2.\($0)/cv2.\($0).2/Conv", "/model.22/cv3.\($0)/cv3.\($0).2/Conv"] }
    static let enabled = ProcessInfo.processInfo.environment["NPUC_EMULATOR_BENCHMARK"] != nil
        && FileManager.default.fileExists(atPath: model.path)

    /// Page `i` as a float32 1×3×640×640 tensor of pixels / 255.
    static func page(_ i: Int, file: NpyFile?) throws -> Tensor {
        let size = 640
        var out = [Float](repeating: 0, count: 3 * size * size)
        if let file {
            let hwc = try file.rows(i..<(i + 1)).int64s
            for y in 0..<size {
                for x in 0..<size {
                    for c in 0..<3 { out[(c * size + y) * size + x] = Float(hwc[(y * size + x) * 3 + c]) / 255 }
                }
            }
        } else {
            // A light page with dark text lines and a few grey blocks.
            var rng = IntegerTestRandom(seed: UInt64(i))
            for k in out.indices { out[k] = 0.95 }
            for _ in 0..<40 {
                let (y0, x0) = (rng.int(0...620), rng.int(0...500))
                let (h, w, level) = (rng.int(4...20), rng.int(20...140), Float(rng.int(0...180)) / 255)
                for c in 0..<3 {
                    for y in y0..<min(y0 + h, size) { for x in x0..<min(x0 + w, size) { out[(c * size + y) * size + x] = level } }
                }
            }
        }
        return Tensor(shape: [1, 3, size, size], float32: out)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    @Test("YOLOv8n at 640: quantize, emulate, compare with float",
          .enabled(if: enabled, "set NPUC_EMULATOR_BENCHMARK=1 and fetch the fixtures (scripts/fetch-fixtures.sh); run in a release build"))
    func yolov8n() throws {
        let options = ImportOptions(endNodeNames: Self.endNodes, tensorShapes: ["images": [1, 3, 640, 640]])
        let graph = try ONNXImporter.importModel(at: Self.model, options: options).graph
        let file = FileManager.default.fileExists(atPath: Self.pages.path) ? try NpyFile(contentsOf: Self.pages) : nil
        let executor = try FloatExecutor(graph)
        let calibration = (0..<4).map { $0 }, evaluation = [60, 61]
        var ranges = [String: ClosedRange<Double>]()
        let calibrate = try Self.seconds {
            ranges = try IntegerTestCalibration.ranges(executor, try calibration.map { ["images": try Self.page($0, file: file)] })
        }
        var network: QuantizedNetwork!
        let quantize = try Self.seconds {
            network = try Quantizer.quantize(graph, ranges: ranges,
                                             config: QuantizerConfig(inputDomains: ["images": QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0)]))
        }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let parallel = try IntegerEmulator(network, options: .init(threads: threads))
        let single = try IntegerEmulator(network, options: .init(threads: 1))
        var report = ["pages: \(file == nil ? "synthetic" : "calib-64.npy"); \(graph.macs) MACs; \(network.layers.count) integer layers",
                      String(format: "calibration (4 float runs): %.1f s; quantization: %.2f s", calibrate, quantize)]
        var worst = Double.infinity
        for i in evaluation {
            let input = ["images": try Self.page(i, file: file)]
            let float = try executor.run(input)
            let q = try network.quantizeInputs(input)
            var outN = [String: Tensor](), out1 = [String: Tensor]()
            let timeN = try Self.seconds { outN = try parallel.run(q) }
            let time1 = try Self.seconds { out1 = try single.run(q) }
            #expect(outN == out1, "outputs differ between \(threads) threads and 1")
            let snrs = try network.outputs.map { name in
                integerTestSNR(float[name]!.floats, try network.dequantize([name: outN[name]!])[name]!.floats)
            }
            worst = min(worst, snrs.min()!)
            report.append(String(format: "page %d: emulator %.2f s on %d threads, %.2f s on 1 thread; head SNR %@ dB", i, timeN, threads, time1,
                                 snrs.map { String(format: "%.1f", $0) }.joined(separator: " / ")))
        }
        print(report.joined(separator: "\n"))
        // Measured: see the report printed above and docs; 8-bit min/max over 4 pages.
        #expect(worst > 5, "worst head SNR \(worst) dB")
    }
}
