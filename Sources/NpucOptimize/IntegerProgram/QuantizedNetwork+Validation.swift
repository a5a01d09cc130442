// The quantized network's invariant checker, run on every decoded network and by the emulator
// before it runs one: names resolve in topological order, domains are valid, every layer's
// shapes follow its op's shape inference, parameters have the right element types, shapes and
// ranges, and no accumulator can overflow its declared width. Errors name the layer.

import NpucGraph

extension QuantizedNetwork {
    public func validate() throws(QuantizedNetworkError) {
        for name in values.keys.sorted() {
            let info = values[name]!
            guard info.domain.isValid else {
                throw QuantizedNetworkError("value '\(name)' has an invalid domain \(info.domain) (bits must be 8 or 16, the scale positive and finite, 0 ≤ Z ≤ Q)")
            }
            guard ShapeArithmetic.elementCount(info.shape) != nil else {
                throw QuantizedNetworkError("value '\(name)' has an invalid shape \(info.shape)")
            }
        }
        var defined = Set<String>()
        for name in inputs {
            guard values[name] != nil else { throw QuantizedNetworkError("network input '\(name)' has no shape and domain") }
            guard defined.insert(name).inserted else { throw QuantizedNetworkError("network input '\(name)' is listed twice") }
        }
        var layerNames = Set<String>()
        for layer in layers {
            guard layerNames.insert(layer.name).inserted else { throw QuantizedNetworkError("layer name '\(layer.name)' is used twice") }
            for input in layer.inputs where !defined.contains(input) {
                throw QuantizedNetworkError("layer '\(layer.name)' reads '\(input)' before any layer produces it")
            }
            for output in layer.outputs {
                guard values[output] != nil else { throw QuantizedNetworkError("layer '\(layer.name)' writes '\(output)', which has no shape and domain") }
                guard defined.insert(output).inserted else {
                    throw QuantizedNetworkError("layer '\(layer.name)' writes '\(output)', which is already defined")
                }
            }
            try LayerValidator(layer: layer, network: self).check()
        }
        for output in outputs where !defined.contains(output) {
            throw QuantizedNetworkError("network output '\(output)' is never produced")
        }
    }
}

/// The checks of one layer.
struct LayerValidator {
    let layer: QuantizedLayer
    let inputs: [QuantizedValueInfo]
    let outputs: [QuantizedValueInfo]

    init(layer: QuantizedLayer, network: QuantizedNetwork) {
        self.layer = layer
        inputs = layer.inputs.map { network.values[$0]! }
        outputs = layer.outputs.map { network.values[$0]! }
    }

    func fail(_ message: String) -> QuantizedNetworkError {
        QuantizedNetworkError("layer '\(layer.name)' (\(layer.op.kind.rawValue)): \(message)")
    }

