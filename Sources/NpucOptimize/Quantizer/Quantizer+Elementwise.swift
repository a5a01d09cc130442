// Quantizing elementwise arithmetic (add, sub, mul, div, max, min), resize and PReLU. Constant
// operands are quantized like activations (their own 8-bit domain); a multiplication or division
// by a constant scalar folds the constant into the multiplier.

import NpucGraph

extension QuantizerSession {
    mutating func buildElementwise(_ layer: PlannedLayer, function: Elementwise.Function, precision: PrecisionMode) throws(QuantizationError) {
        let node = graph[layer.node]
        let (a, b) = (node.inputs[0], node.inputs[1])
        if graph.isConstant(a) && graph.isConstant(b) {
            throw QuantizationError("layer '\(layer.name)' (\(node.displayName)) combines two constants; such nodes are folded at import — re-parse the model")
        }
        let outShape = graph.type(of: layer.outputs[0]).shape
        switch function {
        case .div:
            guard graph.isConstant(b) else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)) divides by a computed tensor, which has no integer form; end the network before it")
            }
            guard !graph.isConstant(a) else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)) divides a constant by a computed tensor, which has no integer form; end the network before it")
            }
            let k = try constant(b, of: layer, role: "divisor")
            guard !k.doubleValues.contains(0) else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)) divides by a constant that contains zero")
            }
            let reciprocal = Tensor(shape: k.shape, storage: .float64(k.doubleValues.map { 1 / $0 }))
            try buildProduct(layer, tensor: a, constant: (b, reciprocal), tensorFirst: true, outShape: outShape, precision: precision)
        case .mul:
            if graph.isConstant(b) {
                try buildProduct(layer, tensor: a, constant: (b, try constant(b, of: layer, role: "factor")), tensorFirst: true,
                                 outShape: outShape, precision: precision)
            } else if graph.isConstant(a) {
                try buildProduct(layer, tensor: b, constant: (a, try constant(a, of: layer, role: "factor")), tensorFirst: false,
                                 outShape: outShape, precision: precision)
            } else {
                let da = try domain(of: a, in: layer), db = try domain(of: b, in: layer)
                let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
                let target = try epilogueTarget(layer, output: out)
                let m = try Multiplier(encoding: da.scale * db.scale / target.scale, what: "layer '\(layer.name)': the product's multiplier")
                append(layer, inputs: [a, b], op: .mul(IntegerMul(operands: [.input(0), .input(1)], epilogue: target.epilogue([m]))))
            }
        case .add, .sub, .max, .min:
            var operands = [IntegerOperand]()
            var scales = [Double]()
            var inputs = [ValueID]()
            for v in [a, b] {
                if graph.isConstant(v) {
                    let k = try quantizedConstant(try constant(v, of: layer, role: "constant operand"), name: name(v), layer: layer)
                    operands.append(.constant(k))
                    scales.append(k.domain.scale)
                } else {
                    operands.append(.input(inputs.count))
                    inputs.append(v)
                    scales.append(try domain(of: v, in: layer).scale)
                }
            }
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            if function == .add || function == .sub {
                let target = try epilogueTarget(layer, output: out)
                let sign: Double = function == .sub ? -1 : 1
                let combination = try LinearCombination(encoding: [scales[0] / target.scale, sign * scales[1] / target.scale],
                                                        what: "layer '\(layer.name)': the \(function.rawValue)")
                append(layer, inputs: inputs, op: .addSub(IntegerAddSub(function: function, operands: operands, combination: combination,
                                                                         epilogue: target.epilogue([.identity]))))
            } else {
                let combinations = try scales.enumerated().map { i, s throws(QuantizationError) in
                    try LinearCombination(encoding: [s / out.scale], what: "layer '\(layer.name)': the factor of operand \(i)")
                }
                append(layer, inputs: inputs, op: .maxMin(IntegerMaxMin(function: function, operands: operands, combinations: combinations)))
            }
        }
    }

    /// tensor × constant: a scale layer when the constant is one number and does not change the
    /// shape (M = S_in · k / S_out), else a two-operand product with the constant quantized.
    mutating func buildProduct(_ layer: PlannedLayer, tensor: ValueID, constant: (ValueID, Tensor), tensorFirst: Bool,
                               outShape: [Int], precision: PrecisionMode) throws(QuantizationError) {
        let input = try domain(of: tensor, in: layer)
        let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
        let target = try epilogueTarget(layer, output: out)
        let values = constant.1.doubleValues
        if values.count == 1 && graph.type(of: tensor).shape == outShape {
            let m = try Multiplier(encoding: input.scale * values[0] / target.scale, what: "layer '\(layer.name)': the scaling multiplier")
            append(layer, inputs: [tensor], op: .scale(IntegerScale(epilogue: target.epilogue([m]))))
            return
        }
        let k = try quantizedConstant(constant.1, name: name(constant.0), layer: layer)
        let m = try Multiplier(encoding: input.scale * k.domain.scale / target.scale, what: "layer '\(layer.name)': the product's multiplier")
        let operands: [IntegerOperand] = tensorFirst ? [.input(0), .constant(k)] : [.constant(k), .input(0)]
        append(layer, inputs: [tensor], op: .mul(IntegerMul(operands: operands, epilogue: target.epilogue([m]))))
    }

    mutating func buildResize(_ layer: PlannedLayer, _ a: Resize) throws(QuantizationError) {
        let node = graph[layer.node]
        let input = try domain(of: node.inputs[0], in: layer)
        let shape = graph.type(of: node.inputs[0]).shape
        switch a.mode {
        case .nearest:
            guard a.coordinateTransformation != .tfCropAndResize else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): tf_crop_and_resize has no integer form in npuc; end the network before it")
            }
            try keepDomain(layer, from: input)
            append(layer, inputs: node.inputs, op: .resizeNearest(a))
        case .linear:
            guard shape.count == 3 || shape.count == 4, a.outputShape[0] == shape[0], a.outputShape[1] == shape[1], !a.antialias,
                  a.coordinateTransformation != .tfCropAndResize else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): only bilinear resizing of the spatial axes of an N×C×W or N×C×H×W map, without antialias or tf_crop_and_resize, has an integer form")
            }
            try keepDomain(layer, from: input)
            let m = try Multiplier(encoding: 1.0 / 1_048_576, what: "layer '\(layer.name)': the interpolation multiplier")
            append(layer, inputs: node.inputs, op: .resizeBilinear(IntegerResizeBilinear(attributes: a, multiplier: m)))
        case .cubic:
            throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): cubic resizing has no integer form in npuc; end the network before it")
        }
    }

    mutating func buildPRelu(_ layer: PlannedLayer, precision: PrecisionMode) throws(QuantizationError) {
        let node = graph[layer.node]
        let input = try domain(of: node.inputs[0], in: layer)
        let slope = try constant(node.inputs[1], of: layer, role: "slope")
        let shape = graph.type(of: node.inputs[0]).shape
        // The slope broadcast to the input must vary along the channel axis (1) at most.
        let strides = IndexMath.broadcastStrides(slope.shape, to: shape)
        let values = slope.doubleValues
        var perChannel = [Double]()
        if values.count == 1 {
            perChannel = [values[0]]
        } else {
            guard shape.count >= 2, strides.indices.allSatisfy({ $0 == 1 || strides[$0] == 0 || shape[$0] == 1 }) else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): the slope \(ShapeArithmetic.describe(slope.shape)) varies along other axes than the channels of \(ShapeArithmetic.describe(shape)); only per-channel slopes have an integer form")
            }
            perChannel = (0..<shape[1]).map { values[$0 * strides[1]] }
        }
        let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
        let reals = [input.scale / out.scale] + perChannel.map { input.scale * $0 / out.scale }
        let combination = try LinearCombination(encoding: reals, what: "layer '\(layer.name)': the PReLU factors")
        append(layer, inputs: [node.inputs[0]], op: .prelu(IntegerPRelu(precision: combination.precision, positive: combination.factors[0],
                                                                          negative: Array(combination.factors.dropFirst()))))
    }
}

