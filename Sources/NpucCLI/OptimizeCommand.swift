// `npuc optimize ARCHIVE (--calib-set-path X.npy | --calib-images DIR | --use-random-calib-set)
// [--model-script S.alls] [-o NAME_optimized.npar]`: post-training quantization of a parsed
// network, with progress on stderr and a summary (algorithms, per-output SNR, warnings, time).

import ArgumentParser
import Foundation
import NpucGraph
import NpucImages
import NpucIO
import NpucOptimize
import NpucRunner
import NpucScript

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Quantize a parsed network (.npar) with a calibration set; writes NAME_optimized.npar.",
        discussion: """
        The calibration data is a .npy set (N×H×W×C as `npuc calib-set` writes, or N×C×H×W), a folder \
        of images, or random data (for a quick check only). The model script's \
        model_optimization_flavor(optimization_level=0..4) chooses the algorithms (docs/OPTIMIZATION.md).
        """
    )

    @Argument(help: "The parsed archive.")
    var archive: String

    @Option(help: "Calibration set (.npy).")
    var calibSetPath: String?

    @Option(help: "A folder of images to calibrate on (fitted to the input size like `npuc calib-set`).")
    var calibImages: String?

    @Flag(help: "Calibrate on random data (for trying the flow; the quantized network will be poor).")
    var useRandomCalibSet = false

    @Option(help: "How --calib-images are fitted: resize, letterbox or crop.")
    var fit: String = "resize"

    @Option(help: "Model script (.alls).")
    var modelScript: String?

    @Flag(help: "Warn about model-script commands npuc does not implement instead of refusing them.")
    var ignoreUnsupported = false

    @Option(name: [.short, .customLong("output")], help: "Archive to write (default: NET_NAME_optimized.npar).")
    var output: String?

    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        let sources = [calibSetPath != nil, calibImages != nil, useRandomCalibSet].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give exactly one of --calib-set-path, --calib-images, --use-random-calib-set")
        }
        guard FitMode(rawValue: fit) != nil else { throw ValidationError("--fit must be resize, letterbox or crop") }
    }

    func run() throws {
        do {
            let runner = try ClientRunner(archiveAt: URL(fileURLWithPath: archive))
            var script: ModelScript?
            if let modelScript {
                let text: String
                do {
                    text = try String(contentsOfFile: modelScript, encoding: .utf8)
                } catch {
                    throw ScriptApplicationError("\(modelScript): cannot read the model script (\(error.localizedDescription))")
                }
                script = try runner.loadModelScript(text, fileName: modelScript, ignoreUnsupported: ignoreUnsupported)
                for warning in script?.warnings ?? [] { printToStderr(warning.description) }
            }
            let data: CalibrationData
            if let calibSetPath {
                data = .npy(URL(fileURLWithPath: calibSetPath))
            } else if let calibImages {
                // Images decode as RGB; a script with input_conversion(bgr_to_rgb) makes the network
                // take BGR, so the images are fed in that order.
                var order = ChannelOrder.rgb
                if let held = runner.archive {
                    order = try OptimizationSettings.from(script, graph: held.graph, metadata: held.metadata).expectation.channelOrder ?? .rgb
                }
                data = .imageFolder(URL(fileURLWithPath: calibImages), fit: FitMode(rawValue: fit) ?? .resize,
                                    channelOrder: order)
            } else {
                data = .random(count: 8)
            }
            let progress = ProgressLine(enabled: !quiet)
            let result = try runner.optimize(data, script: script) { p in progress.update(p) }
            progress.finish()
            let destination = URL(fileURLWithPath: output ?? "\(result.archive.netName)_optimized.npar")
            try result.archive.write(to: destination)
            printSummary(result, destination: destination)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw reportFailure(error)
        }
    }

    func printSummary(_ result: OptimizationResult, destination: URL) {
        let s = result.summary
        let a = s.algorithms
        print("optimized \(result.archive.netName): level \(s.level), compression \(s.compressionLevel); \(s.calibrationSamples) calibration samples from \(s.calibrationSource)")
        print("algorithms activation ranges \(describe(a.activationRanges)), weight clipping \(a.weightClipping ? "on" : "off"), equalization \(a.equalization ? "on" : "off"), bias correction \(a.biasCorrection ? "on" : "off")")
        if !s.layerPrecision.isEmpty {
            print("precision \(s.layerPrecision.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        }
        for (name, snr) in s.outputSNR.sorted(by: { $0.key < $1.key }) {
            print("SNR       \(String(format: "%6.2f", snr)) dB  \(name)")
        }
        for w in s.warnings { printToStderr("warning: \(w)") }
        let total = result.timings.reduce(0) { $0 + $1.seconds }
        print("time      \(String(format: "%.1f", total)) s (" + result.timings.map { "\($0.stage) \(String(format: "%.1f", $0.seconds))" }.joined(separator: ", ") + ")")
        print("wrote     \(destination.path)")
    }

    func describe(_ m: RangeMethod) -> String {
        switch m {
        case .minMax: return "min/max"
        case .mse: return "MSE-optimal"
        case .percentile(let lo, let hi): return "percentile \(lo)–\(hi)"
        }
    }
}
