// Bias correction: weight quantization shifts each output channel's mean by ε·E[x], where
// ε = Ŵ − W is the channel's weight error and E[x] the mean of the layer's input per input
// channel. Subtracting it from the float bias before quantization removes that bias (Nagel et
// al., "Data-Free Quantization", §4.2, with the means measured on calibration data). Border
// effects of zero padding are ignored (the mean is taken over the whole map).

import Foundation
import NpucExecutor
import NpucGraph

enum BiasCorrection {
    static let defaultSamples = 16

    static func correct(_ graph: Graph, weights: [String: QuantizedWeights], data: CalibrationData, samples count: Int,
                        progress: ((OptimizationProgress) -> Void)?) throws(OptimizationError) -> Graph {
        let layers = WeightChoice.weightedLayers(graph).filter { weights[$0.name] != nil }
        let means = try inputChannelMeans(graph, inputs: Set(layers.map { $0.node.inputs[0] }), data: data, samples: count,
                                          progress: progress)
        var corrected = graph
        for (name, node, layout) in layers {
            guard let q = weights[name], let w = graph.constants[node.inputs[1]], let mu = means[node.inputs[0]] else { continue }
            let shift = meanShift(node.op, weights: w, quantized: q, layout: layout, inputMeans: mu)
            let outputs = shift.count
            var bias = [Float](repeating: 0, count: outputs)
            if node.inputs.count > 2, let b = graph.constants[node.inputs[2]] { bias = b.floats }
            let newBias = Tensor(shape: [outputs], float32: (0..<outputs).map { bias[$0] - Float(shift[$0]) })
            corrected.setBias(newBias, ofNode: node.name, constantName: "\(name)/bias_correction")
        }
        do {
            try corrected.verify()
        } catch {
            preconditionFailure("bias correction produced an invalid graph: \(error)")
        }
        return corrected
    }

    /// Per-channel means (axis 1, over batch and spatial positions) of `values`, over `count` samples.
    static func inputChannelMeans(_ graph: Graph, inputs values: Set<ValueID>, data: CalibrationData, samples count: Int,
                                  progress: ((OptimizationProgress) -> Void)?) throws(OptimizationError) -> [ValueID: [Double]] {
        do {
            let samples = try data.open(for: graph, limit: count)
            let executor = try FloatExecutor(graph)
            var sums = [ValueID: [Double]]()
            var counts = [ValueID: Int]()
            for run in 0..<samples.count {
                progress?(OptimizationProgress(stage: "bias correction", done: run, total: samples.count))
                _ = try executor.run([samples.inputName: try samples.input(run)]) { (id: ValueID, x: UnsafeBufferPointer<Float>) in
                    let shape = graph.type(of: id).shape
                    guard values.contains(id), shape.count >= 2 else { return }
                    let channels = shape[1]
                    let inner = shape.dropFirst(2).reduce(1, *)
                    var s = sums[id] ?? Array(repeating: 0, count: channels)
                    for n in 0..<shape[0] {
                        for c in 0..<channels {
                            let base = (n * channels + c) * inner
                            var acc = 0.0
                            for i in 0..<inner { acc += Double(x[base + i]) }
                            s[c] += acc
                        }
                    }
                    sums[id] = s
                    counts[id, default: 0] += shape[0] * inner
                }
            }
            return sums.reduce(into: [:]) { result, entry in
                let n = Double(max(counts[entry.key] ?? 1, 1))
                result[entry.key] = entry.value.map { $0 / n }
            }
        } catch {
            throw OptimizationError("bias correction: \(error)")
        }
    }

    /// ε·E[x] per output channel.
    static func meanShift(_ op: Op, weights: Tensor, quantized q: QuantizedWeights, layout: WeightLayout,
                          inputMeans mu: [Double]) -> [Double] {
        let w = weights.floats
        let (channelOf, outputs) = layout.channels(shape: weights.shape)
        var shift = [Double](repeating: 0, count: outputs)
        switch op {
        case .conv(let a):
            // [M, C/g, taps]: input channel = group(m)·(C/g) + k.
            let perGroupIn = weights.shape[1], taps = weights.shape.dropFirst(2).reduce(1, *)
            let perGroupOut = max(outputs / max(a.group, 1), 1)
            for i in w.indices {
                let m = channelOf[i], k = (i / taps) % perGroupIn
                let c = (m / perGroupOut) * perGroupIn + k
                shift[m] += (Double(q.values[i]) * q.scales[m] - Double(w[i])) * mu[c]
            }
        case .convTranspose:
            // [C, M/g, taps]: the input channel is the first index.
            let per = weights.shape.dropFirst().reduce(1, *)
            for i in w.indices {
                let m = channelOf[i], c = i / per
                shift[m] += (Double(q.values[i]) * q.scales[m] - Double(w[i])) * mu[c]
            }
        default:
            // Dense [M, K].
            let k = weights.shape[1]
            for i in w.indices {
                let m = channelOf[i]
                shift[m] += (Double(q.values[i]) * q.scales[m] - Double(w[i])) * mu[i % k]
            }
        }
        return shift
    }
}
