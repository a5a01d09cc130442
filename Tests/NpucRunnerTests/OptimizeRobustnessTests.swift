// `npuc optimize` on bad input (issue 5, must-hold 4), through the built binary: calibration data
// of the wrong shape, NaN/Inf in the data or in a weight, an empty set, a script naming an unknown
// layer, a missing archive — each exits 1 with a message naming the thing and what to do, and
// writes nothing. Data that only looks wrong (0..1 where the script divides 0..255 pixels, RGB
// where the script says BGR) is warned about on stderr and optimized. An already optimized
// archive is optimized again from its float network: the result replaces the old one.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import NpucRunner
import NpucScript
import Testing

@Suite("npuc optimize: bad input is refused, nothing written", .serialized)
struct OptimizeRobustnessTests {
    /// A quick optimization: level 0 on a handful of samples.
    static let quickScript = """
        model_optimization_flavor(optimization_level=0)
        model_optimization_config(calibration, calibset_size=4)
        """

    /// Runs `npuc optimize ARCHIVE <arguments> -o OUT` in a fresh folder holding the tiny detector
    /// (`tiny.npar`) and the files `prepare` makes; returns the run and whether OUT exists after.
    func optimize(_ arguments: [String], script: String? = quickScript,
                  prepare: (URL) throws -> Void = { _ in }) throws -> (run: OptimizeCLIResult, wroteOutput: Bool) {
        let folder = try optimizeTestFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeTinyDetectorArchive(in: folder)
        try prepare(folder)
        var all = ["optimize"] + arguments
        if let script {
            try script.write(to: folder.appendingPathComponent("tiny.alls"), atomically: true, encoding: .utf8)
            all += ["--model-script", "tiny.alls"]
        }
        let output = folder.appendingPathComponent("out.npar")
        let run = try OptimizeCLI.run(all + ["-o", output.path], in: folder)
        return (run, FileManager.default.fileExists(atPath: output.path))
    }

