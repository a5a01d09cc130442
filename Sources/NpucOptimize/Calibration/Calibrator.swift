// Streaming calibration in one pass: calibration samples go through the float executor a few at a
// time, and every observed tensor is reduced on the spot to per-value statistics — minimum,
// maximum, sum, sum of squares — and, for the values an algorithm needs them for, binned into a
// histogram that grows with the data (GrowingHistogram: power-of-two bin widths that double when
// a tensor's [min, max] does not fit). Nothing of a sample outlives its run, so memory is bounded
// by the samples in flight (plus at most 2 × histogramBins counts per histogram and worker), not
// by the set's size.
//
// Both cores: `parallelSamples` runs go at once (each on its own executor arena, each also using
// the executor's multithreaded kernels). Results do not depend on that number: minima, maxima and
// histograms are exact whatever the order (each worker's histogram is brought to the width of
// the overall [min, max] and added), and each sample's sums are computed on one thread and added
// in sample order.

import Dispatch
import Foundation
import NpucExecutor
import NpucGraph

public struct CalibrationOptions: Sendable, Hashable {
    /// Samples run at the same time (1: one at a time, parallel inside the kernels only).
    public var parallelSamples: Int
    /// Samples per merge step (and progress report): the script's calibration `batch_size`.
    public var batchSize: Int
    /// Histogram resolution: each histogram keeps at most 2 × histogramBins bins, of the smallest
    /// power-of-two width that covers the value's [min, max] with that many (so at least about
    /// histogramBins bins span [min, max], unless the values' float resolution is coarser).
    public var histogramBins: Int
    /// Collect statistics of these values only (by name); nil for every value.
    public var values: Set<String>?
    public var executor: FloatExecutor.Options

    public static let defaultParallelSamples = 2

    public init(parallelSamples: Int = CalibrationOptions.defaultParallelSamples, batchSize: Int = 8, histogramBins: Int = 2048,
                values: Set<String>? = nil, executor: FloatExecutor.Options = FloatExecutor.Options()) {
        self.parallelSamples = max(1, parallelSamples)
        self.batchSize = max(1, batchSize)
        self.histogramBins = max(1, histogramBins)
        self.values = values
        self.executor = executor
    }
}

/// Progress of calibration, reported after each batch on the calling thread.
public struct CalibrationStep: Sendable, Hashable {
    /// Graph runs finished.
    public var done: Int
    public var total: Int
}

public struct CalibrationResult: Sendable {
    /// Statistics by value name (graph inputs and node outputs).
    public var statistics: [String: ValueStatistics]
    /// Samples the statistics were collected on.
    public var samples: Int
    /// The graph input's per-channel summary (for `InputChecks`).
    public var input: InputSummary
    /// Notes from the data source (skipped images, unused samples).
    public var warnings: [String]

    /// [min, max] of every value: the quantizer's input when no range algorithm is applied.
    public var ranges: [String: ClosedRange<Double>] { statistics.mapValues(\.range) }
}

public final class Calibrator: Sendable {
    public let graph: Graph
    public let options: CalibrationOptions
    private let executor: FloatExecutor
    /// Tracked values, and each value's slot among them (−1: not tracked).
    private let tracked: [ValueID]
    private let slotOfValue: [Int]
    /// The node producing each tracked value (the input's name for graph inputs).
    private let producerName: [String]

    public init(graph: Graph, options: CalibrationOptions = CalibrationOptions()) throws(CalibrationError) {
        do {
            executor = try FloatExecutor(graph, options: options.executor)
        } catch {
            throw .executor(error)
        }
        self.graph = graph
        self.options = options
        var producers = [ValueID: String]()
        for node in graph.nodes { for out in node.outputs { producers[out] = node.displayName } }
        var tracked: [ValueID] = []
        var slots = [Int](repeating: -1, count: graph.values.count)
        for (i, value) in graph.values.enumerated() where !graph.isConstant(ValueID(i)) && value.type.dataType.isFloatingPoint {
            let id = ValueID(i)
            guard graph.inputs.contains(id) || producers[id] != nil else { continue }
            if let wanted = options.values, !wanted.contains(value.name) { continue }
            slots[i] = tracked.count
            tracked.append(id)
        }
        self.tracked = tracked
        slotOfValue = slots
        producerName = tracked.map { producers[$0] ?? graph[$0].name }
    }

