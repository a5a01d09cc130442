// Concat, Split, Slice, Pad → IR ops with every index resolved against the input shape.

import NpucGraph

enum ONNXTensorMappings {
    static let all: [String: ONNXOpMapping] = [
        "Concat": ONNXOpMapping(becomes: [.concat], note: "", map: mapConcat),
        "Split": ONNXOpMapping(becomes: [.split], note: "constant split sizes or num_outputs", map: mapSplit),
        "Slice": ONNXOpMapping(becomes: [.slice], note: "constant starts, ends, axes and steps", map: mapSlice),
        "Pad": ONNXOpMapping(becomes: [.pad], note: "constant pads and value", map: mapPad),
    ]

    static func mapConcat(_ c: NodeContext) throws(NodeProblem) {
        let present = (0..<c.inputCount).filter { c.isPresent($0) }
        guard let first = present.first else { throw NodeProblem("the node has no inputs") }
        let rank = try c.shape(first).count
        guard let axis = ShapeArithmetic.normalizeAxis(try c.node.int("axis", default: 1), rank: rank) else {
            throw NodeProblem("axis is out of range for rank \(rank)")
        }
        // Empty inputs (a zero-length axis) contribute nothing.
        var inputs = [ValueID]()
        for i in present where try c.type(i).elementCount > 0 || present.count == 1 {
            inputs.append(try c.value(i))
        }
        try c.emit(.concat(Concat(axis: axis)), inputs: inputs.isEmpty ? [try c.value(first)] : inputs, outputs: [try c.output(0)])
    }

    static func mapSplit(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        guard let axis = ShapeArithmetic.normalizeAxis(try c.node.int("axis", default: 0), rank: x.count) else {
            throw NodeProblem("axis is out of range for \(ShapeArithmetic.describe(x))")
        }
        let outputs = c.node.outputs
        var sizes: [Int]
        if c.opset >= 13, c.isPresent(1) {
            sizes = try c.requireConstant(1, "split sizes").int64s.map { Int($0) }
        } else if c.opset < 13, let split = try c.node.ints("split") {
            sizes = split
        } else {
            let parts = c.opset >= 18 ? (try c.node.int("num_outputs") ?? outputs.count) : outputs.count
            guard parts >= 1 else { throw NodeProblem("the number of outputs is zero") }
            let chunk = (x[axis] + parts - 1) / parts
            sizes = (0..<parts).map { Swift.min(chunk, Swift.max(0, x[axis] - $0 * chunk)) }
        }
        guard sizes.count == outputs.count else {
            throw NodeProblem("\(sizes.count) split sizes for \(outputs.count) outputs")
        }
        let names = outputs.enumerated().map { $0.element.isEmpty ? c.temporary() : $0.element }
        try c.emit(.split(Split(axis: axis, sizes: sizes)), inputs: [try c.value(0)], outputs: names)
    }

