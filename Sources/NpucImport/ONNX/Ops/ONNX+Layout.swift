// Reshape, Flatten, Squeeze, Unsqueeze, Transpose, DepthToSpace, SpaceToDepth → IR layout ops;
// Identity and Dropout are removed (their output is another name for their input).

import NpucGraph

enum ONNXLayoutMappings {
    static let all: [String: ONNXOpMapping] = [
        "Reshape": ONNXOpMapping(becomes: [.reshape], note: "constant shape (0 and -1 resolved)", map: mapReshape),
        "Flatten": ONNXOpMapping(becomes: [.reshape], note: "", map: mapFlatten),
        "Squeeze": ONNXOpMapping(becomes: [.reshape], note: "constant axes", map: mapSqueeze),
        "Unsqueeze": ONNXOpMapping(becomes: [.reshape], note: "constant axes", map: mapUnsqueeze),
        "Transpose": ONNXOpMapping(becomes: [.transpose], note: "", map: mapTranspose),
        "DepthToSpace": ONNXOpMapping(becomes: [.depthToSpace], note: "DCR and CRD modes", map: { c throws(NodeProblem) in
            let mode = try c.node.string("mode", default: "DCR")
            guard let m = DepthToSpace.Mode(rawValue: mode) else { throw NodeProblem("mode '\(mode)' is not DCR or CRD") }
            guard let b = try c.node.int("blocksize") else { throw NodeProblem("blocksize is missing") }
            try c.emit(.depthToSpace(DepthToSpace(blockSize: b, mode: m)), inputs: [try c.value(0)], outputs: [try c.output(0)])
        }),
        "SpaceToDepth": ONNXOpMapping(becomes: [.spaceToDepth], note: "DCR and CRD modes (opset 28)", map: { c throws(NodeProblem) in
            let mode = c.opset >= 28 ? try c.node.string("mode", default: "DCR") : "DCR"
            guard let m = DepthToSpace.Mode(rawValue: mode) else { throw NodeProblem("mode '\(mode)' is not DCR or CRD") }
            guard let b = try c.node.int("blocksize") else { throw NodeProblem("blocksize is missing") }
            try c.emit(.spaceToDepth(SpaceToDepth(blockSize: b, mode: m)), inputs: [try c.value(0)], outputs: [try c.output(0)])
        }),
        "Identity": ONNXOpMapping(becomes: [], note: "removed", map: { c throws(NodeProblem) in
            c.alias(try c.output(0), to: try c.value(0))
        }),
        "Dropout": ONNXOpMapping(becomes: [], note: "removed (inference); the mask output is not supported", map: { c throws(NodeProblem) in
            if c.isOutputUsed(1) {
                throw NodeProblem("the mask output of Dropout is used; npuc runs inference only, where there is no mask")
            }
            if c.opset >= 12, c.isPresent(2) {
                guard let training = c.constant(2) else {
                    throw NodeProblem("training_mode (input '\(c.node.inputs[2])') is computed by the graph; npuc runs inference only and needs it constant false")
                }
                if training.int64s.first != 0 { throw NodeProblem("training_mode is true; npuc runs inference only") }
            }
            c.alias(try c.output(0), to: try c.value(0))
        }),
    ]

    /// Resolves an ONNX reshape target (0 = copy, -1 = infer) against an input shape.
    static func resolveReshape(_ target: [Int64], input: [Int], allowZero: Bool) throws(NodeProblem) -> [Int] {
        var out = [Int]()
        var inferred: Int?
        for (i, d) in target.enumerated() {
            switch d {
            case 0 where !allowZero:
                guard i < input.count else { throw NodeProblem("shape \(target) copies axis \(i), which the input does not have") }
                out.append(input[i])
            case -1:
                guard inferred == nil else { throw NodeProblem("shape \(target) has more than one -1") }
                inferred = i
                out.append(1)
            case let n where n >= 0:
                out.append(Int(clamping: n))
            default:
                throw NodeProblem("shape \(target) has a negative dimension")
            }
        }
        let total = input.reduce(1, *)
        if let i = inferred {
            let known = out.reduce(1, *)
            guard known > 0, total % known == 0 else {
                throw NodeProblem("cannot reshape \(ShapeArithmetic.describe(input)) to \(target)")
            }
            out[i] = total / known
        }
        guard ShapeArithmetic.elementCount(out) == total else {
            throw NodeProblem("cannot reshape \(ShapeArithmetic.describe(input)) (\(total) elements) to \(ShapeArithmetic.describe(out)); if the model was exported for another input size, its constant shapes no longer fit --tensor-shapes")
        }
        return out
    }

