// Per-layer noise analysis of a quantized network against the float network it was quantized
// from (the prepared graph: its values carry the same names as the integer network's).
// For each sample:
//   1. the emulator runs the whole integer network and keeps every layer output's integers
//      (1–2 bytes per element, a quarter of the float values' memory or less);
//   2. the float executor runs the prepared graph and reports each value as it is computed; a
//      layer output is compared with its kept integers, dequantized (the accumulated SNR), and
//      once all of a layer's outputs are in, the layer alone runs in the emulator on its float
//      inputs quantized into its input domains (the isolated SNR). Float values are kept only
//      until the last layer reading them has run.
// SNR = 10·log10(Σ float² / Σ (dequantized − float)²), summed over all elements and samples.

import Foundation
import NpucExecutor
import NpucGraph

public struct NoiseAnalysisError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Progress of an analysis: samples done of total.
public struct NoiseAnalysisProgress: Sendable {
    public var done: Int
    public var total: Int
}

public enum NoiseAnalyzer {
    /// Analyzes `network` against `float` (the prepared float graph it was quantized from) on
    /// at most `samples` samples of `data` (fed as calibration data is).
    public static func analyze(_ network: QuantizedNetwork, float graph: Graph, data: CalibrationData, samples limit: Int,
                               thresholds: NoiseThresholds = NoiseThresholds(),
                               progress: ((NoiseAnalysisProgress) -> Void)? = nil) throws(NoiseAnalysisError) -> NoiseReport {
        guard limit >= 1 else { throw NoiseAnalysisError("the number of samples must be at least 1 (got \(limit))") }
        let samples: CalibrationSamples
        do {
            samples = try data.open(for: graph, limit: limit)
        } catch {
            throw NoiseAnalysisError(error.description)
        }
        let state = try AnalysisState(network: network, graph: graph)
        progress?(NoiseAnalysisProgress(done: 0, total: samples.count))
        for run in 0..<samples.count {
            let input: Tensor
            do {
                input = try samples.input(run)
            } catch {
                throw NoiseAnalysisError(error.description)
            }
            try state.measure([samples.inputName: input])
            progress?(NoiseAnalysisProgress(done: run + 1, total: samples.count))
        }
        var layers = state.results(thresholds: thresholds)
        layers.sort { a, b in
            if a.isolatedSNR != b.isolatedSNR { return a.isolatedSNR < b.isolatedSNR }
            if a.accumulatedSNR != b.accumulatedSNR { return a.accumulatedSNR < b.accumulatedSNR }
            return a.layer < b.layer
        }
        return NoiseReport(network: network.name, source: samples.source, samples: samples.sampleCount, layers: layers,
                           outputSNR: state.outputSNR(), thresholds: thresholds)
    }
}

/// The sums of one analysis, and the per-sample passes that feed them.
final class AnalysisState {
    struct Sums {
        var accumulatedSignal = 0.0, accumulatedNoise = 0.0
        var isolatedSignal = 0.0, isolatedNoise = 0.0
        var low = Double.infinity, high = -Double.infinity
        var clipped = 0, elements = 0
    }

    let network: QuantizedNetwork
    let graph: Graph
    let emulator: IntegerEmulator
    let executor: FloatExecutor
    /// One single-layer emulator per layer.
    let isolated: [IntegerEmulator]
    /// Layer index producing each value.
    let producer: [String: Int]
    /// Unique feature-map inputs of each layer.
    let layerInputs: [[String]]
    /// How many layers read each value.
    let readerCount: [String: Int]
    var sums: [Sums]
    /// Accumulated signal and noise of each network output.
    var outputSums: [String: (signal: Double, noise: Double)] = [:]