    static func mapSlice(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        var starts: [Int64], ends: [Int64], axes: [Int]?, steps: [Int64]?
        if c.opset >= 10 {
            starts = try c.requireConstant(1, "starts").int64s
            ends = try c.requireConstant(2, "ends").int64s
            axes = c.isPresent(3) ? try c.requireConstant(3, "axes").int64s.map { Int($0) } : nil
            steps = c.isPresent(4) ? try c.requireConstant(4, "steps").int64s : nil
        } else {
            starts = (try c.node.ints("starts") ?? []).map(Int64.init)
            ends = (try c.node.ints("ends") ?? []).map(Int64.init)
            axes = try c.node.ints("axes")
            steps = nil
        }
        let axisList = axes ?? Array(0..<starts.count)
        guard starts.count == ends.count, axisList.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
            throw NodeProblem("starts, ends, axes and steps have different lengths")
        }
        var s = Array(repeating: 0, count: x.count), e = x, st = Array(repeating: 1, count: x.count)
        var seen = Set<Int>()
        for (k, a) in axisList.enumerated() {
            guard let axis = ShapeArithmetic.normalizeAxis(a, rank: x.count), seen.insert(axis).inserted else {
                throw NodeProblem("axis \(a) is out of range or repeated for \(ShapeArithmetic.describe(x))")
            }
            let step = steps?[k] ?? 1
            guard step != 0 else { throw NodeProblem("a step is zero") }
            let r = Slice.resolve(start: starts[k], end: ends[k], step: step, dim: x[axis])
            s[axis] = r.start
            e[axis] = r.end
            st[axis] = r.step
        }
        try c.emit(.slice(Slice(starts: s, ends: e, steps: st)), inputs: [try c.value(0)], outputs: [try c.output(0)])
    }

    static func mapPad(_ c: NodeContext) throws(NodeProblem) {
        let x = try c.shape(0)
        let modeName = try c.node.string("mode", default: "constant")
        guard let mode = Pad.Mode(rawValue: modeName) else { throw NodeProblem("mode '\(modeName)' is not supported") }
        var pads: [Int]
        var value: Float = 0
        var axes = Array(0..<x.count)
        if c.opset >= 11 {
            pads = try c.requireConstant(1, "pads").int64s.map { Int($0) }
            if c.isPresent(2) {
                let v = try c.requireConstant(2, "constant_value")
                guard v.elementCount == 1 else { throw NodeProblem("constant_value is not a scalar") }
                value = v.floats[0]
            }
            if c.opset >= 18, c.isPresent(3) {
                axes = try c.requireConstant(3, "axes").int64s.map { a throws(NodeProblem) in
                    guard let n = ShapeArithmetic.normalizeAxis(Int(a), rank: x.count) else { throw NodeProblem("axis \(a) is out of range") }
                    return n
                }
            }
        } else {
            pads = try c.node.ints("pads") ?? []
            value = try c.node.float("value", default: 0)
        }
        guard pads.count == 2 * axes.count else {
            throw NodeProblem("pads \(pads) should have \(2 * axes.count) entries")
        }
        var begin = Array(repeating: 0, count: x.count), end = Array(repeating: 0, count: x.count)
        for (k, a) in axes.enumerated() {
            begin[a] = pads[k]
            end[a] = pads[k + axes.count]
        }
        try c.emit(.pad(Pad(mode: mode, padsBegin: begin, padsEnd: end, value: value)), inputs: [try c.value(0)],
                   outputs: [try c.output(0)])
    }
}

enum ONNXReduceMappings {
    static let all: [String: ONNXOpMapping] = [
        "ReduceMean": reduce(.mean, axesInputSince: 18), "ReduceMax": reduce(.max, axesInputSince: 18),
        "ReduceMin": reduce(.min, axesInputSince: 18), "ReduceSum": reduce(.sum, axesInputSince: 13),
        "ReduceL2": reduce(.l2, axesInputSince: 18),
    ]

    static func reduce(_ f: Reduce.Function, axesInputSince: Int) -> ONNXOpMapping {
        ONNXOpMapping(becomes: [.reduce], note: "constant axes", map: { c throws(NodeProblem) in
            let x = try c.shape(0)
            let keep = try c.node.int("keepdims", default: 1) != 0
            var axes: [Int]?
            if c.opset >= axesInputSince {
                if c.isPresent(1) { axes = try c.requireConstant(1, "axes").int64s.map { Int($0) } }
            } else {
                axes = try c.node.ints("axes")
            }
            if (axes ?? []).isEmpty {
                if c.opset >= axesInputSince, try c.node.int("noop_with_empty_axes", default: 0) != 0 {
                    c.alias(try c.output(0), to: try c.value(0))
                    return
                }
                axes = Array(0..<x.count)
            }
            var normalized = [Int]()
            for a in axes ?? [] {
                guard let n = ShapeArithmetic.normalizeAxis(a, rank: x.count), !normalized.contains(n) else {
                    throw NodeProblem("axis \(a) is out of range or repeated")
                }
                normalized.append(n)
            }
            try c.emit(.reduce(Reduce(function: f, axes: normalized.sorted(), keepDims: keep)), inputs: [try c.value(0)],
                       outputs: [try c.output(0)])
        })
    }
}
