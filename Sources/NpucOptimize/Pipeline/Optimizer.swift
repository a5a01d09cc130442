// The optimize driver — the stages of `runner.optimize(calib_dataset)` in order:
//   prepare (fold BN, normalization, input conversion, output activations, equalization)
//   → calibrate (streaming statistics of exactly the values the quantizer reads)
//   → set activation ranges (by level) and choose weights (clipping, 4-bit compression, bias
//     correction, data-driven rounding of weights and biases at levels 3–4)
//   → quantize (docs/QUANTIZATION.md) → measure quality against the float network
//   → an optimized archive that keeps the float network and adds the integer one.
// Deterministic: the same archive, data and options give the same bytes.

import Foundation
import NpucExecutor
import NpucGraph
import NpucIO

public struct OptimizationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One line of progress: the stage, and samples or layers done of total when that is known.
public struct OptimizationProgress: Sendable {
    public var stage: String
    public var done: Int
    public var total: Int
}

public struct OptimizationResult: Sendable {
    /// The optimized archive: the original float graph, the integer network, the summary.
    public var archive: Archive
    public var network: QuantizedNetwork
    /// The float network after preparation (what `--context fp-optimized` runs).
    public var prepared: Graph
    public var summary: OptimizationSummary
    /// Wall time of each stage, in order (not stored: the archive must not depend on timing).
    public var timings: [(stage: String, seconds: Double)]
}

