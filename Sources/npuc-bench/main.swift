// npuc-bench: the benchmark harness's measuring tool (not part of the user-facing CLI).
//   npuc-bench quantization OPTIMIZED.npar --eval eval.npy [--float-input-divisor 255] [--count N] [--json out.json]
// scores an optimized archive: every eval sample through the float network (the archive's parsed
// graph) and the integer emulator, per-output SNR and mAP of the decoded detections with the
// evaluation protocol of docs/POSTPROCESS.md.

import ArgumentParser
import Foundation
import NpucExecutor
import NpucGraph
import NpucIO
import NpucOptimize
import NpucRunner
import NpucRuntime

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "npuc-bench", abstract: "npuc's benchmark measurements.",
                                                    subcommands: [QuantizationBench.self])
}

struct QuantizationBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quantization",
                                                    abstract: "Score an optimized archive against its float network on eval samples.")

    @Argument var archive: String
    @Option(help: "Eval samples: a .npy of N×H×W×C uint8 pixels.") var eval: String
    @Option(help: "The float network's input is pixels divided by this (Ultralytics models: 255).") var floatInputDivisor: Double = 255
    @Option(help: "Score at most this many samples.") var count: Int?
    @Option(help: "Write the result as JSON here.") var json: String?

    func run() throws {
        let archive = try Archive.read(contentsOf: URL(fileURLWithPath: archive))
        guard let network = try QuantizedNetwork.stored(in: archive) else {
            throw ValidationError("\(self.archive) is not optimized; run `npuc optimize` first")
        }
        guard let head = archive.head else { throw ValidationError("\(self.archive) has no detection head to decode") }
        let npy = try NpyFile(contentsOf: URL(fileURLWithPath: eval))
        let n = min(count ?? npy.rowCount, npy.rowCount)
        let executor = try FloatExecutor(archive.graph)
        let emulator = try IntegerEmulator(network)
        var evaluator = try QuantizationEvaluator(head: head)
        let inputName = archive.graph[archive.graph.inputs[0]].name
        let outputNames = archive.graph.outputs.map { archive.graph[$0].name }
        let start = Date()
        for i in 0..<n {
            let row = try npy.rows(i..<(i + 1))          // 1×H×W×C
            let pixels = row.nhwcToNCHWFloats()                          // 1×C×H×W, floats 0…255
            let floatInput = Tensor(shape: pixels.shape, float32: pixels.floats.map { $0 / Float(floatInputDivisor) })
            let reference = try executor.run([inputName: floatInput])
            let quantized = try emulator.runDequantized([network.inputs[0]: pixels])
            _ = try evaluator.addImage(reference: outputNames.map { reference[$0]! }, evaluated: outputNames.map { quantized[$0]! })
            FileHandle.standardError.write(Data("\r\u{1B}[Kscored \(i + 1)/\(n)".utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let quality = evaluator.quality()
        print(String(format: "samples %d, min output SNR %.2f dB, mAP@0.5 %.4f, mAP@0.5:0.95 %.4f (%.0f s)", n,
                     quality.minOutputSNR ?? .nan, quality.map50 ?? .nan, quality.map50to95 ?? .nan, Date().timeIntervalSince(start)))
        for o in quality.outputs { print(String(format: "  %@  mean %.2f dB, worst %.2f dB", o.name, o.meanDecibels, o.worstDecibels)) }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(quality).write(to: URL(fileURLWithPath: json))
        }
    }
}

Bench.main()
