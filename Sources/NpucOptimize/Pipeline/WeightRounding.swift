// Levels 3–4 (and `post_quantization_optimization(adaround, policy=enabled)`): data-driven
// rounding of every convolution's and dense layer's weights, with its bias solved alongside.
// Calibration samples run through the integer network quantized with plain rounding; each
// layer's input patches (LayerInputGram) give H̃, and OptimalRounding picks the integers on the
// layer's fixed per-channel grid (the scales WeightChoice chose), compensating each rounding
// error in the weights not yet rounded and finally in the bias, so that the layer's output on
// those inputs stays closest to what the float weights give. 16-bit layers,
// transposed convolutions and layers whose input the integer network does not expose keep plain
// rounding. Layers are solved in parallel; each result depends only on its own statistics, so
// the outcome does not depend on the thread count.

import Dispatch
import Foundation
import NpucExecutor
import NpucGraph

public struct WeightRoundingSettings: Sendable, Hashable, Codable {
    /// Calibration samples whose layer inputs build H.
    public var samples: Int
    /// Input patches taken per sample and layer.
    public var patchesPerSample: Int

    public init(samples: Int, patchesPerSample: Int) {
        self.samples = max(1, samples)
        self.patchesPerSample = max(1, patchesPerSample)
    }
}

enum WeightRounding {
    struct Outcome {
        /// Every layer's weights (rounded ones replaced).
        var weights: [String: QuantizedWeights]
        /// The graph with the rounded layers' new biases.
        var graph: Graph
    }

    /// `float`: the prepared float network (the weights and biases to approximate); `graph`: the
    /// network about to be quantized (`float`, possibly with corrected biases), whose rounded
    /// layers get new biases; `network`: `graph` quantized with plain rounding.
    static func round(float: Graph, graph: Graph, network: QuantizedNetwork, weights: [String: QuantizedWeights], data: CalibrationData,
                      settings: WeightRoundingSettings, progress: ((OptimizationProgress) -> Void)?) throws(OptimizationError) -> Outcome {
        var layers: [(name: String, node: Node, weights: QuantizedWeights, gram: LayerInputGram)] = []
        for (name, node, layout) in WeightChoice.weightedLayers(graph) {
            guard layout == .outputChannelsFirst, let q = weights[name], q.bits < 16,
                  network.values[graph[node.inputs[0]].name] != nil,
                  let geometry = LayerInputGram.geometry(of: node, graph: graph) else { continue }
            layers.append((name, node, q, LayerInputGram(geometry: geometry, patchesPerSample: settings.patchesPerSample)))
        }
        guard !layers.isEmpty else { return Outcome(weights: weights, graph: graph) }
        var readers = [String: [Int]]()
        for (i, layer) in layers.enumerated() { readers[graph[layer.node.inputs[0]].name, default: []].append(i) }
        let outputSizes = layers.map { layer -> (h: Int, w: Int) in
            let shape = graph.type(of: layer.node.outputs[0]).shape
            return shape.count == 4 ? (shape[2], shape[3]) : (1, shape.count == 3 ? shape[2] : 1)
        }

        // 1. H̃ of every layer, sample by sample.
        do {
            let samples = try data.open(for: graph, limit: settings.samples)
            let emulator = try IntegerEmulator(network)
            let grams = layers.map(\.gram)
            for run in 0..<samples.count {
                progress?(OptimizationProgress(stage: "weight rounding (layer inputs)", done: run, total: samples.count))
                let input = try network.quantizeInputs([samples.inputName: try samples.input(run)])
                _ = try emulator.run(input) { name, tensor in
                    guard let indices = readers[name], let info = network.values[name] else { return }
                    let values = info.domain.dequantize(tensor)
                    for i in indices { grams[i].gather(values, outputSize: outputSizes[i], sample: run) }
                }
                DispatchQueue.concurrentPerform(iterations: grams.count) { grams[$0].accumulate() }
            }
        } catch let error as OptimizationError {
            throw error
        } catch {
            throw OptimizationError("weight rounding: \(error)")
        }

        // 2. The integers and biases, largest layers first so the two cores finish together.
        progress?(OptimizationProgress(stage: "weight rounding (solving)", done: 0, total: layers.count))
        let cost = layers.map { $0.gram.geometry.columns * $0.gram.geometry.columns * $0.gram.geometry.groups }
        let order = layers.indices.sorted { cost[$0] != cost[$1] ? cost[$0] > cost[$1] : $0 < $1 }
        let solved = SolvedSlots(count: layers.count)
        let work = layers.map { (node: $0.node, weights: $0.weights, gram: $0.gram) }
        DispatchQueue.concurrentPerform(iterations: order.count) { k in
            let i = order[k]
            let node = work[i].node
            let bias = node.inputs.count > 2 ? float.constants[node.inputs[2]] : nil
            solved.set(i, solve(work[i].weights, float: float.constants[node.inputs[1]], bias: bias, gram: work[i].gram))
        }
        var result = weights
        var corrected = graph
        for (i, layer) in layers.enumerated() {
            guard let (values, bias) = solved.value(i) else { continue }
            result[layer.name]?.values = values
            corrected.setBias(Tensor(shape: [bias.count], float32: bias.map { Float($0) }), ofNode: layer.node.name,
                              constantName: "\(layer.name)/rounding_bias")
        }
        do {
            try corrected.verify()
        } catch {
            preconditionFailure("weight rounding produced an invalid graph: \(error)")
        }
        return Outcome(weights: result, graph: corrected)
    }

    /// One layer's rounded integers and new bias (group by group), or nil to keep plain rounding.
    static func solve(_ q: QuantizedWeights, float: Tensor?, bias: Tensor?, gram: LayerInputGram) -> ([Int32], [Double])? {
        guard let float, float.elementCount == q.values.count, gram.patchCount > 0 else { return nil }
        let g = gram.geometry
        let k = g.columns, weightColumns = k - 1
        let outputs = q.shape[0], rowsPerGroup = outputs / max(g.groups, 1)
        guard weightColumns * outputs == q.values.count, bias.map({ $0.elementCount == outputs }) ?? true else { return nil }
        let w = float.floats
        let b = bias?.floats ?? [Float](repeating: 0, count: outputs)
        var values = q.values
        var newBias = b.map(Double.init)
        for group in 0..<g.groups {
            let rows = group * rowsPerGroup..<(group + 1) * rowsPerGroup
            var matrix = [Double]()
            matrix.reserveCapacity(rows.count * k)
            for r in rows {
                matrix += w[(r * weightColumns)..<((r + 1) * weightColumns)].map(Double.init)
                matrix.append(Double(b[r]))
            }
            guard let solution = OptimalRounding.round(weights: matrix, rows: rows.count, columns: k, freeColumns: 1,
                                                       scales: Array(q.scales[rows]), maxMagnitude: QuantizedWeights.maxMagnitude(bits: q.bits),
                                                       gram: gram.grams[group]) else { continue }
            values.replaceSubrange((rows.lowerBound * weightColumns)..<(rows.upperBound * weightColumns), with: solution.integers)
            for (j, r) in rows.enumerated() { newBias[r] = solution.free[j] }
        }
        return (values, newBias)
    }
}

/// One result per layer, each written by exactly one iteration.
private final class SolvedSlots: @unchecked Sendable {
    private var slots: [([Int32], [Double])?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: ([Int32], [Double])?) { lock.withLock { slots[i] = value } }
    func value(_ i: Int) -> ([Int32], [Double])? { lock.withLock { slots[i] } }
}