    func check() throws(QuantizedNetworkError) {
        let kind = layer.op.kind
        try checkCounts(kind)
        if kind.keepsInputDomain {
            for (i, o) in outputs.enumerated() where o.domain != inputs[0].domain {
                throw fail("output '\(layer.outputs[i])' has the domain \(o.domain) but this layer keeps its input's \(inputs[0].domain)")
            }
        }
        switch layer.op {
        case .conv(let a):
            try expectShapes(a.attributes, [inputs[0].shape, a.weights.shape, a.bias.shape])
            try checkAccumulating(weightBits: a.weightBits, weights: a.weights, bias: a.bias, layout: .outputChannelsFirst,
                                  epilogue: a.epilogue)
        case .convTranspose(let a):
            try expectShapes(a.attributes, [inputs[0].shape, a.weights.shape, a.bias.shape])
            try checkAccumulating(weightBits: a.weightBits, weights: a.weights, bias: a.bias,
                                  layout: .convTranspose(group: a.attributes.group), epilogue: a.epilogue)
        case .dense(let a):
            try expectShapes(Dense(), [inputs[0].shape, a.weights.shape, a.bias.shape])
            try checkAccumulating(weightBits: a.weightBits, weights: a.weights, bias: a.bias, layout: .outputChannelsFirst,
                                  epilogue: a.epilogue)
        case .addSub(let a):
            guard a.function == .add || a.function == .sub else { throw fail("the function is \(a.function.rawValue), not add or sub") }
            try checkOperands(a.operands)
            try checkCombination(a.combination, terms: 2)
            try checkEpilogue(a.epilogue)
        case .mul(let a):
            try checkOperands(a.operands)
            try checkEpilogue(a.epilogue)
        case .scale(let a):
            guard outputs[0].shape == inputs[0].shape else { throw fail("the output shape differs from the input's") }
            try checkEpilogue(a.epilogue)
        case .maxMin(let a):
            guard a.function == .max || a.function == .min else { throw fail("the function is \(a.function.rawValue), not max or min") }
            try checkOperands(a.operands)
            guard a.combinations.count == 2 else { throw fail("\(a.combinations.count) combinations for 2 operands") }
            for c in a.combinations { try checkCombination(c, terms: 1) }
        case .concat(let a):
            try expectShapes(Concat(axis: a.axis), inputs.map(\.shape))
            guard a.combinations.count == inputs.count else { throw fail("\(a.combinations.count) combinations for \(inputs.count) inputs") }
            for c in a.combinations { try checkCombination(c, terms: 1) }
        case .maxPool(let a):
            try expectShapes(a, [inputs[0].shape])
        case .averagePool(let a):
            try expectShapes(a.attributes, [inputs[0].shape])
            let area = a.attributes.kernelShape.reduce(1, *)
            guard a.divisors.count == area else { throw fail("\(a.divisors.count) divisor multipliers for a window of \(area)") }
            for m in a.divisors { try checkMultiplier(m) }
        case .globalMaxPool(let a):
            try expectShapes(a, [inputs[0].shape])
        case .globalAveragePool(let a):
            try expectShapes(GlobalPooling(), [inputs[0].shape])
            try checkMultiplier(a.multiplier)
        case .reduceMean(let a):
            try expectShapes(Reduce(function: .mean, axes: a.axes, keepDims: a.keepDims), [inputs[0].shape])
            try checkMultiplier(a.multiplier)
        case .resizeNearest(let a):
            try expectShapes(a, [inputs[0].shape])
            guard a.mode == .nearest, a.coordinateTransformation != .tfCropAndResize else {
                throw fail("a nearest resize must have mode nearest and no tf_crop_and_resize")
            }
        case .resizeBilinear(let a):
            try expectShapes(a.attributes, [inputs[0].shape])
            let x = inputs[0].shape
            guard a.attributes.mode == .linear, !a.attributes.antialias, a.attributes.coordinateTransformation != .tfCropAndResize,
                  x.count == 3 || x.count == 4, a.attributes.outputShape[0] == x[0], a.attributes.outputShape[1] == x[1] else {
                throw fail("a bilinear resize is linear, without antialias or tf_crop_and_resize, on the spatial axes of a rank-3 or rank-4 tensor")
            }
            try checkMultiplier(a.multiplier)
        case .slice(let a): try expectShapes(a, [inputs[0].shape])
        case .split(let a): try expectShapes(a, [inputs[0].shape])
        case .reshape(let a): try expectShapes(a, [inputs[0].shape])
        case .transpose(let a): try expectShapes(a, [inputs[0].shape])
        case .depthToSpace(let a): try expectShapes(a, [inputs[0].shape])
        case .spaceToDepth(let a): try expectShapes(a, [inputs[0].shape])
        case .pad(let a):
            guard a.mode != .wrap else { throw fail("wrap padding is not part of the integer scheme") }
            try expectShapes(Pad(mode: a.mode, padsBegin: a.padsBegin, padsEnd: a.padsEnd, value: 0), [inputs[0].shape])
            guard (0...inputs[0].domain.maxQ).contains(a.value) else { throw fail("the pad value \(a.value) is outside [0, Q]") }
        case .activation(let a):
            try checkTable(a.table, entries: inputs[0].domain.maxQ + 1, domain: outputs[0].domain, what: "the table")
            guard outputs[0].shape == inputs[0].shape else { throw fail("the output shape differs from the input's") }
        case .prelu(let a):
            guard outputs[0].shape == inputs[0].shape else { throw fail("the output shape differs from the input's") }
            let channels = inputs[0].shape.count >= 2 ? inputs[0].shape[1] : 1
            guard a.negative.count == 1 || a.negative.count == channels else {
                throw fail("\(a.negative.count) negative factors for \(channels) channels")
            }
            try checkCombination(LinearCombination(precision: a.precision, factors: [a.positive] + a.negative), terms: 1 + a.negative.count)
        case .softmax(let a):
            try expectShapes(Softmax(axis: a.axis), [inputs[0].shape])
            guard a.exponentials.dataType == .int32, a.exponentials.shape == [inputs[0].domain.maxQ + 1] else {
                throw fail("the exponential table is \(TensorType(a.exponentials.dataType, a.exponentials.shape)), expected int32[\(inputs[0].domain.maxQ + 1)]")
            }
            let e = a.exponentials.int64s
            let one = Int64(1) << Int64(LookupTables.softmaxPrecision(outputBits: outputs[0].domain.bits))
            guard e.first == one, e.allSatisfy({ (0...one).contains($0) }) else {
                throw fail("the exponentials must start at E(0) = \(one) and lie in [0, \(one)] for a \(outputs[0].domain.bits)-bit output")
            }
            guard a.reciprocal >= 1, a.reciprocal < (Int64(1) << 61) / one else {
                throw fail("the reciprocal \(a.reciprocal) is outside [1, 2^61 / E(0))")
            }
            guard inputs[0].shape[a.axis] <= 1 << 20 else { throw fail("the softmax axis is longer than 2^20") }
        }
    }

