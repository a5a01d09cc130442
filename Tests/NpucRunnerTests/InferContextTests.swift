// `npuc infer --context native|fp-optimized|quantized` and `ClientRunner.infer(_:context:)` on the
// built-in tiny detector: the prepared float network matches the parsed one once inputs are mapped
// (raw pixels vs pixels / 255), the emulated integer network stays close, archives that are not
// optimized are refused, and the CLI reads inputs the way calibration does and writes nothing on a
// bad input.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import NpucRunner
import Testing

@Suite("Inference contexts")
struct InferContextTests {
    /// The parsed network's input for raw pixels: pixels / 255 (the folded normalization).
    func unitRange(_ pixels: Tensor) -> Tensor {
        Tensor(shape: pixels.shape, float32: pixels.floats.map { $0 / 255 })
    }

    @Test("fp-optimized on raw pixels equals native on pixels / 255 (only normalization folded)")
    func fpOptimizedEqualsNative() throws {
        let runner = try optimizedTinyDetector()
        let graph = try #require(runner.archive?.graph)
        let outputNames = graph.outputs.map { graph[$0].name }
        for seed: UInt64 in [1, 2] {
            let pixels = rawPixels([1, 3, 64, 64], seed: seed)
            let native = try runner.infer(["images": unitRange(pixels)], context: .native)
            let prepared = try runner.infer(["images": pixels], context: .fpOptimized)
            #expect(Set(prepared.keys) == Set(outputNames))
            for name in outputNames {
                let a = try #require(native[name]), b = try #require(prepared[name])
                #expect(a.shape == b.shape)
                let scale = a.floats.map(abs).max() ?? 0
                let worst = zip(a.floats, b.floats).map { abs($0 - $1) }.max() ?? 0
                // Folding divides the weights by 255: only float rounding may differ.
                #expect(worst <= 1e-4 * max(1, scale), "output \(name): max difference \(worst) at scale \(scale)")
            }
        }
    }

    @Test("quantized outputs are close to native (SNR floor) and deterministic")
    func quantizedCloseToNative() throws {
        let runner = try optimizedTinyDetector()
        let graph = try #require(runner.archive?.graph)
        let pixels = rawPixels([1, 3, 64, 64], seed: 3)
        let native = try runner.infer(["images": unitRange(pixels)], context: .native)
        let quantized = try runner.infer(["images": pixels], context: .quantized)
        for id in graph.outputs {
            let name = graph[id].name
            let q = try #require(quantized[name])
            #expect(q.shape == graph.type(of: id).shape)
            #expect(q.dataType == graph.type(of: id).dataType)
            let value = snr(try #require(native[name]), q)
            // Measured 34.9–46.0 dB over the six head outputs on this sample (8 random calibration
            // samples, level 0); a broken scale, zero point or layout drops far below 25 dB.
            #expect(value > 25, "output \(name): \(value) dB")
        }
        #expect(try runner.infer(["images": pixels], context: .quantized) == quantized)
    }

    @Test("fp-optimized and quantized refuse a parsed-only archive, naming `npuc optimize`")
    func refusesParsedArchive() throws {
        let runner = try tinyDetectorRunner()
        for context in [InferenceContext.fpOptimized, .quantized] {
            #expect {
                _ = try runner.inferenceSession(context)
            } throws: { error in
                String(describing: error).contains("run `npuc optimize`") && String(describing: error).contains(context.rawValue)
            }
        }
        let native = try runner.infer(["images": unitRange(rawPixels([1, 3, 64, 64], seed: 4))], context: .native)
        #expect(native.count == 6)
    }

