// Pointwise activations → IR activation (with ONNX's attribute defaults); Clip and PRelu.

import NpucGraph

enum ONNXActivationMappings {
    static let all: [String: ONNXOpMapping] = {
        var table: [String: ONNXOpMapping] = [
            "Relu": simple(.relu), "Sigmoid": simple(.sigmoid), "Tanh": simple(.tanh), "HardSwish": simple(.hardSwish),
            "Mish": simple(.mish), "Softplus": simple(.softplus), "Softsign": simple(.softsign), "Exp": simple(.exp),
            "Log": simple(.log), "Sqrt": simple(.sqrt), "Abs": simple(.abs), "Neg": simple(.neg),
            "Reciprocal": simple(.reciprocal), "Erf": simple(.erf),
        ]
        table["LeakyRelu"] = withAttributes { n throws(NodeProblem) in .leakyRelu(alpha: try n.float("alpha", default: 0.01)) }
        table["HardSigmoid"] = withAttributes { n throws(NodeProblem) in
            .hardSigmoid(alpha: try n.float("alpha", default: 0.2), beta: try n.float("beta", default: 0.5))
        }
        table["Elu"] = withAttributes { n throws(NodeProblem) in .elu(alpha: try n.float("alpha", default: 1)) }
        table["Selu"] = withAttributes { n throws(NodeProblem) in
            .selu(alpha: try n.float("alpha", default: 1.67326319217681884765625),
                  gamma: try n.float("gamma", default: 1.05070102214813232421875))
        }
        table["Celu"] = withAttributes { n throws(NodeProblem) in .celu(alpha: try n.float("alpha", default: 1)) }
        table["ThresholdedRelu"] = withAttributes { n throws(NodeProblem) in .thresholdedRelu(alpha: try n.float("alpha", default: 1)) }
        table["Gelu"] = withAttributes { n throws(NodeProblem) in
            let approximate = try n.string("approximate", default: "none")
            guard approximate == "none" || approximate == "tanh" else {
                throw NodeProblem("approximate '\(approximate)' is not 'none' or 'tanh'")
            }
            return .gelu(tanhApproximation: approximate == "tanh")
        }
        table["Clip"] = ONNXOpMapping(becomes: [.activation], note: "constant min/max (relu6 and friends)", map: mapClip)
        table["PRelu"] = ONNXOpMapping(becomes: [.prelu], note: "constant slope", map: { c throws(NodeProblem) in
            try c.emit(.prelu(PRelu()), inputs: [try c.value(0), try c.value(1)], outputs: [try c.output(0)])
        })
        return table
    }()

    static func simple(_ f: Activation.Function) -> ONNXOpMapping {
        withAttributes { _ throws(NodeProblem) in f }
    }

    static func withAttributes(_ function: @escaping @Sendable (ONNXNode) throws(NodeProblem) -> Activation.Function) -> ONNXOpMapping {
        ONNXOpMapping(becomes: [.activation], note: "", map: { c throws(NodeProblem) in
            try c.emit(.activation(Activation(try function(c.node))), inputs: [try c.value(0)], outputs: [try c.output(0)])
        })
    }

    static func mapClip(_ c: NodeContext) throws(NodeProblem) {
        var lo = -Float.greatestFiniteMagnitude, hi = Float.greatestFiniteMagnitude
        if c.opset < 11 {
            lo = try c.node.float("min", default: lo)
            hi = try c.node.float("max", default: hi)
        } else {
            if c.isPresent(1) { lo = try scalar(try c.requireConstant(1, "min")) }
            if c.isPresent(2) { hi = try scalar(try c.requireConstant(2, "max")) }
        }
        try c.emit(.activation(Activation(.clip(min: lo, max: hi))), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func scalar(_ t: Tensor) throws(NodeProblem) -> Float {
        guard t.elementCount == 1 else { throw NodeProblem("a bound has \(t.elementCount) elements; a scalar is required") }
        return t.floats[0]
    }
}
