// The quality summary of an optimization: each output of the integer network (emulated,
// dequantized) against the float network on the same samples, as SNR in dB:
// 10·log10(Σ ref² / Σ (ref − x)²) over all elements of all samples.
//
// Both cores: the float runs and the emulator runs of all samples are independent jobs, taken by
// two workers (emulator runs first: they are the long ones and partly single-threaded). Each job's
// outputs do not depend on which worker ran it or when, and the sums are added in sample order
// afterwards, so the result is the same bits as running the samples one after the other.

import Dispatch
import Foundation
import NpucExecutor
import NpucGraph

public enum QualityMeasurement {
    /// Jobs running at once (each also uses the multithreaded kernels).
    static let workers = 2

    public static func outputSNR(_ network: QuantizedNetwork, float graph: Graph, data: CalibrationData,
                                 samples count: Int) throws(OptimizationError) -> [String: Double] {
        guard count > 0 else { return [:] }
        let samples: CalibrationSamples, executor: FloatExecutor, emulator: IntegerEmulator
        do {
            samples = try data.open(for: graph, limit: count)
            executor = try FloatExecutor(graph)
            emulator = try IntegerEmulator(network)
        } catch {
            throw OptimizationError("measuring quality: \(error)")
        }
        // Jobs 0..<n: the emulator on sample j; n..<2n: the float network on sample j − n.
        let n = samples.count
        let results = JobResults(count: 2 * n)
        let next = JobCounter()
        let worker: @Sendable () -> Void = {
            while let job = next.take(below: 2 * n) {
                let run = job % n
                do {
                    let input = [samples.inputName: try samples.input(run)]
                    let outputs = job < n ? try emulator.runDequantized(input) : try executor.run(input)
                    results.set(job, .success(outputs))
                } catch {
                    results.set(job, .failure(OptimizationError("measuring quality: \(error)")))
                }
            }
        }
        DispatchQueue.concurrentPerform(iterations: min(workers, 2 * n)) { _ in worker() }
        var signal = [String: Double](), noise = [String: Double]()
        for run in 0..<n {
            let reference = try results.get(n + run).get()
            let quantized = try results.get(run).get()
            for (name, ref) in reference {
                guard let q = quantized[name] else { continue }
                let (s, e) = SNRAccumulator.terms(reference: ref.floats, measured: q.floats)
                signal[name, default: 0] += s
                noise[name, default: 0] += e
            }
        }
        var result = [String: Double]()
        for (name, s) in signal { result[name] = SNRAccumulator.decibels(signal: s, noise: noise[name] ?? 0) }
        return result
    }
}

/// The next job index, handed out once each.
private final class JobCounter: @unchecked Sendable {
    private var next = 0
    private let lock = NSLock()
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// One result slot per job, each written by exactly one worker.
private final class JobResults: @unchecked Sendable {
    private var slots: [Result<[String: Tensor], OptimizationError>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<[String: Tensor], OptimizationError>) { lock.withLock { slots[i] = value } }
    func get(_ i: Int) -> Result<[String: Tensor], OptimizationError> {
        lock.withLock {
            guard let value = slots[i] else { preconditionFailure("quality job \(i) did not run") }
            return value
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
