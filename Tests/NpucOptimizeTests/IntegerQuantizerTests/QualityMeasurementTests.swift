// The optimizer's quality check runs its float and emulator jobs on two workers; its SNRs must be
// the very bits of running the samples one after the other (they are stored in the archive).

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

@Suite("Quality measurement")
struct QualityMeasurementTests {
    @Test("output SNRs equal a sequential float-then-emulator computation, bit for bit, for 1 to 5 samples", arguments: [1, 2, 5])
    func sequentialEquivalent(samples: Int) throws {
        let g = try EveryKindNetwork.graph()
        let executor = try FloatExecutor(g)
        let inputs = (0..<5).map { EveryKindNetwork.input(seed: UInt64(300 + $0)) }
        let ranges = try IntegerTestCalibration.ranges(executor, inputs.map { ["x": $0] })
        let required = Quantizer.requiredRanges(g)
        let network = try Quantizer.quantize(g, ranges: ranges.filter { required.contains($0.key) })
        let data = CalibrationData.tensor(Tensor(shape: [5, 3, 12, 12], float32: inputs.flatMap(\.floats)), layout: .nchw)

        let emulator = try IntegerEmulator(network)
        var signal = [String: Double](), noise = [String: Double]()
        for input in inputs.prefix(samples) {
            let reference = try executor.run(["x": input])
            let quantized = try emulator.runDequantized(["x": input])
            for (name, r) in reference {
                let (s, n) = SNRAccumulator.terms(reference: r.floats, measured: try #require(quantized[name]).floats)
                signal[name, default: 0] += s
                noise[name, default: 0] += n
            }
        }
        var expected = [String: Double]()
        for (name, s) in signal { expected[name] = SNRAccumulator.decibels(signal: s, noise: noise[name] ?? 0) }
        let measured = try QualityMeasurement.outputSNR(network, float: g, data: data, samples: samples)
        #expect(measured.keys.sorted() == network.outputs.sorted())
        #expect(measured == expected)
        #expect(measured.values.allSatisfy { $0 > 0 && $0 < 200 })
        #expect(try QualityMeasurement.outputSNR(network, float: g, data: data, samples: samples) == measured)
    }
}