    @Test("a session refuses inputs of the wrong shape, naming the input")
    func wrongShape() throws {
        let runner = try optimizedTinyDetector()
        let session = try runner.inferenceSession(.quantized)
        #expect {
            _ = try session.run(["images": rawPixels([1, 3, 32, 32], seed: 1)])
        } throws: { String(describing: $0).contains("'images'") && String(describing: $0).contains("1×3×32×32") }
    }

    // MARK: The command line

    /// Saves an optimized tiny detector and returns its path.
    func savedArchive(in directory: URL, optimized: Bool = true) throws -> URL {
        let runner = optimized ? try optimizedTinyDetector() : try tinyDetectorRunner()
        let url = directory.appendingPathComponent(optimized ? "tiny_optimized.npar" : "tiny.npar")
        try runner.saveArchive(to: url)
        return url
    }

    /// `pixels` (1×3×H×W) as uint8 N×H×W×C, what `npuc calib-set` writes.
    func nhwcBytes(_ pixels: Tensor) -> Tensor {
        let s = pixels.shape, f = pixels.floats
        var bytes = [UInt8](repeating: 0, count: f.count)
        for c in 0..<s[1] { for y in 0..<s[2] { for x in 0..<s[3] {
            bytes[(y * s[3] + x) * s[1] + c] = UInt8(f[(c * s[2] + y) * s[3] + x])
        } } }
        return Tensor(shape: [1, s[2], s[3], s[1]], storage: .uint8(bytes))
    }

    @Test("npuc infer --context quantized reads a .npy as calibration data and writes the runner's outputs")
    func cliQuantizedNpy() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = try savedArchive(in: directory)
        let runner = try ClientRunner(archiveAt: archive)
        let pixels = rawPixels([1, 3, 64, 64], seed: 5)
        let expected = try runner.infer(["images": pixels], context: .quantized)
        // The same pixels as uint8 NHWC and as float32 NCHW.
        try Data(NumPy.encode(nhwcBytes(pixels))).write(to: directory.appendingPathComponent("nhwc.npy"))
        try Data(NumPy.encode(pixels)).write(to: directory.appendingPathComponent("nchw.npy"))
        for name in ["nhwc", "nchw"] {
            let out = directory.appendingPathComponent("\(name)_out.npz")
            let result = try NpucBinary.run(["infer", archive.path, "--context", "quantized", "--input",
                                             directory.appendingPathComponent("\(name).npy").path, "-o", out.path])
            #expect(result.status == 0, "\(result.stderr)")
            let members = try Npz.decode(contentsOf: out)
            #expect(Set(members.map(\.name)) == Set(expected.keys))
            for member in members { #expect(member.tensor == expected[member.name], "member \(member.name) of \(name)") }
        }
    }

    @Test("npuc infer on an image: fp-optimized (raw pixels) matches native (script normalization)")
    func cliImageContexts() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = try savedArchive(in: directory)
        let image = RunnerPaths.images.appendingPathComponent("document.jpg")
        var outputs = [String: [(name: String, tensor: Tensor)]]()
        for context in ["native", "fp-optimized", "quantized"] {
            let out = directory.appendingPathComponent("\(context).npz")
            let result = try NpucBinary.run(["infer", archive.path, "--context", context, "--input", image.path, "-o", out.path])
            #expect(result.status == 0, "\(context): \(result.stderr)")
            outputs[context] = try Npz.decode(contentsOf: out)
        }
        let native = try #require(outputs["native"]), prepared = try #require(outputs["fp-optimized"])
        let quantized = try #require(outputs["quantized"])
        #expect(native.map(\.name) == prepared.map(\.name))
        #expect(native.map(\.name) == quantized.map(\.name))
        for (a, b) in zip(native, prepared) {
            #expect(snr(a.tensor, b.tensor) > 80, "fp-optimized \(a.name): \(snr(a.tensor, b.tensor)) dB")
        }
        for (a, b) in zip(native, quantized) {
            #expect(snr(a.tensor, b.tensor) > 10, "quantized \(a.name): \(snr(a.tensor, b.tensor)) dB")
        }
        // The folded normalization means images go in raw: --mean/--std would double it.
        let refused = try NpucBinary.run(["infer", archive.path, "--context", "quantized", "--input", image.path,
                                          "--std", "255", "-o", directory.appendingPathComponent("refused.npz").path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("raw pixels"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("refused.npz").path))
    }

    @Test("npuc infer refuses quantized on a parsed archive and writes nothing when any input is bad")
    func cliRefusals() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let parsed = try savedArchive(in: directory, optimized: false)
        let good = directory.appendingPathComponent("good.npy")
        try Data(NumPy.encode(nhwcBytes(rawPixels([1, 3, 64, 64], seed: 6)))).write(to: good)
        let outFolder = directory.appendingPathComponent("out")
        let refused = try NpucBinary.run(["infer", parsed.path, "--context", "quantized", "--input", good.path, "-o", outFolder.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("run `npuc optimize`"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: outFolder.path))

        let optimized = try savedArchive(in: directory)
        let bad = directory.appendingPathComponent("bad.npy")
        try Data(NumPy.encode(Tensor(shape: [1, 32, 32, 3], storage: .uint8([UInt8](repeating: 7, count: 32 * 32 * 3))))).write(to: bad)
        let nan = directory.appendingPathComponent("nan.npy")
        var values = rawPixels([1, 3, 64, 64], seed: 7).floats
        values[100] = .nan
        try Data(NumPy.encode(Tensor(shape: [1, 3, 64, 64], float32: values))).write(to: nan)
        for (broken, words) in [(bad, "32"), (nan, "NaN")] {
            let result = try NpucBinary.run(["infer", optimized.path, "--context", "quantized", "--input", good.path,
                                             "--input", broken.path, "-o", outFolder.path])
            #expect(result.status != 0)
            #expect(result.stderr.contains(words), "\(result.stderr)")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: outFolder.path)) ?? []).isEmpty)
        }
        let unknown = try NpucBinary.run(["infer", optimized.path, "--context", "int8", "--input", good.path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("native, fp-optimized or quantized"))
    }
}
