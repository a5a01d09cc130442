// Quantizing convolutions, transposed convolutions and dense layers: per-channel symmetric
// weights (or an algorithm's), the bias in the accumulator's scale, the accumulator's worst case,
// and the epilogue's per-channel multipliers M[c] = Sx · Sw[c] / S_out (or / S_pre).

import NpucGraph

extension QuantizerSession {
    mutating func buildAccumulating(_ layer: PlannedLayer, precision: PrecisionMode, layout: WeightLayout,
                                    make: (Tensor, Tensor, IntegerEpilogue) -> IntegerOp) throws(QuantizationError) {
        let node = graph[layer.node]
        let input = try domain(of: node.inputs[0], in: layer)
        let weightTensor = try constant(node.inputs[1], of: layer, role: "weight tensor")
        let biasTensor = node.inputs.count > 2 ? try constant(node.inputs[2], of: layer, role: "bias") : nil
        let weights: QuantizedWeights
        if let given = config.weightOverrides[layer.name] {
            guard given.shape == weightTensor.shape, given.bits == precision.weightBits,
                  given.values.count == weightTensor.elementCount,
                  given.scales.count == layout.channels(shape: given.shape).count,
                  given.scales.allSatisfy({ $0.isFinite && $0 > 0 }),
                  given.values.allSatisfy({ $0.magnitude <= QuantizedWeights.maxMagnitude(bits: given.bits) }) else {
                throw QuantizationError("layer '\(layer.name)': the given integer weights (\(given.bits)-bit, shape \(ShapeArithmetic.describe(given.shape))) do not fit its \(precision.weightBits)-bit weights of shape \(ShapeArithmetic.describe(weightTensor.shape)) with one positive scale per output channel")
            }
            weights = given
        } else {
            weights = try WeightQuantization.quantize(weightTensor, layout: layout, bits: precision.weightBits,
                                                      what: "layer '\(layer.name)': the weights '\(name(node.inputs[1]))'")
        }
        let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
        let target = try epilogueTarget(layer, output: out)
        let accumulatorBits = input.bits == 16 || weights.bits == 16 || out.bits == 16 ? 64 : 32
        let bias = try WeightQuantization.quantizeBias(biasTensor, inputScale: input.scale, weightScales: weights.scales,
                                                       accumulatorBits: accumulatorBits, layer: layer.name)
        let worst = WeightQuantization.worstCaseAccumulators(weights: weights, layout: layout, bias: bias, input: input)
        let limit = accumulatorBits == 32 ? Double(Int32.max) : Double(Rounding.productSaturation)
        if let c = worst.indices.first(where: { worst[$0] > limit }) {
            throw QuantizationError("layer '\(layer.name)': output channel \(c) can reach an accumulator of \(worst[c]), which does not fit \(accumulatorBits) bits; use a 16-bit precision_mode for this layer (or split it)")
        }
        let multipliers = try weights.scales.enumerated().map { c, sw throws(QuantizationError) in
            try Multiplier(encoding: input.scale * sw / target.scale, what: "layer '\(layer.name)': the multiplier of output channel \(c)")
        }
        let biasTensorQ = accumulatorBits == 32
            ? Tensor(shape: [bias.count], storage: .int32(bias.map { Int32($0) }))
            : Tensor(shape: [bias.count], storage: .int64(bias))
        append(layer, inputs: [node.inputs[0]], op: make(weights.tensor, biasTensorQ, target.epilogue(multipliers)))
    }
}