    func checkCounts(_ kind: IntegerOpKind) throws(QuantizedNetworkError) {
        let inputCount: ClosedRange<Int>
        switch kind {
        case .addSub, .mul, .maxMin: inputCount = 1...2
        case .concat: inputCount = 1...4096
        default: inputCount = 1...1
        }
        guard inputCount.contains(inputs.count) else { throw fail("\(inputs.count) inputs") }
        let outputCount: Int
        if case .split(let a) = layer.op { outputCount = a.sizes.count } else { outputCount = 1 }
        guard outputs.count == outputCount else { throw fail("\(outputs.count) outputs, expected \(outputCount)") }
    }

    /// The op's shape inference on float stand-ins must give the declared output shapes.
    func expectShapes(_ op: some OperatorDefinition, _ shapes: [[Int]]) throws(QuantizedNetworkError) {
        let inferred: [TensorType]
        do {
            inferred = try op.inferOutputTypes(shapes.map { TensorType(.float32, $0) })
        } catch {
            throw fail(error.message)
        }
        let declared = outputs.map(\.shape)
        guard inferred.map(\.shape) == declared else {
            throw fail("the outputs are declared \(declared.map(ShapeArithmetic.describe)) but the op gives \(inferred.map { ShapeArithmetic.describe($0.shape) })")
        }
    }

    func checkMultiplier(_ m: Multiplier) throws(QuantizedNetworkError) {
        guard (0...62).contains(m.s) else { throw fail("a multiplier's shift \(m.s) is outside 0...62") }
    }

    func checkCombination(_ c: LinearCombination, terms: Int) throws(QuantizedNetworkError) {
        guard c.factors.count == terms else { throw fail("a linear combination has \(c.factors.count) factors, expected \(terms)") }
        guard (0...LinearCombination.maximumPrecision).contains(c.precision) else { throw fail("a precision \(c.precision) is outside 0...40") }
        guard c.factors.allSatisfy({ $0.magnitude < 1 << 31 }) else { throw fail("a linear-combination factor is 2^31 or more") }
    }

    func checkTable(_ table: Tensor, entries: Int, domain: QuantDomain, what: String) throws(QuantizedNetworkError) {
        guard table.dataType == domain.dataType, table.shape == [entries] else {
            throw fail("\(what) is \(TensorType(table.dataType, table.shape)), expected \(domain.dataType.rawValue)[\(entries)]")
        }
    }

