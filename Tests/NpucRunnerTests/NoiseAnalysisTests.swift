// `npuc analyze-noise` and `ClientRunner.analyzeNoise` on the built-in tiny detector: one row per
// integer layer, accumulated = isolated at the first layer (both see the same quantized input), a
// layer forced to a terrible output range comes out worst with a range hint, and the JSON parses.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import NpucRunner
import Testing

@Suite("Noise analysis")
struct NoiseAnalysisTests {
    @Test("one row per integer layer; the first layer's accumulated SNR equals its isolated SNR")
    func firstLayer() throws {
        let runner = try optimizedTinyDetector()
        let network = try runner.storedNetwork(for: "the test")
        let report = try runner.analyzeNoise(.random(count: 3, seed: 21), samples: 3)
        #expect(report.samples == 3)
        #expect(report.network == network.name)
        #expect(Set(report.layers.map(\.layer)) == Set(network.layers.map(\.name)))
        #expect(report.layers.count == network.layers.count)
        let first = try #require(report.layers.first { $0.layer == network.layers[0].name })
        #expect(first.accumulatedSNR == first.isolatedSNR)
        #expect(first.accumulatedSNR > 20 && first.accumulatedSNR < 200)
        #expect(first.sourceNames == network.layers[0].sourceNames)
        // Worst first by isolated SNR.
        let isolated = report.layers.map(\.isolatedSNR)
        #expect(isolated == isolated.sorted())
        for layer in report.layers {
            #expect(layer.accumulatedSNR.isFinite && layer.isolatedSNR.isFinite, "\(layer.layer)")
        }
        // The output SNRs agree with the runner's quantized inference on the same samples.
        #expect(Set(report.outputSNR.keys) == Set(network.outputs))
    }

    @Test("the accumulated output SNR is the SNR of quantized vs fp-optimized inference over the samples")
    func outputSNRMatchesInference() throws {
        let runner = try optimizedTinyDetector()
        let data = CalibrationData.random(count: 2, seed: 5)
        let report = try runner.analyzeNoise(data, samples: 2)
        let graph = try runner.preparedGraph()
        let samples = try data.open(for: graph)
        var signal = [String: Double](), noise = [String: Double]()
        for run in 0..<samples.count {
            let input = ["images": try samples.input(run)]
            let float = try runner.infer(input, context: .fpOptimized)
            let quantized = try runner.infer(input, context: .quantized)
            for (name, reference) in float {
                let (s, n) = SNRAccumulator.terms(reference: reference.floats, measured: quantized[name]!.floats)
                signal[name, default: 0] += s
                noise[name, default: 0] += n
            }
        }
        for (name, s) in signal {
            let expected = SNRAccumulator.decibels(signal: s, noise: noise[name]!)
            let measured = try #require(report.outputSNR[name])
            #expect(abs(measured - expected) < 1e-9, "\(name): \(measured) vs \(expected)")
        }
    }

    @Test("a layer forced to a terrible output range is the worst, with a range hint")
    func forcedRangeIsWorst() throws {
        let parsed = try tinyDetectorRunner()
        let graph = try #require(parsed.archive?.graph)
        // A class convolution of the head (a network output, read by no other layer).
        let node = try #require(graph.nodes.first { $0.sourceNames.contains("/model.11/cv3.1/cv3.1.2/Conv") })
        let script = unitNormalizationScript + "\nquantization_param(\(node.name), force_range_out=[-1000, 1000])\n"
        let runner = try optimizedTinyDetector(script: script)
        let report = try runner.analyzeNoise(.random(count: 3, seed: 21), samples: 3)
        let worst = try #require(report.layers.first)
        #expect(worst.layer == node.name)
        #expect(worst.domainRange[1] - worst.domainRange[0] >= 1999)
        #expect(worst.hintKind == .rangeTooWide)
        #expect(worst.hint.contains("force_range_out"))
        #expect(worst.isolatedSNR < report.layers[1].isolatedSNR)
        // The same layer without the forced range is fine.
        let normal = try optimizedTinyDetector().analyzeNoise(.random(count: 3, seed: 21), samples: 3)
        let same = try #require(normal.layers.first { $0.layer == node.name })
        #expect(same.isolatedSNR > worst.isolatedSNR + 20)
    }

    @Test("analyze-noise refuses a parsed archive")
    func refusesParsed() throws {
        let runner = try tinyDetectorRunner()
        #expect {
            _ = try runner.analyzeNoise(.random(count: 1), samples: 1)
        } throws: { String(describing: $0).contains("run `npuc optimize`") }
    }

    @Test("npuc analyze-noise prints a worst-first table and JSON that parses back into the report")
    func cli() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runner = try optimizedTinyDetector()
        let archive = directory.appendingPathComponent("tiny_optimized.npar")
        try runner.saveArchive(to: archive)
        // Three samples of raw pixels, uint8 N×H×W×C as `npuc calib-set` writes.
        var bytes = [UInt8]()
        for seed: UInt64 in 1...3 { bytes += rawPixels([64, 64, 3], seed: seed).floats.map { UInt8($0) } }
        let data = directory.appendingPathComponent("data.npy")
        try Data(NumPy.encode(Tensor(shape: [3, 64, 64, 3], storage: .uint8(bytes)))).write(to: data)

        let json = try NpucBinary.run(["analyze-noise", archive.path, "--data", data.path, "--samples", "2", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try NoiseReport.decode(Data(json.stdout.utf8))
        let network = try runner.storedNetwork(for: "the test")
        #expect(report.samples == 2)
        #expect(report.layers.count == network.layers.count)
        #expect(json.stderr.contains("analyzing sample 2/2"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == NoiseReport.formatName)
        // The library on the same data gives the same report.
        #expect(try runner.analyzeNoise(.npy(data), samples: 2) == report)

        let table = try NpucBinary.run(["analyze-noise", archive.path, "--data", data.path, "--samples", "2", "--quiet"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stderr.isEmpty)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= network.layers.count + 2)
        // Row 1 is the worst layer, shown by npuc name and ONNX node name.
        let worst = report.layers[0]
        let row = try #require(lines.first { $0.hasPrefix("1 ") || $0.hasPrefix(" 1 ") })
        #expect(row.contains(worst.layer) && row.contains(worst.sourceNames[0]))

        let missing = try NpucBinary.run(["analyze-noise", archive.path, "--data", directory.appendingPathComponent("none.npy").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("does not exist"))
    }
}
