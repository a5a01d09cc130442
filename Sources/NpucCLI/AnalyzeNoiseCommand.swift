// `npuc analyze-noise ARCHIVE --data X [--samples N] [--json]`: per-layer SNR of an optimized
// network's integer layers against the float network, accumulated and isolated, worst first,
// with a hint of what to try; a table on stdout (or JSON with --json), progress on stderr.

import ArgumentParser
import Foundation
import NpucImages
import NpucOptimize
import NpucRunner

struct AnalyzeNoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze-noise",
        abstract: "Per-layer quantization noise (SNR) of an optimized archive, worst layers first.",
        discussion: """
            For every layer of the integer network: the accumulated SNR (the whole network quantized \
            up to that layer, against the float network the optimizer prepared) and the isolated SNR \
            (that layer alone, fed the float network's values quantized into its input domains), in \
            dB over all samples: 10·log10(Σ float² / Σ (quantized − float)²). Layers are sorted by \
            isolated SNR, worst first, with a hint: 16-bit or weight clipping for a layer that loses \
            much on its own, a range to force (or more calibration data) when its outputs clip or \
            use little of their range, and "noise comes from earlier layers" when only the \
            accumulated SNR is low. --data is what `npuc optimize` takes as calibration data: a .npy \
            (N×H×W×C or N×C×H×W, uint8 or float, no normalization applied) or a folder of images \
            (raw pixels, fitted like `npuc calib-set`). Use samples the calibration did not see to \
            judge how the quantization generalizes.
            """
    )

    @Argument(help: "The optimized archive (.npar).")
    var archive: String

    @Option(help: "A .npy set or a folder of images.")
    var data: String

    @Option(help: "How many samples to analyze (the first N).")
    var samples: Int = 16

    @Option(help: "How images of a folder are fitted: resize, letterbox or crop.")
    var fit: String = "resize"

    @Flag(help: "Print the results as JSON (sorted keys) instead of a table.")
    var json = false

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("--samples must be at least 1") }
        guard FitMode(rawValue: fit) != nil else { throw ValidationError("--fit must be resize, letterbox or crop") }
    }

    func run() throws {
        do {
            let runner = try ClientRunner(archiveAt: URL(fileURLWithPath: archive))
            let url = URL(fileURLWithPath: data)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw InferError("--data \(data) does not exist; give a .npy set or a folder of images")
            }
            let source: CalibrationData
            if isDirectory.boolValue {
                // Images go in as the prepared network takes them: raw pixels, BGR when the script
                // folded an input_conversion(bgr_to_rgb).
                let bgr = try runner.inferenceSession(.fpOptimized).imageConventions.values.contains { $0.bgr }
                source = .imageFolder(url, fit: FitMode(rawValue: fit)!, channelOrder: bgr ? .bgr : .rgb, maxImages: samples)
            } else {
                source = .npy(url)
            }
            let progress = ProgressLine(enabled: !quiet)
            let report = try runner.analyzeNoise(source, samples: samples) { progress.update(stage: "analyzing sample", done: $0.done, total: $0.total) }
            progress.finish()
            if json {
                print(String(decoding: try report.jsonData(), as: UTF8.self))
            } else {
                print(Self.table(report))
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportFailure(error)
        }
    }

    /// The report as a text table, worst layers first.
    static func table(_ report: NoiseReport) -> String {
        func db(_ v: Double) -> String { v >= 200 ? "exact" : String(format: "%.1f", v) }
        func precision(_ l: LayerNoise) -> String { "a\(l.activationBits)" + (l.weightBits.map { "_w\($0)" } ?? "") }
        let header = ["#", "layer", "ONNX node", "kind", "bits", "accum dB", "isol dB", "hint"]
        var rows = [header]
        for (i, l) in report.layers.enumerated() {
            let onnx = l.sourceNames.first.map { $0 + (l.sourceNames.count > 1 ? " (+\(l.sourceNames.count - 1))" : "") } ?? "-"
            rows.append(["\(i + 1)", l.layer, onnx, l.kind, precision(l), db(l.accumulatedSNR), db(l.isolatedSNR),
                         l.hint.isEmpty ? "-" : l.hint])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (c, cell) in row.enumerated() { widths[c] = max(widths[c], cell.count) } }
        let numeric: Set<Int> = [0, 5, 6]
        var lines = ["noise analysis of \(report.network): \(report.samples) sample\(report.samples == 1 ? "" : "s") from \(report.source); SNR of quantized vs float, worst layers first"]
        for row in rows {
            let cells = row.enumerated().map { c, cell -> String in
                if c == row.count - 1 { return cell }
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return numeric.contains(c) ? pad + cell : cell + pad
            }
            lines.append(cells.joined(separator: "  "))
        }
        for (name, snr) in report.outputSNR.sorted(by: { $0.key < $1.key }) {
            lines.append("output \(name): \(db(snr)) dB")
        }
        return lines.joined(separator: "\n")
    }
}