    func expectRefused(_ result: (run: OptimizeCLIResult, wroteOutput: Bool), containing parts: [String],
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(result.run.status == 1, "exit status; stderr: \(result.run.stderr)", sourceLocation: sourceLocation)
        #expect(!result.wroteOutput, "an output archive was written", sourceLocation: sourceLocation)
        for part in parts {
            #expect(result.run.stderr.contains(part), "stderr lacks '\(part)': \(result.run.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test("calibration rows of the wrong shape: the file, the input, the shapes accepted and how to rebuild")
    func wrongShape() throws {
        let result = try optimize(["tiny.npar", "--calib-set-path", "calib.npy"]) { folder in
            try writeFloatNpy(seededFloats(2 * 32 * 32 * 3, seed: 1, in: 0...255), shape: [2, 32, 32, 3],
                              to: folder.appendingPathComponent("calib.npy"))
        }
        expectRefused(result, containing: ["calib.npy", "32×32×3", "input 'images'", "64×64×3", "npuc calib-set --size"])
    }

    @Test("NaN or infinity in the calibration data names the file and the sample", arguments: [(2, Float.nan), (0, Float.infinity)])
    func nonFiniteData(sample: Int, bad: Float) throws {
        let result = try optimize(["tiny.npar", "--calib-set-path", "calib.npy"]) { folder in
            var values = seededFloats(3 * 64 * 64 * 3, seed: 2, in: 0...255)
            values[sample * 64 * 64 * 3 + 100] = bad
            try writeFloatNpy(values, shape: [3, 64, 64, 3], to: folder.appendingPathComponent("calib.npy"))
        }
        expectRefused(result, containing: ["calib.npy", "sample \(sample) holds NaN or infinity", "remove or fix that sample"])
    }

    @Test("NaN in a weight names the tensor and the layer before any calibration")
    func nonFiniteWeight() throws {
        var tensorName = ""
        let result = try optimize(["tiny.npar", "--use-random-calib-set"]) { folder in
            let url = folder.appendingPathComponent("tiny.npar")
            var archive = try Archive.read(contentsOf: url)
            let node = try #require(archive.graph.nodes.first { $0.name == "conv5" })
            let id = node.inputs[1]
            let weights = try #require(archive.graph.constants[id])
            var values = weights.floats
            values[7] = .nan
            archive.graph.constants[id] = Tensor(shape: weights.shape, float32: values)
            tensorName = archive.graph[id].name
            try archive.write(to: url)
        }
        expectRefused(result, containing: ["constant tensor '\(tensorName)' of layer 'conv5' holds NaN", "re-export the model"])
        #expect(!result.run.stderr.contains("calibrating"), "the weights are checked before calibration")
    }

    @Test("an empty .npy set is refused as empty")
    func emptyNpy() throws {
        let result = try optimize(["tiny.npar", "--calib-set-path", "calib.npy"]) { folder in
            try writeFloatNpy([], shape: [0, 64, 64, 3], to: folder.appendingPathComponent("calib.npy"))
        }
        expectRefused(result, containing: ["calib.npy holds no samples", "at least one"])
    }

    @Test("an empty image folder is refused naming the folder")
    func emptyImageFolder() throws {
        let result = try optimize(["tiny.npar", "--calib-images", "images"]) { folder in
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        }
        expectRefused(result, containing: ["/images holds no .jpg, .jpeg, .png or .bmp files"])
    }

    @Test("a script naming an unknown layer is refused with the line and the closest names")
    func unknownLayer() throws {
        let script = """
            model_optimization_flavor(optimization_level=0)
            quantization_param(conv99, precision_mode=a16_w16)
            """
        let result = try optimize(["tiny.npar", "--use-random-calib-set"], script: script)
        expectRefused(result, containing: ["tiny.alls:2", "conv99", "conv9"])
    }

    @Test("a missing parsed archive is named")
    func missingArchive() throws {
        let result = try optimize(["missing.npar", "--use-random-calib-set"])
        expectRefused(result, containing: ["missing.npar: not an npuc archive", "No such file", "npuc parser onnx"])
    }

    @Test("0..1 data where the script's normalization expects 0..255 pixels: a warning on stderr, and the archive is written")
    func unitRangeWarning() throws {
        let script = """
            normalization1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
            model_optimization_flavor(optimization_level=0)
            model_optimization_config(calibration, calibset_size=4)
            """
        let result = try optimize(["tiny.npar", "--calib-set-path", "calib.npy"], script: script) { folder in
            try writeFloatNpy(seededFloats(4 * 64 * 64 * 3, seed: 3, in: 0...1), shape: [4, 64, 64, 3],
                              to: folder.appendingPathComponent("calib.npy"))
        }
        #expect(result.run.status == 0, "stderr: \(result.run.stderr)")
        #expect(result.wroteOutput)
        #expect(result.run.stderr.contains("warning: "))
        #expect(result.run.stderr.contains("data already scaled to 0..1 where the script divides 0..255 pixels?"))
        #expect(!result.run.stdout.contains("warning"))
    }

    @Test("RGB-looking data where the script's input_conversion says the network takes BGR: a channel-order warning")
    func channelOrderWarning() throws {
        let script = """
            input_conversion(bgr_to_rgb)
            model_optimization_flavor(optimization_level=0)
            model_optimization_config(calibration, calibset_size=4)
            """
        let result = try optimize(["tiny.npar", "--calib-set-path", "calib.npy"], script: script) { folder in
            // NHWC with channel 0 (red, in RGB) bright and channel 2 dark: a reddish scene in RGB order.
            let noise = seededFloats(4 * 64 * 64 * 3, seed: 4, in: 0...40)
            let values = noise.indices.map { i -> Float in i % 3 == 0 ? 180 + noise[i] : (i % 3 == 1 ? 100 + noise[i] : 40 + noise[i]) }
            try writeFloatNpy(values, shape: [4, 64, 64, 3], to: folder.appendingPathComponent("calib.npy"))
        }
        #expect(result.run.status == 0, "stderr: \(result.run.stderr)")
        #expect(result.wroteOutput)
        #expect(result.run.stderr.contains("suggests RGB order, but the model expects BGR"))
    }
}

@Suite("Optimizing an optimized archive")
struct ReoptimizeTests {
    @Test("an optimized archive is optimized again from its float network: the result equals optimizing the parsed one")
    func reoptimize() throws {
        let parsed = try #require(try tinyDetectorRunner().archive)
        let data = CalibrationData.random(count: 4, seed: 21)
        let first = try Optimizer.optimize(parsed, data: data,
                                           options: OptimizationOptions(level: 0, compressionLevel: 3, calibrationSize: 4,
                                                                        forcedOutputRanges: ["conv9": 0...3]))
        let second = OptimizationOptions(level: 0, compressionLevel: 0, calibrationSize: 4)
        let again = try Optimizer.optimize(first.archive, data: data, options: second)
        let direct = try Optimizer.optimize(parsed, data: data, options: second)
        #expect(first.summary.layerPrecision.values.contains("a8_w4"))
        #expect(again.summary.layerPrecision.isEmpty)
        #expect(again.archive.tensors.keys.sorted() == direct.archive.tensors.keys.sorted())
        #expect(again.archive.encoded() == direct.archive.encoded())
        #expect(again.archive.encoded() != first.archive.encoded())
    }

    @Test("through the runner, re-optimizing without a script drops the previous script")
    func scriptReplaced() throws {
        let runner = try tinyDetectorRunner()
        let script = try runner.loadModelScript("model_optimization_flavor(optimization_level=0)", fileName: "tiny.alls")
        try runner.optimize(.random(count: 2, seed: 5), script: script)
        #expect(runner.archive?.sections[ClientRunner.modelScriptSection] != nil)
        let reloaded = try ClientRunner(archiveAt: {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-reopt-\(UUID().uuidString).npar")
            try runner.saveArchive(to: url)
            return url
        }())
        let again = try reloaded.loadModelScript("model_optimization_flavor(optimization_level=0)\nmodel_optimization_config(calibration, calibset_size=2)",
                                                 fileName: "second.alls")
        try reloaded.optimize(.random(count: 2, seed: 5), script: again)
        #expect(reloaded.archive?.sections[ClientRunner.modelScriptSection]
            == Array("model_optimization_flavor(optimization_level=0)\nmodel_optimization_config(calibration, calibset_size=2)".utf8))
        #expect(reloaded.archive?.state == .optimized)
    }
}
