// The quality summary of an optimization: each output of the integer network (emulated,
// dequantized) against the float network on the same samples, as SNR in dB:
// 10·log10(Σ ref² / Σ (ref − x)²) over all elements of all samples.

import Foundation
import NpucExecutor
import NpucGraph

public enum QualityMeasurement {
    public static func outputSNR(_ network: QuantizedNetwork, float graph: Graph, data: CalibrationData,
                                 samples count: Int) throws(OptimizationError) -> [String: Double] {
        guard count > 0 else { return [:] }
        do {
            let samples = try data.open(for: graph, limit: count)
            let executor = try FloatExecutor(graph)
            let emulator = try IntegerEmulator(network)
            var signal = [String: Double](), noise = [String: Double]()
            for run in 0..<samples.count {
                let input = [samples.inputName: try samples.input(run)]
                let reference = try executor.run(input)
                let quantized = try emulator.runDequantized(input)
                for (name, ref) in reference {
                    guard let q = quantized[name] else { continue }
                    let (s, n) = SNRAccumulator.terms(reference: ref.floats, measured: q.floats)
                    signal[name, default: 0] += s
                    noise[name, default: 0] += n
                }
            }
            var result = [String: Double]()
            for (name, s) in signal { result[name] = SNRAccumulator.decibels(signal: s, noise: noise[name] ?? 0) }
            return result
        } catch let error as OptimizationError {
            throw error
        } catch {
            throw OptimizationError("measuring quality: \(error)")
        }
    }
}

/// Sums behind an SNR, so several samples can be pooled.
public enum SNRAccumulator {
    public static func terms(reference: [Float], measured: [Float]) -> (signal: Double, noise: Double) {
        var s = 0.0, n = 0.0
        for i in 0..<min(reference.count, measured.count) {
            let r = Double(reference[i])
            let d = r - Double(measured[i])
            s += r * r
            n += d * d
        }
        return (s, n)
    }

    /// 10·log10(signal / noise); +∞ for an exact match, capped at 200 dB for JSON.
    public static func decibels(signal: Double, noise: Double) -> Double {
        guard noise > 0 else { return 200 }
        guard signal > 0 else { return -200 }
        return min(200, 10 * log10(signal / noise))
    }
}