    init(network: QuantizedNetwork, graph: Graph) throws(NoiseAnalysisError) {
        self.network = network
        self.graph = graph
        let floatNames = Set(graph.values.map(\.name))
        for name in network.values.keys.sorted() where !floatNames.contains(name) {
            throw NoiseAnalysisError("the integer network's value '\(name)' is not a value of the float network '\(graph.name)'; the archive's model script or float network changed since `npuc optimize` — optimize again")
        }
        for name in network.inputs where !graph.inputs.map({ graph[$0].name }).contains(name) {
            throw NoiseAnalysisError("the integer network's input '\(name)' is not an input of the float network '\(graph.name)'")
        }
        do {
            emulator = try IntegerEmulator(network)
            isolated = try network.layers.map { layer throws(QuantizedNetworkError) in
                try IntegerEmulator(LayerIsolation.network(for: layer, in: network))
            }
        } catch {
            throw NoiseAnalysisError("the integer network is invalid: \(error.message); run `npuc optimize` again")
        }
        do {
            executor = try FloatExecutor(graph)
        } catch {
            throw NoiseAnalysisError("the float network '\(graph.name)' cannot run: \(error)")
        }
        var producer = [String: Int]()
        var readers = [String: Int]()
        var inputs = [[String]]()
        for (i, layer) in network.layers.enumerated() {
            for o in layer.outputs { producer[o] = i }
            let unique = LayerIsolation.uniqueInputs(layer)
            for name in unique { readers[name, default: 0] += 1 }
            inputs.append(unique)
        }
        self.producer = producer
        readerCount = readers
        layerInputs = inputs
        sums = Array(repeating: Sums(), count: network.layers.count)
    }

    /// One sample through both passes.
    func measure(_ input: [String: Tensor]) throws(NoiseAnalysisError) {
        let quantizedInput: [String: Tensor]
        do {
            quantizedInput = try network.quantizeInputs(input)
        } catch {
            throw NoiseAnalysisError(error.message)
        }
        var kept = [String: Tensor]()
        do {
            _ = try emulator.run(quantizedInput) { name, tensor in
                if producer[name] != nil { kept[name] = tensor }
            }
        } catch {
            throw NoiseAnalysisError("the integer network failed: \(error.message)")
        }

        var floats = [String: Tensor]()
        var remainingReaders = readerCount
        var pendingOutputs = network.layers.map(\.outputs.count)
        var failure: NoiseAnalysisError?
        do {
            _ = try executor.run(input) { id, tensor in
                guard failure == nil else { return }
                let name = graph[id].name
                let isInput = network.inputs.contains(name)
                guard isInput || producer[name] != nil else { return }
                if readerCount[name] != nil || producer[name] != nil { floats[name] = tensor }
                guard let i = producer[name] else { return }
                // Accumulated: the kept integers of this value against the float value.
                let domain = network.values[name]!.domain
                if let q = kept.removeValue(forKey: name) {
                    let reference = tensor.floats
                    let (s, n) = SNRAccumulator.terms(reference: reference, measured: domain.dequantize(q).floats)
                    sums[i].accumulatedSignal += s
                    sums[i].accumulatedNoise += n
                    if network.outputs.contains(name) {
                        outputSums[name, default: (0, 0)].signal += s
                        outputSums[name, default: (0, 0)].noise += n
                    }
                    record(reference, domain: domain, into: &sums[i])
                }
                pendingOutputs[i] -= 1
                guard pendingOutputs[i] == 0 else { return }
                // Isolated: the layer alone on its float inputs.
                do throws(NoiseAnalysisError) {
                    try runIsolated(i, floats: floats)
                } catch {
                    failure = error
                    return
                }
                for input in layerInputs[i] {
                    remainingReaders[input, default: 0] -= 1
                    if remainingReaders[input] == 0 { floats[input] = nil }
                }
                for output in network.layers[i].outputs where (remainingReaders[output] ?? 0) == 0 { floats[output] = nil }
            }
        } catch {
            throw NoiseAnalysisError("the float network failed: \(error)")
        }
        if let failure { throw failure }
    }