    static func mapReshape(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        let target: [Int64]
        if c.opset >= 5 {
            target = try c.requireConstant(1, "target shape").int64s
        } else {
            target = (try c.node.ints("shape") ?? []).map(Int64.init)
        }
        let allowZero = c.opset >= 14 ? try c.node.int("allowzero", default: 0) != 0 : false
        let resolved: [Int]
        do throws(NodeProblem) {
            resolved = try resolveReshape(target, input: x, allowZero: allowZero)
        } catch {
            // A layout the NPU cannot express is the more useful reason when both apply.
            let guessed = target.enumerated().map { $0.element == 0 && $0.offset < x.count ? x[$0.offset] : Int(clamping: Swift.max($0.element, 1)) }
            if !Reshape.isLayoutPreserving(from: x, to: guessed) {
                throw NodeProblem("\(layoutRule) It reshapes \(ShapeArithmetic.describe(x)) to \(target.map(String.init).joined(separator: "×")).")
            }
            throw error
        }
        try c.emit(.reshape(Reshape(shape: resolved)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static var layoutRule: String { NPUSupport.constraints(for: .reshape)[0].rule }

    static func mapFlatten(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        // Flatten's axis lies in [-r, r]; a negative one counts from r (so -r is 0).
        let given = try c.node.int("axis", default: 1)
        guard given >= -x.count, given <= x.count else {
            throw NodeProblem("axis is out of range for \(ShapeArithmetic.describe(x))")
        }
        let axis = given < 0 ? given + x.count : given
        let shape = [x[..<axis].reduce(1, *), x[axis...].reduce(1, *)]
        try c.emit(.reshape(Reshape(shape: shape)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func axesArgument(_ c: NodeContext, fromInputSince opset: Int) throws(NodeProblem) -> [Int]? {
        if c.opset >= opset {
            return c.isPresent(1) ? try c.requireConstant(1, "axes").int64s.map { Int($0) } : nil
        }
        return try c.node.ints("axes")
    }

    static func mapSqueeze(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        var drop = Set<Int>()
        if let axes = try axesArgument(c, fromInputSince: 13) {
            for a in axes {
                guard let n = ShapeArithmetic.normalizeAxis(a, rank: x.count), x[n] == 1 else {
                    throw NodeProblem("cannot squeeze axis \(a) of \(ShapeArithmetic.describe(x))")
                }
                drop.insert(n)
            }
        } else {
            drop = Set(x.indices.filter { x[$0] == 1 })
        }
        let shape = x.indices.filter { !drop.contains($0) }.map { x[$0] }
        try c.emit(.reshape(Reshape(shape: shape)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func mapUnsqueeze(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        guard let axes = try axesArgument(c, fromInputSince: 13) else { throw NodeProblem("axes are missing") }
        let rank = x.count + axes.count
        var inserted = Set<Int>()
        for a in axes {
            guard let n = ShapeArithmetic.normalizeAxis(a, rank: rank), inserted.insert(n).inserted else {
                throw NodeProblem("axes \(axes) are invalid for an output of rank \(rank)")
            }
        }
        var shape = [Int]()
        var next = 0
        for i in 0..<rank {
            if inserted.contains(i) { shape.append(1) } else { shape.append(x[next]); next += 1 }
        }
        try c.emit(.reshape(Reshape(shape: shape)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func mapTranspose(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        let perm = try c.node.ints("perm") ?? Array((0..<x.count).reversed())
        try c.emit(.transpose(Transpose(permutation: perm)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }
}
