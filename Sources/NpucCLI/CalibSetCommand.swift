// `npuc calib-set DIR --size 640 [--letterbox|--crop] [--bgr] [--max N] [--seed S] [--dtype …] -o FILE`:
// turns a folder of images into a calibration-set .npy, streaming; `--stats FILE_OR_DIR` prints
// per-channel statistics of a set and warns when they suggest a mistake.

import ArgumentParser
import Foundation
import NpucGraph
import NpucImages

struct CalibSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calib-set",
        abstract: "Build a calibration set (.npy, N×H×W×3) from a folder of images, or print a set's statistics.",
        discussion: """
            Images (.jpg .jpeg .png .bmp, found recursively) are decoded, fitted to --size and written \
            row by row, so memory stays small whatever the set's size. Unreadable files are skipped and \
            listed with the reason; the command fails only if no image is usable. Fitting: plain resize \
            (default, like cv2.resize), --letterbox (Ultralytics: keep aspect, pad with 114) or --crop \
            (keep aspect, cut the middle). Pixels are RGB unless --bgr. See docs/IMAGES.md.
            """
    )

    @Argument(help: "Folder of images.")
    var folder: String?

    @Option(help: "Model input size: N for N×N, or WIDTHxHEIGHT.")
    var size: String = "640"

    @Flag(help: "Keep the aspect ratio and pad with 114 (Ultralytics' letterbox).")
    var letterbox = false

    @Flag(help: "Keep the aspect ratio and cut out the middle.")
    var crop = false

    @Flag(help: "Write BGR instead of RGB (for models trained on OpenCV-loaded images without conversion).")
    var bgr = false

    @Option(help: "Use at most this many images (chosen by --seed when the folder holds more).")
    var max: Int?

    @Option(help: "Seed of the random choice of images under --max.")
    var seed: UInt64 = 0

    @Option(help: "Element type: uint8 (0–255) or float32 (the same values as floats).")
    var dtype: String = "uint8"

    @Option(name: [.short, .customLong("output")], help: "The .npy file to write.")
    var output: String = "calib_set.npy"

    @Option(help: "Print per-channel min, max, mean and std of a .npy set or a folder of images, and warn about likely mistakes.")
    var stats: String?

    @Option(help: "With --stats: the value range the model expects (0-255 or 0-1).")
    var expectRange: String?

    @Option(help: "With --stats: the channel order the model expects (rgb or bgr).")
    var expectOrder: String?

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        if letterbox && crop { throw ValidationError("--letterbox and --crop exclude each other") }
        if stats == nil && folder == nil { throw ValidationError("give a folder of images (or --stats FILE_OR_DIR)") }
        if stats != nil && folder != nil { throw ValidationError("--stats takes the file or folder itself; drop \(folder!)") }
        if let max, max < 1 { throw ValidationError("--max must be at least 1") }
        guard parseSize(size) != nil else { throw ValidationError("--size must be N or WIDTHxHEIGHT, e.g. 640 or 640x384") }
        guard dtype == "uint8" || dtype == "float32" else { throw ValidationError("--dtype must be uint8 or float32") }
        if let expectRange, InputExpectation.ValueRange(rawValue: expectRange) == nil {
            throw ValidationError("--expect-range must be 0-255 or 0-1")
        }
        if let expectOrder, ChannelOrder(rawValue: expectOrder.lowercased()) == nil {
            throw ValidationError("--expect-order must be rgb or bgr")
        }
    }

    func run() throws {
        do {
            if let stats {
                try printStatistics(stats)
            } else if let folder {
                try build(folder)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportFailure(error)
        }
    }

    private func parseSize(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        if parts.count == 1, let n = parts[0], n > 0, n <= 16384 { return (n, n) }
        if parts.count == 2, let w = parts[0], let h = parts[1], w > 0, h > 0, w <= 16384, h <= 16384 { return (w, h) }
        return nil
    }

    private func build(_ folder: String) throws {
        let (width, height) = parseSize(size)!
        let fit: FitMode = letterbox ? .letterbox : (crop ? .crop : .resize)
        let preprocess = PreprocessOptions(width: width, height: height, fit: fit, channelOrder: bgr ? .bgr : .rgb,
                                           dataType: dtype == "float32" ? .float32 : .uint8)
        let options = CalibrationSetOptions(preprocess: preprocess, maxImages: max, seed: seed)
        let outputURL = URL(fileURLWithPath: output)
        let interactive = isatty(2) == 1
        let showProgress = !quiet
        let progress = ProgressPrinter(interactive: interactive)
        let report = try CalibrationSet.build(from: URL(fileURLWithPath: folder, isDirectory: true), to: outputURL,
                                              options: options) { step in
            if showProgress { progress.show(step) }
        }
        if showProgress { progress.finish() }
        for skipped in report.skipped { printToStderr("npuc: skipped \(skipped.path): \(skipped.reason)") }
        let bytes = report.used.count * preprocess.rowByteCount
        print("wrote \(output): \(report.used.count)×\(ShapeArithmetic.describe(report.rowShape)) \(report.dataType.rawValue) "
            + "(\(formatBytes(bytes)), \(preprocess.channelOrder.rawValue.uppercased()), \(fit.rawValue)) from "
            + "\(report.found) image file\(report.found == 1 ? "" : "s")"
            + (report.skipped.isEmpty ? "" : "; skipped \(report.skipped.count) (listed above)"))
    }

    private func printStatistics(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let statistics = isDirectory.boolValue
            ? try DatasetStatistics.compute(folder: url, channelOrder: bgr ? .bgr : .rgb)
            : try DatasetStatistics.compute(npy: url)
        print(statistics.text)
        for skipped in statistics.skipped { printToStderr("npuc: skipped \(skipped.path): \(skipped.reason)") }
        let expectation = InputExpectation(valueRange: expectRange.flatMap(InputExpectation.ValueRange.init(rawValue:)),
                                           channelOrder: expectOrder.flatMap { ChannelOrder(rawValue: $0.lowercased()) })
        for warning in statistics.warnings(expecting: expectation) { printToStderr("npuc: warning: \(warning)") }
    }

    private func formatBytes(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        return "\(bytes) bytes"
    }
}

/// Progress on stderr: a line rewritten in place on a terminal, a line per tenth otherwise.
private final class ProgressPrinter: @unchecked Sendable {
    private let interactive: Bool
    private var lastTenth = -1
    private let lock = NSLock()

    init(interactive: Bool) { self.interactive = interactive }

    func show(_ step: CalibrationProgress) {
        lock.lock()
        defer { lock.unlock() }
        let line = "calib-set: \(step.processed)/\(step.total) images read, \(step.written) rows written"
        if interactive {
            FileHandle.standardError.write(Data(("\r" + line).utf8))
        } else {
            let tenth = step.total == 0 ? 10 : step.processed * 10 / step.total
            if tenth != lastTenth {
                lastTenth = tenth
                printToStderr(line)
            }
        }
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