    private func runIsolated(_ i: Int, floats: [String: Tensor]) throws(NoiseAnalysisError) {
        let layer = network.layers[i]
        var inputs = [String: Tensor]()
        for name in layerInputs[i] {
            guard let t = floats[name] else {
                throw NoiseAnalysisError("internal error: the float value '\(name)' read by layer '\(layer.name)' was not kept")
            }
            inputs[name] = t.dataType == .float32 ? t : Tensor(shape: t.shape, float32: t.floats)
        }
        let outputs: [String: Tensor]
        do {
            outputs = try isolated[i].runDequantized(inputs)
        } catch {
            throw NoiseAnalysisError("layer '\(layer.name)' alone failed: \(error.message)")
        }
        for name in layer.outputs {
            guard let reference = floats[name], let measured = outputs[name] else { continue }
            let (s, n) = SNRAccumulator.terms(reference: reference.floats, measured: measured.floats)
            sums[i].isolatedSignal += s
            sums[i].isolatedNoise += n
        }
    }

    /// The observed range and the clipped count of a layer output.
    private func record(_ values: [Float], domain: QuantDomain, into sums: inout Sums) {
        let range = domain.representableRange
        let margin = domain.scale / 2
        let lo = range.lowerBound - margin, hi = range.upperBound + margin
        var low = sums.low, high = sums.high, clipped = 0
        for v in values {
            let d = Double(v)
            if d < low { low = d }
            if d > high { high = d }
            if d < lo || d > hi { clipped += 1 }
        }
        sums.low = low
        sums.high = high
        sums.clipped += clipped
        sums.elements += values.count
    }

    func results(thresholds: NoiseThresholds) -> [LayerNoise] {
        var results = network.layers.enumerated().map { i, layer in
            let s = sums[i]
            let domain = network.values[layer.outputs[0]]!.domain
            let range = domain.representableRange
            let width = range.upperBound - range.lowerBound
            let observed = s.elements > 0 ? [s.low, s.high] : [0, 0]
            var noise = LayerNoise(
                layer: layer.name, sourceNames: layer.sourceNames, kind: layer.op.kind.rawValue, outputs: layer.outputs,
                activationBits: domain.bits, weightBits: LayerIsolation.weightBits(layer.op),
                accumulatedSNR: SNRAccumulator.decibels(signal: s.accumulatedSignal, noise: s.accumulatedNoise),
                isolatedSNR: SNRAccumulator.decibels(signal: s.isolatedSignal, noise: s.isolatedNoise),
                domainRange: [range.lowerBound, range.upperBound], observedRange: observed,
                clippedFraction: s.elements > 0 ? Double(s.clipped) / Double(s.elements) : 0,
                rangeUse: width > 0 ? (observed[1] - observed[0]) / width : 0,
                hintKind: .none, hint: "")
            (noise.hintKind, noise.hint) = thresholds.hint(for: noise, keepsInputDomain: layer.op.kind.keepsInputDomain)
            return noise
        }
        // A layer that reads a value of badly fitted range inherits that domain's noise (its input
        // domain is the producer's output domain): point at the producer instead of at precision.
        // Domain-keeping layers pass the flag on to their readers.
        var poorRange = [String: String]()
        for (i, layer) in network.layers.enumerated() {
            if results[i].hintKind == .layerPrecision,
               let input = layerInputs[i].first(where: { poorRange[$0] != nil }), let culprit = poorRange[input] {
                results[i].hintKind = .inputRange
                results[i].hint = "its input '\(input)' has a poorly fitted range: fix layer \(culprit) first"
            }
            let flagged = [.rangeTooNarrow, .rangeTooWide].contains(results[i].hintKind) ? layer.name
                : (layer.op.kind.keepsInputDomain ? layerInputs[i].first.flatMap { poorRange[$0] } : nil)
            if let flagged { for o in layer.outputs { poorRange[o] = flagged } }
        }
        return results
    }

    /// The accumulated SNR of each network output.
    func outputSNR() -> [String: Double] {
        var result = [String: Double]()
        for (name, sums) in outputSums { result[name] = SNRAccumulator.decibels(signal: sums.signal, noise: sums.noise) }
        return result
    }
}
