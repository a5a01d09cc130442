// Calibration on the real model (not a speed assertion — it prints the numbers): YOLOv8n-DocLayNet
// cut at 640 (imported as `npuc parser onnx … --tensor-shapes images=1,3,640,640` does), with
// normalization([0,0,0],[255,255,255]) folded, calibrated on the 64 document pages and on 1500
// samples; prints seconds per sample for one and two samples in flight and the peak RSS of the
// calibration itself. Needs .fixtures (models, pages), a release build and NPUC_CALIB_BENCH=1:
//   NPUC_CALIB_BENCH=1 swift test -c release -Xcc -mavx2 -Xcc -mfma -Xswiftc -DNPUC_KERNELS_X86_64_V3 \
//       --filter CalibrationBenchmarks
// (without the flags the executor falls back to its reference kernels on x86-64).
// NPUC_CALIB_BENCH_1500=1 adds the 1500-sample run.

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport
import NpucIO
import NpucOptimize
import Testing

let calibrationFixtures = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appending(path: ".fixtures")
let benchmarkModel = calibrationFixtures.appending(path: "models/yolov8n-doclaynet.onnx")
let benchmarkPages = calibrationFixtures.appending(path: "pages/calib")
let benchmarksEnabled: Bool = {
    #if DEBUG
    return false
    #else
    return ProcessInfo.processInfo.environment["NPUC_CALIB_BENCH"] == "1"
        && FileManager.default.fileExists(atPath: benchmarkModel.path) && FileManager.default.fileExists(atPath: benchmarkPages.path)
    #endif
}()

/// Peak resident set size of this process so far (VmHWM), in MiB; nil off Linux.
func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

/// Resets the peak RSS to the current RSS (Linux: write 5 to /proc/self/clear_refs).
func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// CPU seconds (user + system) this process has used so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}

/// The 1-minute load average (other processes competing for the cores).
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

@Suite("Calibration benchmarks", .serialized,
       .enabled(if: benchmarksEnabled, "set NPUC_CALIB_BENCH=1, build in release and fetch .fixtures (scripts/fetch-fixtures.sh)"))
struct CalibrationBenchmarks {
    static let endNodes = ["/model.22/cv2.0/cv2.0.2/Conv", "/model.22/cv3.0/cv3.0.2/Conv", "/model.22/cv2.1/cv2.1.2/Conv",
                           "/model.22/cv3.1/cv3.1.2/Conv", "/model.22/cv2.2/cv2.2.2/Conv", "/model.22/cv3.2/cv3.2.2/Conv"]

    static func model() throws -> Graph {
        let options = ImportOptions(endNodeNames: endNodes, tensorShapes: ["images": [1, 3, 640, 640]])
        let parsed = try ONNXImporter.importModel(at: benchmarkModel, options: options).graph
        return try parsed.applying([FoldBatchNorm(), FoldNormalization(mean: [0, 0, 0], std: [255, 255, 255])])
    }