    func checkEpilogue(_ epilogue: IntegerEpilogue, channels: Int? = nil) throws(QuantizedNetworkError) {
        let out = outputs[0]
        let c = channels ?? (out.shape.count >= 2 ? out.shape[1] : 1)
        let multipliers = epilogue.multipliers
        guard multipliers.count == 1 || multipliers.count == c else {
            throw fail("the epilogue has \(multipliers.count) multipliers for \(c) output channels")
        }
        for m in multipliers { try checkMultiplier(m) }
        switch epilogue {
        case .requantize(let r):
            guard 0 <= r.lo, r.lo <= r.hi, r.hi <= out.domain.maxQ else {
                throw fail("the epilogue bounds [\(r.lo), \(r.hi)] are not inside [0, \(out.domain.maxQ)]")
            }
        case .lookup(let l):
            try checkTable(l.table, entries: LookupTables.preActivationEntries, domain: out.domain, what: "the epilogue table")
        }
    }

    func checkOperands(_ operands: [IntegerOperand]) throws(QuantizedNetworkError) {
        guard operands.count == 2 else { throw fail("\(operands.count) operands, expected 2") }
        var shapes = [[Int]]()
        var used = [Int]()
        for operand in operands {
            switch operand {
            case .input(let i):
                guard inputs.indices.contains(i) else { throw fail("an operand reads input \(i) of \(inputs.count)") }
                used.append(i)
                shapes.append(inputs[i].shape)
            case .constant(let k):
                guard k.domain.isValid, k.values.dataType == k.domain.dataType else {
                    throw fail("a constant operand is \(k.values.dataType.rawValue) in the domain \(k.domain)")
                }
                shapes.append(k.values.shape)
            }
        }
        guard used.sorted() == Array(inputs.indices) else { throw fail("the operands do not read each input exactly once") }
        guard ShapeArithmetic.broadcast(shapes[0], shapes[1]) == outputs[0].shape else {
            throw fail("operands \(shapes.map(ShapeArithmetic.describe)) do not broadcast to the output \(ShapeArithmetic.describe(outputs[0].shape))")
        }
    }

    /// Weights, bias, epilogue and the accumulator's worst case.
    func checkAccumulating(weightBits: Int, weights: Tensor, bias: Tensor, layout: WeightLayout,
                           epilogue: IntegerEpilogue) throws(QuantizedNetworkError) {
        guard [4, 8, 16].contains(weightBits) else { throw fail("weights are \(weightBits) bits (4, 8 or 16 expected)") }
        let expectedType: DataType = weightBits == 16 ? .int16 : .int8
        guard weights.dataType == expectedType else { throw fail("\(weightBits)-bit weights are stored as \(weights.dataType.rawValue), expected \(expectedType.rawValue)") }
        guard bias.dataType == .int32 || bias.dataType == .int64 else { throw fail("the bias is \(bias.dataType.rawValue), expected int32 or int64") }
        let qw = Int64(QuantizedWeights.maxMagnitude(bits: weightBits))
        let w = weights.int64s
        guard w.allSatisfy({ $0.magnitude <= qw }) else { throw fail("a weight is outside [−\(qw), \(qw)] for \(weightBits) bits") }
        try checkEpilogue(epilogue, channels: bias.elementCount)
        let quantized = QuantizedWeights(bits: weightBits, shape: weights.shape, values: w.map { Int32($0) },
                                         scales: [Double](repeating: 1, count: bias.elementCount))
        let worst = WeightQuantization.worstCaseAccumulators(weights: quantized, layout: layout, bias: bias.int64s, input: inputs[0].domain)
        let limit = bias.dataType == .int32 ? Double(Int32.max) : Double(Rounding.productSaturation)
        if let c = worst.indices.first(where: { worst[$0] > limit }) {
            throw fail("output channel \(c) can reach an accumulator of \(worst[c]), beyond its \(bias.dataType == .int32 ? 32 : 64)-bit width")
        }
    }
}
