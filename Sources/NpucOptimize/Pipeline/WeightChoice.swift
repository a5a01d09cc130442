// The integer weights of every layer with weights, chosen before quantization: per output
// channel, symmetric, at the layer's precision, with the MSE-clipped magnitude when clipping is on
// (always for 4-bit layers, where it pays most). The same integers drive bias correction.

import NpucGraph

enum WeightChoice {
    /// Weighted layers of a plan: the layer name, its node, and its weight layout.
    static func weightedLayers(_ graph: Graph) -> [(name: String, node: Node, layout: WeightLayout)] {
        Quantizer.plan(graph).compactMap { layer in
            let node = graph.nodes[layer.node.index]
            switch node.op {
            case .conv, .dense: return (layer.name, node, .outputChannelsFirst)
            case .convTranspose(let a): return (layer.name, node, .convTranspose(group: a.group))
            default: return nil
            }
        }
    }

    /// The integer weights of every weighted layer: MSE-clipped when `clipEightBit` (or the layer
    /// is 4-bit), plain max-magnitude otherwise — exactly what the quantizer would choose itself.
    static func weights(_ graph: Graph, config: QuantizerConfig, clipEightBit: Bool) throws(OptimizationError) -> [String: QuantizedWeights] {
        var result = [String: QuantizedWeights]()
        for (name, node, layout) in weightedLayers(graph) {
            guard node.inputs.count > 1, let weights = graph.constants[node.inputs[1]] else { continue }
            let bits = config.precision(of: name).weightBits
            do {
                let clip = bits == 4 || clipEightBit
                    ? try WeightClipping.mseMagnitudes(weights, layout: layout, bits: bits, name: "\(name) weights") : nil
                result[name] = try WeightQuantization.quantize(weights, layout: layout, bits: bits, clip: clip,
                                                               what: "layer '\(name)' weights")
            } catch let error as RangeSettingError {
                throw OptimizationError(String(describing: error))
            } catch let error as QuantizationError {
                throw OptimizationError(String(describing: error))
            } catch {
                throw OptimizationError("\(error)")
            }
        }
        return result
    }
}

/// `compression_level`: which layers get 4-bit weights. Level k converts the least sensitive
/// layers until they hold k × 20 % of the weights (level 5: all eligible layers); the layers of
/// level k are always among those of level k + 1. Sensitivity is the
/// relative error of the layer's own weights at 4 bits (MSE-clipped): ‖Ŵ − W‖² / ‖W‖². The first
/// layer and layers producing network outputs stay at 8 bits, as do layers given a precision
/// explicitly.
enum CompressionPlanner {
    static func fourBitLayers(_ graph: Graph, level: Int, explicit: [String: PrecisionMode]) throws(OptimizationError) -> [String] {
        guard level > 0 else { return [] }
        let outputs = Set(graph.outputs)
        let inputs = Set(graph.inputs)
        var candidates = [(name: String, params: Int, error: Double)]()
        var total = 0
        for (name, node, layout) in WeightChoice.weightedLayers(graph) {
            guard node.inputs.count > 1, let weights = graph.constants[node.inputs[1]] else { continue }
            total += weights.elementCount
            let readsInput = node.inputs.contains { inputs.contains($0) }
            let writesOutput = node.outputs.contains { outputs.contains($0) }
            guard explicit[name] == nil, !readsInput, !writesOutput else { continue }
            let error: Double
            do {
                let clip = try WeightClipping.mseMagnitudes(weights, layout: layout, bits: 4, name: name)
                let q = try WeightQuantization.quantize(weights, layout: layout, bits: 4, clip: clip, what: name)
                error = relativeError(weights, q, layout: layout)
            } catch {
                throw OptimizationError("\(error)")
            }
            candidates.append((name, weights.elementCount, error))
        }
        // Level by level, each filling its larger budget on top of the level below, so a layer
        // 4-bit at level k stays 4-bit at every higher level.
        let ordered = candidates.sorted(by: { $0.error != $1.error ? $0.error < $1.error : $0.name < $1.name })
        var chosen = Set<String>()
        var used = 0
        for step in 1...level {
            let budget = Double(total) * min(1, 0.2 * Double(step))
            for c in ordered where !chosen.contains(c.name) {
                if step < 5, Double(used + c.params) > budget { continue }
                chosen.insert(c.name)
                used += c.params
            }
        }
        return chosen.sorted()
    }

    static func relativeError(_ weights: Tensor, _ q: QuantizedWeights, layout: WeightLayout) -> Double {
        let w = weights.floats
        let (channelOf, _) = layout.channels(shape: weights.shape)
        var noise = 0.0, signal = 0.0
        for i in w.indices {
            let x = Double(w[i])
            let e = Double(q.values[i]) * q.scales[channelOf[i]] - x
            noise += e * e
            signal += x * x
        }
        return signal > 0 ? noise / signal : 0
    }
}