    @Test("YOLOv8n-DocLayNet 640, 64 pages: seconds per sample with 1 and 2 samples in flight, with histograms, MSE ranges, peak RSS")
    func pages64() throws {
        let graph = try Self.model()
        let folder = FileManager.default.temporaryDirectory.appending(path: "npuc-calib-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var opened: CalibrationSamples?
        let prepare = try seconds { opened = try CalibrationData.imageFolder(benchmarkPages).open(for: graph) }
        let samples = try #require(opened)
        print("executor uses the fast kernels: \(try FloatExecutor(graph).usesFastKernels)")
        print("64 pages decoded and resized to 640×640 (temporary uint8 set): \(String(format: "%.2f", prepare)) s")
        for parallel in [1, 2] {
            let calibrator = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: parallel))
            resetPeakResident()
            var result: CalibrationResult?
            let cpu = processCPUSeconds()
            let t = try seconds { result = try calibrator.collect(samples) }
            let used = processCPUSeconds() - cpu
            let r = try #require(result)
            #expect(r.samples == 64 && r.statistics.count > 200)
            print("min/max statistics only, \(parallel) sample(s) in flight: \(String(format: "%.2f", t)) s wall = \(String(format: "%.3f", t / 64)) s/sample, "
                + "\(String(format: "%.1f", used)) s CPU (\(String(format: "%.2f", used / t)) cores busy), load \(loadAverage()), "
                + "peak RSS \(String(format: "%.0f", peakResidentMiB() ?? -1)) MiB, \(r.statistics.count) values")
            if parallel == 2 {
                var binned: CalibrationResult?
                resetPeakResident()
                let h = try seconds { binned = try calibrator.collect(samples, histograms: nil) }
                let withHistograms = try #require(binned)
                print("ranges and histograms of every value in one pass (up to 4096 bins each): \(String(format: "%.2f", h)) s = "
                    + "\(String(format: "%.3f", h / 64)) s/sample (histograms add \(String(format: "%.2f", h - t)) s), "
                    + "peak RSS \(String(format: "%.0f", peakResidentMiB() ?? -1)) MiB")
                var ranges: [String: ClosedRange<Double>] = [:]
                let m = try seconds { ranges = try ActivationRanges.ranges(withHistograms.statistics, method: .mse) }
                let p = try seconds { _ = try ActivationRanges.ranges(withHistograms.statistics, method: .percentile(lower: 0.01, upper: 99.99)) }
                print("MSE ranges of \(ranges.count) values: \(String(format: "%.2f", m)) s; percentile ranges: \(String(format: "%.3f", p)) s")
            }
        }
    }

    @Test("YOLOv8n-DocLayNet 640, 1500 samples from a .npy: time and peak RSS (memory bounded by the batch)",
          .enabled(if: ProcessInfo.processInfo.environment["NPUC_CALIB_BENCH_1500"] == "1", "set NPUC_CALIB_BENCH_1500=1"))
    func samples1500() throws {
        let graph = try Self.model()
        let folder = FileManager.default.temporaryDirectory.appending(path: "npuc-calib-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 1500 rows: the 64 pages repeated, each repetition shifted 7 pixels further to the right.
        let pages = try CalibrationData.imageFolder(benchmarkPages).open(for: graph)
        let url = folder.appending(path: "calib1500.npy")
        let writer = try NpyStreamWriter(destination: url, dataType: .uint8, rowShape: [640, 640, 3])
        for i in 0..<1500 {
            let chw = try pages.input(i % 64).floats
            let shift = (i / 64) * 7
            var row = [UInt8](repeating: 0, count: 640 * 640 * 3)
            for y in 0..<640 {
                for x in 0..<640 {
                    let sx = (x + 640 - shift % 640) % 640
                    for c in 0..<3 { row[(y * 640 + x) * 3 + c] = UInt8(chw[c * 640 * 640 + y * 640 + sx]) }
                }
            }
            try writer.appendRows(littleEndianBytes: row)
        }
        try writer.finish()
        let samples = try CalibrationData.npy(url).open(for: graph)
        #expect(samples.count == 1500)
        let calibrator = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: 2))
        resetPeakResident()
        let before = peakResidentMiB() ?? -1
        var result: CalibrationResult?
        let cpu = processCPUSeconds()
        let t = try seconds { result = try calibrator.collect(samples) }
        let used = processCPUSeconds() - cpu
        #expect(result?.samples == 1500)
        print("1500 samples, min/max statistics, 2 in flight: \(String(format: "%.1f", t)) s wall = \(String(format: "%.3f", t / 1500)) s/sample, "
            + "\(String(format: "%.0f", used)) s CPU, load \(loadAverage()), "
            + "RSS at start \(String(format: "%.0f", before)) MiB, peak RSS \(String(format: "%.0f", peakResidentMiB() ?? -1)) MiB")
    }
}