public enum Optimizer {
    public static func optimize(_ archive: Archive, data: CalibrationData, options: OptimizationOptions,
                                expectation: CalibrationExpectation? = nil,
                                progress: ((OptimizationProgress) -> Void)? = nil) throws(OptimizationError) -> OptimizationResult {
        guard (0...4).contains(options.level) else {
            throw OptimizationError("optimization_level=\(options.level) is out of range; use 0 to 4")
        }
        guard (0...5).contains(options.compressionLevel) else {
            throw OptimizationError("compression_level=\(options.compressionLevel) is out of range; use 0 to 5")
        }
        guard options.calibrationSize >= 1 else {
            throw OptimizationError("calibset_size=\(options.calibrationSize) must be at least 1")
        }
        var timings: [(String, Double)] = []
        func timed<T>(_ stage: String, _ body: () throws(OptimizationError) -> T) throws(OptimizationError) -> T {
            let start = DispatchTime.now().uptimeNanoseconds
            let value = try body()
            timings.append((stage, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            return value
        }
        let algorithms = options.algorithms
        try WeightChecks.requireFinite(archive.graph, stage: "network '\(archive.graph.name)'")

        // 1. Float preparation.
        progress?(OptimizationProgress(stage: "preparing the float network", done: 0, total: 1))
        let prepared = try timed("prepare") { () throws(OptimizationError) -> Graph in
            try prepare(archive.graph, options: options, algorithms: algorithms)
        }
        try WeightChecks.requireFinite(prepared, stage: "network '\(archive.graph.name)' after float preparation (batch-norm folding, normalization)")

        // 2. Calibration of the values the quantizer needs.
        let layerOptions = try LayerNames.resolve(options, prepared: prepared)
        let layerValues = try LayerValues(prepared, options: layerOptions)
        var config = QuantizerConfig(layerPrecision: layerOptions.layerPrecision, forcedRanges: layerValues.forcedRanges)
        let needed = Set(Quantizer.requiredRanges(prepared, config: config))
        let (statistics, warnings, sampleCount) = try timed("calibrate") { () throws(OptimizationError) in
            try calibrate(prepared, data: data, needed: needed, histograms: algorithms.needsHistograms ? needed : Set(layerValues.rangeMethods.keys),
                          options: options, expectation: expectation, progress: progress)
        }

        // 3. Ranges and weights.
        let ranges = try timed("ranges") { () throws(OptimizationError) -> [String: ClosedRange<Double>] in
            try activationRanges(prepared, statistics: statistics, needed: needed, method: algorithms.activationRanges,
                                 methods: layerValues.rangeMethods)
        }
        let fourBit = try timed("compression") { () throws(OptimizationError) -> [String] in
            try CompressionPlanner.fourBitLayers(prepared, level: options.compressionLevel, explicit: layerOptions.layerPrecision)
        }
        for layer in fourBit { config.layerPrecision[layer] = .a8_w4 }
        config.weightOverrides = try timed("weights") { () throws(OptimizationError) in
            try WeightChoice.weights(prepared, config: config, clipEightBit: algorithms.weightClipping)
        }
        var quantizable = prepared
        if algorithms.biasCorrection {
            quantizable = try timed("bias correction") { () throws(OptimizationError) -> Graph in
                try BiasCorrection.correct(prepared, weights: config.weightOverrides, data: data,
                                           samples: min(sampleCount, BiasCorrection.defaultSamples), progress: progress)
            }
        }
        if let rounding = algorithms.weightRounding {
            // Rounding reads the integer network as plain rounding makes it, then replaces the
            // rounded layers' weights and (bias-corrected) biases.
            let plain = try quantize(quantizable, ranges: ranges, config: config)
            let outcome = try timed("weight rounding") { () throws(OptimizationError) in
                try WeightRounding.round(float: prepared, graph: quantizable, network: plain, weights: config.weightOverrides, data: data,
                                         settings: rounding, progress: progress)
            }
            config.weightOverrides = outcome.weights
            quantizable = outcome.graph
        }

        // 4. Quantization.
        progress?(OptimizationProgress(stage: "quantizing", done: 0, total: 1))
        let network = try timed("quantize") { () throws(OptimizationError) -> QuantizedNetwork in
            try quantize(quantizable, ranges: ranges, config: config)
        }

        // 5. Quality against the float network.
        let quality = try timed("quality") { () throws(OptimizationError) -> [String: Double] in
            try QualityMeasurement.outputSNR(network, float: prepared, data: data, samples: min(options.qualitySamples, sampleCount))
        }

        // The summary shows the ranges the quantizer used: forced ones replace calibrated ones.
        let usedRanges = ranges.merging(layerValues.forcedRanges) { _, forced in forced }
        let summary = OptimizationSummary(
            level: options.level, compressionLevel: options.compressionLevel, algorithms: algorithms,
            calibrationSource: data.sourceDescription, calibrationSamples: sampleCount, warnings: warnings,
            outputSNR: quality, qualitySamples: min(options.qualitySamples, sampleCount),
            layerPrecision: config.layerPrecision.mapValues(\.rawValue), ranges: usedRanges.mapValues { [$0.lowerBound, $0.upperBound] })
        var optimized = archive
        optimized.state = .optimized
        do {
            // A previous optimization's integer data is replaced, never mixed.
            optimized.tensors = optimized.tensors.filter { !$0.key.hasPrefix(QuantizedNetwork.tensorPrefix) }
            try network.store(in: &optimized)
        } catch {
            throw OptimizationError(String(describing: error))
        }
        optimized.sections[OptimizationSummary.sectionName] = summary.encoded()
        return OptimizationResult(archive: optimized, network: network, prepared: prepared, summary: summary,
                                  timings: timings.map { (stage: $0.0, seconds: $0.1) })
    }

    static func quantize(_ graph: Graph, ranges: [String: ClosedRange<Double>], config: QuantizerConfig) throws(OptimizationError) -> QuantizedNetwork {
        do { return try Quantizer.quantize(graph, ranges: ranges, config: config) } catch {
            throw OptimizationError(String(describing: error))
        }
    }

    /// The float network the quantizer sees (also what `fp-optimized` inference runs).
    public static func prepare(_ graph: Graph, options: OptimizationOptions, algorithms: OptimizationAlgorithms) throws(OptimizationError) -> Graph {
        var preparation = options.preparation
        if algorithms.equalization, preparation.equalization == nil {
            preparation.equalization = CrossLayerEqualization()
        } else if !algorithms.equalization {
            preparation.equalization = nil
        }
        do {
            return try preparation.apply(to: graph)
        } catch {
            throw OptimizationError(String(describing: error))
        }
    }

    static func calibrate(_ graph: Graph, data: CalibrationData, needed: Set<String>, histograms: Set<String>,
                          options: OptimizationOptions, expectation: CalibrationExpectation?,
                          progress: ((OptimizationProgress) -> Void)?) throws(OptimizationError) -> ([String: ValueStatistics], [String], Int) {
        do {
            let samples = try data.open(for: graph, limit: options.calibrationSize)
            let calibrator = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: options.parallelSamples, batchSize: options.batchSize,
                                                                             values: needed))
            let stage = histograms.isEmpty ? "calibrating (ranges)" : "calibrating (ranges, histograms)"
            let result = try calibrator.collect(samples, histograms: histograms) { step in
                progress?(OptimizationProgress(stage: stage, done: step.done, total: step.total))
            }
            var warnings = samples.warnings + result.warnings
            if let expectation {
                warnings += InputChecks.warnings(result.input, expecting: expectation, source: data.sourceDescription)
            }
            return (result.statistics, warnings, samples.sampleCount)
        } catch {
            throw OptimizationError(String(describing: error))
        }
    }

    static func activationRanges(_ graph: Graph, statistics: [String: ValueStatistics], needed: Set<String>,
                                 method: RangeMethod, methods: [String: RangeMethod]) throws(OptimizationError) -> [String: ClosedRange<Double>] {
        // Pre-activation values of lookup epilogues live on the signed 16-bit grid; everything
        // else on its layer's unsigned grid (8-bit unless the layer is 16-bit; MSE on the 8-bit
        // grid is the conservative choice for both).
        var grids = [String: ActivationGrid]()
        for layer in Quantizer.plan(graph) where layer.usesLookup {
            if let pre = layer.preActivation { grids[graph[pre].name] = .preActivation }
        }
        let relevant = statistics.filter { needed.contains($0.key) }
        do {
            return try ActivationRanges.ranges(relevant, method: method, methods: methods, grids: grids)
        } catch {
            throw OptimizationError(String(describing: error))
        }
    }
}
