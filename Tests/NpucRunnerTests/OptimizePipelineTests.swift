// The optimize pipeline on the built-in tiny detector: determinism (issue 5, must-hold 3), 4-bit
// compression by level, per-layer 16-bit precision, forced output ranges, bias correction, the
// output SNR of each optimization level, and the CLI's image-folder and random calibration with
// progress on stderr.

import Foundation
import NpucExecutor
import NpucGraph
import NpucIO
@testable import NpucOptimize
import NpucRunner
import Testing

/// The tiny detector's parsed archive, built once.
let tinyParsedArchive: Archive? = try? tinyDetectorRunner().archive

func tinyArchive() throws -> Archive { try #require(tinyParsedArchive, "the tiny detector did not parse") }

/// The plan layer holding `name` in a quantized network.
func quantizedLayer(_ network: QuantizedNetwork, _ name: String) throws -> QuantizedLayer {
    try #require(network.layers.first { $0.name == name }, "no layer '\(name)' in \(network.layers.map(\.name))")
}

func weightBits(_ layer: QuantizedLayer) -> Int? {
    switch layer.op {
    case .conv(let c): return c.weightBits
    case .convTranspose(let c): return c.weightBits
    case .dense(let d): return d.weightBits
    default: return nil
    }
}

@Suite("Optimize is deterministic")
struct OptimizeDeterminismTests {
    @Test("the same archive, data and options give byte-identical archive files", arguments: [0, 2, 4])
    func sameBytes(level: Int) throws {
        let archive = try tinyArchive()
        let options = OptimizationOptions(level: level, compressionLevel: level == 4 ? 2 : 0, calibrationSize: 4, qualitySamples: 2)
        let folder = try optimizeTestFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [Data] = []
        for run in 0..<2 {
            let result = try Optimizer.optimize(archive, data: .random(count: 4, seed: 9), options: options)
            let url = folder.appendingPathComponent("run\(run).npar")
            try result.archive.write(to: url)
            files.append(try Data(contentsOf: url))
        }
        #expect(files[0].count > 0)
        #expect(files[0] == files[1])
    }

    @Test("one or two calibration samples in flight give the same bytes")
    func parallelism() throws {
        let archive = try tinyArchive()
        var encoded: [[UInt8]] = []
        for parallel in [1, 2] {
            let options = OptimizationOptions(level: 1, calibrationSize: 5, batchSize: 2, qualitySamples: 2, parallelSamples: parallel)
            encoded.append(try Optimizer.optimize(archive, data: .random(count: 5, seed: 10), options: options).archive.encoded())
        }
        #expect(encoded[0] == encoded[1])
    }
}

@Suite("Optimize pipeline on the tiny detector")
struct OptimizePipelineTests {
    @Test("compression_level=k: 4-bit weights only off the first and output layers, more layers as k grows")
    func compression() throws {
        let archive = try tinyArchive()
        let result = try Optimizer.optimize(archive, data: .random(count: 4, seed: 12),
                                            options: OptimizationOptions(level: 0, compressionLevel: 3, calibrationSize: 4, qualitySamples: 1))
        let graph = result.prepared
        let outputWriters = Set(graph.nodes.filter { $0.outputs.contains(where: graph.outputs.contains) }.map(\.name))
        let firstLayers = Set(graph.nodes.filter { $0.inputs.contains(where: graph.inputs.contains) }.map(\.name))
        #expect(firstLayers == ["conv1"])
        #expect(outputWriters.count == 6)
        let weighted = Set(WeightChoice.weightedLayers(graph).map(\.name))
        let eligible = weighted.subtracting(outputWriters).subtracting(firstLayers)

        // The network built at level 3: exactly the planned layers hold 4-bit weights.
        let fourBit = Set(result.network.layers.filter { weightBits($0) == 4 }.map(\.name))
        #expect(fourBit == Set(result.summary.layerPrecision.filter { $0.value == "a8_w4" }.keys))
        #expect(!fourBit.isEmpty)
        #expect(fourBit.isSubset(of: eligible))
        for name in firstLayers.union(outputWriters) { #expect(weightBits(try quantizedLayer(result.network, name)) == 8) }

        var previous = Set<String>()
        var counts: [Int] = []
        for level in 0...5 {
            let chosen = Set(try CompressionPlanner.fourBitLayers(graph, level: level, explicit: [:]))
            #expect(chosen.isSubset(of: eligible))
            #expect(previous.isSubset(of: chosen), "level \(level) drops layers of level \(level - 1)")
            if level > 0 { #expect(chosen.count > previous.count, "level \(level) adds no layer") }
            if level == 3 { #expect(chosen == fourBit) }
            previous = chosen
            counts.append(chosen.count)
        }
        #expect(counts[0] == 0)
        #expect(previous == eligible)
        print("4-bit layers by compression_level 0…5:", counts, "of", eligible.count, "eligible")
        // An explicit precision keeps a layer out of compression.
        let pinned = try #require(previous.sorted().first)
        #expect(!(try CompressionPlanner.fourBitLayers(graph, level: 5, explicit: [pinned: .a8_w8])).contains(pinned))
    }

    @Test("precision a16_w16 (named by the fused activation) gives 16-bit domains there; force_range_out is used exactly")
    func precisionAndForcedRange() throws {
        let archive = try tinyArchive()
        let options = OptimizationOptions(level: 0, calibrationSize: 4, layerPrecision: ["silu9": .a16_w16],
                                          forcedOutputRanges: ["conv12": -0.5...7.25], qualitySamples: 1)
        let result = try Optimizer.optimize(archive, data: .random(count: 4, seed: 13), options: options)
        #expect(result.summary.layerPrecision == ["conv9": "a16_w16"])
        let wide = try quantizedLayer(result.network, "conv9")
        #expect(weightBits(wide) == 16)
        for output in wide.outputs { #expect(result.network.values[output]?.domain.bits == 16) }
        let neighbour = try quantizedLayer(result.network, "conv10")
        #expect(weightBits(neighbour) == 8)
        for output in neighbour.outputs { #expect(result.network.values[output]?.domain.bits == 8) }

        let forced = try quantizedLayer(result.network, "conv12")
        let value = try #require(forced.outputs.first)
        #expect(result.summary.ranges[value] == [-0.5, 7.25])
        let domain = try #require(result.network.values[value]?.domain)
        #expect(domain.bits == 8)
        #expect(abs(domain.scale - 7.75 / 255) < 1e-12)
        #expect(domain.zeroPoint == Int((0.5 / (7.75 / 255)).rounded()))
    }

    @Test("a per-layer setting naming a layer that is not in the network is refused before calibration")
    func unknownLayer() throws {
        let archive = try tinyArchive()
        var stages: [String] = []
        let error = #expect(throws: OptimizationError.self) {
            try Optimizer.optimize(archive, data: .random(count: 2), options: OptimizationOptions(level: 0, layerPrecision: ["conv99": .a16_w16])) {
                stages.append($0.stage)
            }
        }
        #expect(error?.message.contains("precision_mode names layer 'conv99'") == true)
        #expect(!stages.contains { $0.hasPrefix("calibrating") })
    }

    /// Every output of the float network and of the optimized integer network (dequantized) on 4
    /// held-out random samples, output by output in name order.
    func heldOutOutputs(_ result: OptimizationResult) throws -> [(reference: Tensor, quantized: Tensor)] {
        let held = try CalibrationData.random(count: 4, seed: 99).open(for: result.prepared)
        let executor = try FloatExecutor(result.prepared)
        let emulator = try IntegerEmulator(result.network)
        var pairs: [(reference: Tensor, quantized: Tensor)] = []
        for run in 0..<held.count {
            let input = [held.inputName: try held.input(run)]
            let reference = try executor.run(input)
            let quantized = try emulator.runDequantized(input)
            for (name, ref) in reference.sorted(by: { $0.key < $1.key }) { pairs.append((ref, try #require(quantized[name]))) }
        }
        return pairs
    }

    @Test("bias correction reduces the mean output error against the float network on held-out data")
    func biasCorrection() throws {
        let archive = try tinyArchive()
        var meanError: [Bool: Double] = [:]
        var squaredError: [Bool: Double] = [:]
        for correct in [false, true] {
            let options = OptimizationOptions(level: 0, calibrationSize: 8, biasCorrection: correct, qualitySamples: 1)
            let result = try Optimizer.optimize(archive, data: .random(count: 8, seed: 14), options: options)
            var bias = 0.0, squares = 0.0, terms = 0
            for (ref, quantized) in try heldOutOutputs(result) {
                let q = quantized.floats, f = ref.floats
                let channels = ref.shape[1], inner = ref.shape.dropFirst(2).reduce(1, *)
                for c in 0..<channels {
                    var d = 0.0
                    for i in 0..<inner {
                        let e = Double(q[c * inner + i]) - Double(f[c * inner + i])
                        d += e
                        squares += e * e
                    }
                    bias += abs(d / Double(inner))
                    terms += 1
                }
            }
            meanError[correct] = bias / Double(terms)
            squaredError[correct] = squares
        }
        print("mean |per-channel output bias| without / with bias correction:", meanError[false] ?? -1, meanError[true] ?? -1,
              "; sum of squared errors:", squaredError[false] ?? -1, squaredError[true] ?? -1)
        let without = try #require(meanError[false]), with = try #require(meanError[true])
        #expect(with < without)
    }

    // On this random network with random data the rounding is about neutral (measured: held-out
    // squared error 3 % above plain rounding's; on YOLOv8n it gains, docs/OPTIMIZATION.md), so the
    // test holds it to "no real loss" — which catches the failure modes met while building it
    // (float-input statistics, target shrinkage: errors several times plain rounding's).
    @Test("data-driven weight rounding changes the integers and keeps the held-out output error near plain rounding's")
    func weightRounding() throws {
        let archive = try tinyArchive()
        var squaredError: [Bool: Double] = [:]
        var networks: [Bool: QuantizedNetwork] = [:]
        for rounding in [false, true] {
            let options = OptimizationOptions(level: 2, calibrationSize: 8, weightRounding: rounding, qualitySamples: 1)
            let result = try Optimizer.optimize(archive, data: .random(count: 8, seed: 14), options: options)
            #expect((result.summary.algorithms.weightRounding != nil) == rounding)
            networks[rounding] = result.network
            var squares = 0.0
            for (ref, quantized) in try heldOutOutputs(result) {
                let q = quantized.floats, f = ref.floats
                for i in f.indices { squares += (Double(q[i]) - Double(f[i])) * (Double(q[i]) - Double(f[i])) }
            }
            squaredError[rounding] = squares
        }
        print("sum of squared output errors, plain / data-driven rounding:", squaredError[false] ?? -1, squaredError[true] ?? -1)
        #expect(networks[true] != networks[false])
        #expect(try #require(squaredError[true]) < 1.1 * #require(squaredError[false]))
    }

    @Test("output SNR of each optimization level on a fixed random set")
    func levels() throws {
        let archive = try tinyArchive()
        var minimum: [Int: Double] = [:]
        for level in 0...4 {
            let options = OptimizationOptions(level: level, calibrationSize: 8, qualitySamples: 4)
            let result = try Optimizer.optimize(archive, data: .random(count: 8, seed: 3), options: options)
            let snr = result.summary.outputSNR
            #expect(snr.count == 6)
            print("level \(level) output SNR (dB):", snr.sorted { $0.key < $1.key }.map { String(format: "%.2f", $0.value) }.joined(separator: " "),
                  String(format: "min %.2f mean %.2f", snr.values.min() ?? 0, snr.values.reduce(0, +) / Double(max(snr.count, 1))))
            minimum[level] = snr.values.min()
            // Every output of the tiny detector stays far from noise at every level.
            #expect((snr.values.min() ?? 0) > 20)
        }
        // Measured here (seed 3, 8 samples): the MSE levels' weakest output is clearly better than
        // level 0's; level 1 (percentile) is not, and level 3 is below level 2 (reported, not asserted).
        let base = try #require(minimum[0])
        for level in 2...4 { #expect(try #require(minimum[level]) >= base - 1, "level \(level)") }
    }
}

@Suite("npuc optimize through the CLI")
struct OptimizeCLITests {
    @Test("--calib-images: a folder of BMPs calibrates the tiny detector, fed in the script's channel order; progress on stderr")
    func imageFolder() throws {
        let folder = try optimizeTestFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeTinyDetectorArchive(in: folder)
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for i in 0..<3 {
            // Reddish scenes: red well above blue.
            try Data(bmpBytes(width: 80, height: 48) { x, y in (UInt8(150 + (x * 7 + i * 13) % 100), UInt8(90 + (y * 5) % 60), UInt8(20 + (x + y) % 30)) })
                .write(to: images.appendingPathComponent("page\(i).bmp"))
        }
        try """
            input_conversion(bgr_to_rgb)
            model_optimization_flavor(optimization_level=0)
            """.write(to: folder.appendingPathComponent("tiny.alls"), atomically: true, encoding: .utf8)
        let run = try OptimizeCLI.run(["optimize", "tiny.npar", "--calib-images", "images", "--model-script", "tiny.alls", "-o", "out.npar"],
                                      in: folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.npar").path))
        #expect(run.stdout.contains("3 calibration samples from \(images.path)"))
        #expect(run.stderr.contains("calibrating (ranges)…"))
        #expect(!run.stdout.contains("calibrating"))
        // The images are decoded in BGR for this network, so no channel-order warning.
        #expect(!run.stderr.contains("channel order"), "stderr: \(run.stderr)")
        let written = try Archive.read(contentsOf: folder.appendingPathComponent("out.npar"))
        #expect(written.state == .optimized)
    }

    @Test("--use-random-calib-set optimizes; results on stdout, progress on stderr, --quiet silences progress")
    func randomSet() throws {
        let folder = try optimizeTestFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeTinyDetectorArchive(in: folder)
        try "model_optimization_flavor(optimization_level=0)\nmodel_optimization_config(calibration, calibset_size=2)"
            .write(to: folder.appendingPathComponent("tiny.alls"), atomically: true, encoding: .utf8)
        let run = try OptimizeCLI.run(["optimize", "tiny.npar", "--use-random-calib-set", "--model-script", "tiny.alls"], in: folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tiny_optimized.npar").path))
        #expect(run.stdout.contains("optimized tiny: level 0, compression 0; 2 calibration samples"))
        #expect(run.stdout.contains("wrote"))
        for stage in ["preparing the float network…", "calibrating (ranges)…", "quantizing…"] {
            #expect(run.stderr.contains(stage), "stderr lacks \(stage): \(run.stderr)")
            #expect(!run.stdout.contains(stage))
        }
        let quiet = try OptimizeCLI.run(["optimize", "tiny.npar", "--use-random-calib-set", "--model-script", "tiny.alls", "--quiet",
                                         "-o", "quiet.npar"], in: folder)
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "stderr: \(quiet.stderr)")
    }
}
