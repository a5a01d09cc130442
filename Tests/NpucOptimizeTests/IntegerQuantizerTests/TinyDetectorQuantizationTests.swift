// The quantizer and emulator on the built-in tiny YOLOv8-style detector (NpucImport's
// TinyDetector, cut at its six head convolutions): every Conv+SiLU fuses, the domain-keeping
// layers keep their input's domain, the same inputs give byte-identical archives, and the
// emulator's dequantized head outputs track the float executor's.

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport
import NpucIO
import NpucOptimize
import Testing

@Suite("Quantizing the built-in tiny detector")
struct TinyDetectorQuantizationTests {
    static func graph() throws -> Graph {
        let model = try ONNXModel.decode(Data(TinyDetector.onnxModel()), file: "tiny.onnx", directory: nil)
        return try ONNXImporter.importModel(model, netName: "tiny", options: ImportOptions(endNodeNames: TinyDetector.headEndNodes)).graph
    }

    /// Images of pixels / 255 (so the input domain S = 1/255, Z = 0 is exact): smooth random
    /// blobs on a light background, like rendered pages.
    static func image(seed: UInt64) -> Tensor {
        var rng = IntegerTestRandom(seed: seed)
        let size = TinyDetector.inputSize
        var pixels = [Float](repeating: 0, count: 3 * size * size)
        let blobs = (0..<6).map { _ in (rng.double(0...64), rng.double(0...64), rng.double(4...16), rng.double(0...200)) }
        for c in 0..<3 {
            for y in 0..<size {
                for x in 0..<size {
                    var v = 235.0 + rng.double(-12...12)
                    for (bx, by, r, level) in blobs where (Double(x) - bx).magnitude < r && (Double(y) - by).magnitude < r / 2 {
                        v = level + Double(c) * 10
                    }
                    pixels[(c * size + y) * size + x] = Float(min(max(v.rounded(), 0), 255)) / 255
                }
            }
        }
        return Tensor(shape: [1, 3, size, size], float32: pixels)
    }

    static let pixelDomain = QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0)

    static let config = QuantizerConfig(inputDomains: ["images": pixelDomain])

    /// The graph, its float executor and min/max ranges over 6 images, computed once for the
    /// suite (float runs are slow in debug builds).
    static let calibrated: Result<(Graph, FloatExecutor, [String: ClosedRange<Double>]), any Error> = Result {
        let g = try graph()
        let executor = try FloatExecutor(g)
        let ranges = try IntegerTestCalibration.ranges(executor, (0..<6).map { ["images": image(seed: UInt64($0))] })
        return (g, executor, ranges)
    }

    @Test("Conv+SiLU pairs fuse into lookup epilogues; split, max pool and nearest resize keep their input's domain")
    func structure() throws {
        let (g, _, ranges) = try Self.calibrated.get()
        let network = try Quantizer.quantize(g, ranges: ranges, config: Self.config)
        let siluCount = g.nodes.filter { if case .activation(let a) = $0.op, case .silu = a.function { return true } else { return false } }.count
        #expect(siluCount > 0)
        #expect(network.layers.count == g.nodes.count - siluCount)
        #expect(!network.layers.contains { $0.op.kind == .activation })
        for layer in network.layers where layer.op.kind.keepsInputDomain {
            for output in layer.outputs { #expect(network.domain(of: output) == network.domain(of: layer.inputs[0]), "\(layer.name)") }
        }
        let lookups = network.layers.filter { if case .lookup = $0.op.epilogue { return true } else { return false } }
        #expect(lookups.count == siluCount)
        #expect(network.outputs.count == 6 && network.domain(of: "images") == Self.pixelDomain)
    }

    @Test("the same graph and ranges give a byte-identical archive")
    func deterministic() throws {
        let (g, _, ranges) = try Self.calibrated.get()
        func bytes() throws -> [UInt8] {
            var archive = Archive(netName: "tiny", state: .optimized, hwArch: .default, graph: g, npucVersion: "test")
            try Quantizer.quantize(g, ranges: ranges, config: Self.config).store(in: &archive)
            return archive.encoded()
        }
        #expect(try bytes() == bytes())
    }

    @Test("the emulator's dequantized head outputs track the float outputs (SNR per output)")
    func tracksFloat() throws {
        let (g, executor, ranges) = try Self.calibrated.get()
        let network = try Quantizer.quantize(g, ranges: ranges, config: Self.config)
        let emulator = try IntegerEmulator(network)
        var worst = Double.infinity
        for seed in 100..<102 {
            let input = ["images": Self.image(seed: UInt64(seed))]
            let float = try executor.run(input)
            let quantized = try emulator.runDequantized(input)
            for name in network.outputs {
                let snr = integerTestSNR(float[name]!.floats, quantized[name]!.floats)
                worst = min(worst, snr)
            }
        }
        // Measured: 32.1 dB worst over the six heads and two images (8-bit everywhere, ranges
        // from 6 images). The floor sits 6 dB below: room for other seeds and ranges, while a
        // scheme error (a wrong scale, zero point or rounding) costs far more than that.
        #expect(worst > 26, "worst head SNR \(worst) dB")
        print("tiny detector: worst head SNR \(worst) dB")
    }
}