    /// Runs every sample once and returns min/max/sum statistics of every tracked value, with
    /// histograms of the tracked values in `histograms` (nil: all of them; empty: none).
    public func collect(_ samples: CalibrationSamples, histograms: Set<String>? = [],
                        progress: ((CalibrationStep) -> Void)? = nil) throws(CalibrationError) -> CalibrationResult {
        try checkInput(samples)
        let slots = tracked.count
        let binned = tracked.map { histograms?.contains(graph[$0].name) ?? true }
        let inputType = samples.inputType
        let channels = inputType.rank >= 2 ? inputType.shape[1] : 1
        let workerCount = min(options.parallelSamples, samples.count)
        let workers = (0..<workerCount).map { _ in
            StatisticsWorker(slots: slots, channels: channels, histograms: binned, maxBins: 2 * options.histogramBins)
        }
        var sums = [Double](repeating: 0, count: slots), squares = sums
        var channelSums = [Double](repeating: 0, count: channels)
        try forEachRun(samples, progress: progress, work: { (run: Int, worker: Int) throws(CalibrationError) -> RunOutcome in
            let state = workers[worker]
            let input = try samples.input(run)
            var outcome = RunOutcome(sums: Array(repeating: 0, count: slots), squares: Array(repeating: 0, count: slots),
                                     channelSums: Array(repeating: 0, count: channels))
            Self.withFloats(input) { buffer in
                // Channel planes of each sample in the run (NCHW; one plane per channel).
                let plane = buffer.count / max(inputType.shape[0] * channels, 1)
                for p in 0..<(buffer.count / max(plane, 1)) {
                    let c = p % channels
                    let part = TensorReduction.reduce(UnsafeBufferPointer(rebasing: buffer[(p * plane)..<((p + 1) * plane)]))
                    state.channelMin[c] = min(state.channelMin[c], part.min)
                    state.channelMax[c] = max(state.channelMax[c], part.max)
                    outcome.channelSums[c] += part.sum
                }
            }
            var failure: CalibrationError?
            do throws(ExecutorError) {
                _ = try self.executor.run([samples.inputName: input]) { (id: ValueID, buffer: UnsafeBufferPointer<Float>) in
                    let s = self.slotOfValue[id.index]
                    guard s >= 0, failure == nil else { return }
                    let partial = TensorReduction.reduce(buffer)
                    guard partial.finite else {
                        failure = .nonFiniteActivation(value: self.graph[id].name, node: self.producerName[s], sample: run * samples.rowsPerRun)
                        return
                    }
                    state.min[s] = min(state.min[s], partial.min)
                    state.max[s] = max(state.max[s], partial.max)
                    outcome.sums[s] += partial.sum
                    outcome.squares[s] += partial.sumOfSquares
                    state.histograms[s]?.add(buffer, min: partial.min, max: partial.max)
                }
            } catch {
                throw .executor(error)
            }
            if let failure { throw failure }
            return outcome
        }, merge: { _, outcome in
            for s in 0..<slots {
                sums[s] += outcome.sums[s]
                squares[s] += outcome.squares[s]
            }
            for c in 0..<channels { channelSums[c] += outcome.channelSums[c] }
        })
        var statistics: [String: ValueStatistics] = [:]
        for (s, id) in tracked.enumerated() {
            var lo = workers.map { $0.min[s] }.min() ?? 0, hi = workers.map { $0.max[s] }.max() ?? 0
            // −0 and +0 compare equal; keep one spelling so results are byte-identical.
            if lo == 0 { lo = 0 }
            if hi == 0 { hi = 0 }
            let count = graph.type(of: id).elementCount * samples.count
            let histogram = binned[s] ? GrowingHistogram.merged(workers.compactMap { $0.histograms[s] })?.histogram : nil
            statistics[graph[id].name] = ValueStatistics(min: Double(lo), max: Double(hi), count: count, sum: sums[s], sumOfSquares: squares[s],
                                                         histogram: histogram)
        }
        let perChannel = Double(inputType.elementCount / max(channels, 1) * samples.count)
        let summary = InputSummary(channels: (0..<channels).map { c in
            var lo = workers.map { $0.channelMin[c] }.min() ?? 0, hi = workers.map { $0.channelMax[c] }.max() ?? 0
            if lo == 0 { lo = 0 }
            if hi == 0 { hi = 0 }
            return InputSummary.Channel(min: Double(lo), max: Double(hi), mean: perChannel > 0 ? channelSums[c] / perChannel : 0)
        })
        return CalibrationResult(statistics: statistics, samples: samples.sampleCount, input: summary, warnings: samples.warnings)
    }

