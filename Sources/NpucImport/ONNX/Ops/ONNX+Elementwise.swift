// Add, Sub, Mul, Div, Max, Min, Sum, Mean, Pow (constant exponent 1, 2 or 0.5) → IR elementwise ops.

import NpucGraph

enum ONNXElementwiseMappings {
    static let all: [String: ONNXOpMapping] = [
        "Add": binary(.add), "Sub": binary(.sub), "Mul": binary(.mul), "Div": binary(.div),
        "Max": variadic(.max, note: "variadic inputs chained pairwise"),
        "Min": variadic(.min, note: "variadic inputs chained pairwise"),
        "Sum": variadic(.add, note: "variadic inputs chained as additions"),
        "Mean": ONNXOpMapping(becomes: [.elementwise], note: "additions then a multiplication by 1/n", map: mapMean),
        "Pow": ONNXOpMapping(becomes: [.elementwise, .activation], note: "constant exponent 1, 2 (x·x) or 0.5 (sqrt) only", map: mapPow),
    ]

    static func binary(_ f: Elementwise.Function) -> ONNXOpMapping {
        ONNXOpMapping(becomes: [.elementwise], note: "NumPy broadcasting", map: { c throws(NodeProblem) in
            try c.emit(.elementwise(Elementwise(f)), inputs: [try c.value(0), try c.value(1)], outputs: [try c.output(0)])
        })
    }

    static func variadic(_ f: Elementwise.Function, note: String) -> ONNXOpMapping {
        ONNXOpMapping(becomes: [.elementwise], note: note, map: { c throws(NodeProblem) in
            _ = try chain(c, f, output: try c.output(0))
        })
    }

    /// Folds the node's inputs pairwise with `f`, the last step writing `output`.
    static func chain(_ c: NodeContext, _ f: Elementwise.Function, output: String) throws(NodeProblem) -> ValueID {
        let present = (0..<c.inputCount).filter { c.isPresent($0) }
        guard let first = present.first else { throw NodeProblem("the node has no inputs") }
        var acc = try c.value(first)
        if present.count == 1 {
            c.alias(output, to: acc)
            return acc
        }
        for (n, i) in present.dropFirst().enumerated() {
            let name = n == present.count - 2 ? output : c.temporary()
            acc = try c.emit(.elementwise(Elementwise(f)), inputs: [acc, try c.value(i)], output: name)
        }
        return acc
    }

    static func mapMean(_ c: NodeContext) throws(NodeProblem) {
        let present = (0..<c.inputCount).filter { c.isPresent($0) }
        let sum = try chain(c, .add, output: c.temporary())
        let scale = c.addConstant(Tensor(shape: [], float32: [1 / Float(present.count)]))
        try c.emit(.elementwise(Elementwise(.mul)), inputs: [sum, scale], outputs: [try c.output(0)])
    }

    static func mapPow(_ c: NodeContext) throws(NodeProblem) {
        let exponent = try c.requireConstant(1, "exponent")
        let values = Set(exponent.floats)
        guard values.count == 1, let e = values.first else {
            throw NodeProblem("the exponent varies across elements; npuc supports a single constant exponent")
        }
        let x = try c.value(0)
        switch e {
        case 1: c.alias(try c.output(0), to: x)
        case 2: try c.emit(.elementwise(Elementwise(.mul)), inputs: [x, x], outputs: [try c.output(0)])
        case 0.5: try c.emit(.activation(Activation(.sqrt)), inputs: [x], outputs: [try c.output(0)])
        default: throw NodeProblem("exponent \(e) is not supported (only 1, 2 and 0.5)")
        }
    }
}