    // MARK: Running samples

    struct RunOutcome: Sendable {
        var sums: [Double]
        var squares: [Double]
        var channelSums: [Double]
    }

    /// Runs `work(run, worker)` for every run, `parallelSamples` at a time in batches of
    /// `batchSize`, and hands each outcome to `merge` in run order after its batch. The first
    /// error by run order is thrown.
    private func forEachRun(_ samples: CalibrationSamples, progress: ((CalibrationStep) -> Void)?,
                            work: @escaping (Int, Int) throws(CalibrationError) -> RunOutcome,
                            merge: (Int, RunOutcome) -> Void) throws(CalibrationError) {
        let total = samples.count
        let workerCount = min(options.parallelSamples, total)
        let batch = max(options.batchSize, workerCount)
        let body = UncheckedBox(work)
        var start = 0
        while start < total {
            let range = start..<min(total, start + batch)
            let outcomes = OutcomeSlots(count: range.count)
            let run = { (worker: Int) in
                var i = range.lowerBound + worker
                while i < range.upperBound {
                    do throws(CalibrationError) {
                        outcomes.set(i - range.lowerBound, .success(try body.value(i, worker)))
                    } catch {
                        outcomes.set(i - range.lowerBound, .failure(error))
                    }
                    i += workerCount
                }
            }
            if workerCount == 1 {
                run(0)
            } else {
                let shared = UncheckedBox(run)
                DispatchQueue.concurrentPerform(iterations: workerCount) { shared.value($0) }
            }
            for (k, outcome) in outcomes.values.enumerated() {
                switch outcome {
                case .success(let value): merge(range.lowerBound + k, value)
                case .failure(let error): throw error
                case nil: preconditionFailure("calibration run \(range.lowerBound + k) was not executed")
                }
            }
            start = range.upperBound
            progress?(CalibrationStep(done: start, total: total))
        }
    }

    /// Calls `body` with the tensor's elements as floats (converting only non-float32 tensors).
    private static func withFloats<R>(_ tensor: Tensor, _ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        if case .float32(let a) = tensor.storage { return a.withUnsafeBufferPointer(body) }
        return tensor.floats.withUnsafeBufferPointer(body)
    }

    private func checkInput(_ samples: CalibrationSamples) throws(CalibrationError) {
        guard let id = graph.inputs.first(where: { graph[$0].name == samples.inputName }), graph.inputs.count == 1,
              graph.type(of: id) == samples.inputType else {
            throw .inputs("the calibration samples were opened for input '\(samples.inputName)' (\(samples.inputType)), "
                + "which is not this graph's only input; open the data for this graph")
        }
    }
}

/// Per-worker minima, maxima and histograms (exact whatever the order), touched by one thread
/// at a time.
private final class StatisticsWorker: @unchecked Sendable {
    var min: [Float], max: [Float]
    var channelMin: [Float], channelMax: [Float]
    /// Per slot; nil for values without a histogram.
    var histograms: [GrowingHistogram?]

    init(slots: Int, channels: Int, histograms binned: [Bool], maxBins: Int) {
        min = Array(repeating: .infinity, count: slots)
        max = Array(repeating: -.infinity, count: slots)
        channelMin = Array(repeating: .infinity, count: channels)
        channelMax = Array(repeating: -.infinity, count: channels)
        histograms = binned.map { $0 ? GrowingHistogram(maxBins: maxBins) : nil }
    }
}

/// One result slot per run of a batch; each written by exactly one worker.
private final class OutcomeSlots: @unchecked Sendable {
    private var slots: [Result<Calibrator.RunOutcome, CalibrationError>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<Calibrator.RunOutcome, CalibrationError>) { lock.withLock { slots[i] = value } }
    var values: [Result<Calibrator.RunOutcome, CalibrationError>?] { lock.withLock { slots } }
}

/// Carries a closure or value across `concurrentPerform` whose uses are known to be safe.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
