// Evaluates ONNX nodes whose inputs are all known at import time — the shape computations
// exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape) and Constant nodes — so that
// the IR sees only constant shapes. Results up to `maxElements` are folded.

import NpucGraph

enum ConstantFolding {
    static let maxElements = 1 << 20
    /// ConstantOfShape may build weights (some exporters store weights that way): allow up to 1 GiB of float32.
    static let maxFilledElements = 1 << 28

    static let foldable: Set<String> = [
        "Constant", "Shape", "Size", "Identity", "Cast", "CastLike", "Gather", "Unsqueeze", "Squeeze", "Concat",
        "Slice", "Reshape", "Flatten", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Equal",
        "Less", "Greater", "Not", "Where", "ConstantOfShape", "Range", "Expand", "ReduceProd", "Min", "Max",
        "Transpose",
    ]

    static func canFold(_ opType: String) -> Bool { foldable.contains(opType) }

    /// Folds the node when every input it needs is known; false when it must be mapped instead.
    static func fold(_ c: NodeContext) -> Bool {
        let node = c.node
        let present = (0..<c.inputCount).filter { c.isPresent($0) }
        // Shape and Size need only the input's static type.
        if node.opType == "Shape" || node.opType == "Size" {
            guard let t = try? c.type(0) else { return false }
            let result: Tensor
            if node.opType == "Size" {
                result = Tensor(shape: [], int64: [Int64(t.elementCount)])
            } else {
                let rank = t.rank
                let start = (try? node.int("start")) ?? nil, end = (try? node.int("end")) ?? nil
                let s = Swift.max(0, Swift.min(rank, start.map { $0 < 0 ? $0 + rank : $0 } ?? 0))
                let e = Swift.max(s, Swift.min(rank, end.map { $0 < 0 ? $0 + rank : $0 } ?? rank))
                result = Tensor(shape: [e - s], int64: t.shape[s..<e].map { Int64($0) })
            }
            guard let out = node.outputs.first else { return false }
            c.defineConstant(out, result)
            return true
        }
        let inputs = present.map { c.constant($0) }
        guard inputs.allSatisfy({ $0 != nil }) else { return false }
        var args = [Tensor?](repeating: nil, count: c.inputCount)
        for (k, i) in present.enumerated() { args[i] = inputs[k] }
        let limit = node.opType == "ConstantOfShape" ? maxFilledElements : maxElements
        guard let results = try? evaluate(node, args, file: c.file, opset: c.opset),
              results.count <= node.outputs.count,
              results.allSatisfy({ $0.elementCount <= limit }) else { return false }
        for (name, t) in zip(node.outputs, results) where !name.isEmpty { c.defineConstant(name, t) }
        return true
    }

    struct Unfoldable: Error {}

    static func evaluate(_ node: ONNXNode, _ args: [Tensor?], file: String, opset: Int) throws -> [Tensor] {
        func arg(_ i: Int) throws -> Tensor {
            guard i < args.count, let t = args[i] else { throw Unfoldable() }
            return t
        }
        switch node.opType {
        case "Constant":
            if let t = try node.tensor("value", file: file) { return [t] }
            if let f = try node.float("value_float") { return [Tensor(shape: [], float32: [f])] }
            if let fs = try node.floats("value_floats") { return [Tensor(shape: [fs.count], float32: fs)] }
            if let i = try node.int("value_int") { return [Tensor(shape: [], int64: [Int64(i)])] }
            if let ints = try node.ints("value_ints") { return [Tensor(shape: [ints.count], int64: ints.map(Int64.init))] }
            throw Unfoldable()
        case "Identity":
            return [try arg(0)]
        case "Cast":
            guard let to = try node.int("to"), let dtype = ONNXTensor.dataType(onnxCode: Int32(to)) else { throw Unfoldable() }
            return [cast(try arg(0), to: dtype)]
        case "CastLike":
            return [cast(try arg(0), to: try arg(1).dataType)]
        case "Gather":
            return [try gather(try arg(0), try arg(1), axis: try node.int("axis", default: 0))]
        case "Unsqueeze", "Squeeze", "Reshape", "Flatten":
            return [try reshape(node, try arg(0), args, opset: opset)]
        case "Concat":
            let parts = args.compactMap { $0 }
            return [try concat(parts, axis: try node.int("axis", default: 0))]
        case "Slice":
            return [try slice(node, args, opset: opset)]
        case "Add", "Sub", "Mul", "Div", "Min", "Max", "Equal", "Less", "Greater":
            let parts = args.compactMap { $0 }
            guard var acc = parts.first else { throw Unfoldable() }
            for next in parts.dropFirst() { acc = try binary(node.opType, acc, next) }
            return [acc]
        case "Neg", "Abs", "Floor", "Ceil", "Sqrt", "Not":
            return [unary(node.opType, try arg(0))]
        case "Where":
            return [try whereSelect(try arg(0), try arg(1), try arg(2))]
        case "ConstantOfShape":
            let shape = try arg(0).int64s.map { Int($0) }
            guard let n = ShapeArithmetic.elementCount(shape), n <= maxFilledElements else { throw Unfoldable() }
            let value = try node.tensor("value", file: file) ?? Tensor(shape: [1], float32: [0])
            guard value.elementCount == 1 else { throw Unfoldable() }
            return [filled(value, shape: shape, count: n)]
        case "Range":
            return [try range(try arg(0), try arg(1), try arg(2))]
        case "Expand":
            let shape = try arg(1).int64s.map { Int($0) }
            let input = try arg(0)
            guard let out = ShapeArithmetic.broadcast(input.shape, shape) else { throw Unfoldable() }
            return [broadcastTo(input, out)]
        case "ReduceProd":
            let t = try arg(0)
            guard t.rank <= 1 else { throw Unfoldable() }
            let keep = try node.int("keepdims", default: 1) != 0
            return [Tensor(shape: keep ? [1] : [], int64: [t.int64s.reduce(1, *)])]
        case "Transpose":
            let t = try arg(0)
            let perm = try node.ints("perm") ?? Array((0..<t.rank).reversed())
            return [transpose(t, perm)]
        default:
            throw Unfoldable()
        }
    }

    // MARK: - Evaluators (numeric semantics follow NumPy / ONNX)

    /// Elements as Doubles, for arithmetic on any type.
    static func doubles(_ t: Tensor) -> [Double] {
        if case .float64(let a) = t.storage { return a }
        if t.dataType.isFloatingPoint { return t.floats.map(Double.init) }
        return t.int64s.map(Double.init)
    }

    static func make(_ values: [Double], shape: [Int], like dtype: DataType) -> Tensor {
        switch dtype {
        case .float32: return Tensor(shape: shape, float32: values.map { Float($0) })
        case .float64: return Tensor(shape: shape, storage: .float64(values))
        case .float16: return Tensor(shape: shape, storage: .float16Bits(values.map { HalfFloat.fromFloat(Float($0)) }))
        case .bool: return Tensor(shape: shape, storage: .bool(values.map { $0 != 0 }))
        default: return cast(Tensor(shape: shape, int64: values.map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 }), to: dtype)
        }
    }

    static func cast(_ t: Tensor, to dtype: DataType) -> Tensor {
        if t.dataType == dtype { return t }
        switch dtype {
        case .float32: return Tensor(shape: t.shape, float32: t.floats)
        case .float64: return Tensor(shape: t.shape, storage: .float64(doubles(t)))
        case .float16: return Tensor(shape: t.shape, storage: .float16Bits(t.floats.map(HalfFloat.fromFloat)))
        case .bool: return Tensor(shape: t.shape, storage: .bool(doubles(t).map { $0 != 0 }))
        case .int64: return Tensor(shape: t.shape, int64: t.int64s)
        case .int32: return Tensor(shape: t.shape, storage: .int32(t.int64s.map { Int32(truncatingIfNeeded: $0) }))
        case .int16: return Tensor(shape: t.shape, storage: .int16(t.int64s.map { Int16(truncatingIfNeeded: $0) }))
        case .int8: return Tensor(shape: t.shape, storage: .int8(t.int64s.map { Int8(truncatingIfNeeded: $0) }))
        case .uint8: return Tensor(shape: t.shape, storage: .uint8(t.int64s.map { UInt8(truncatingIfNeeded: $0) }))
        case .uint16: return Tensor(shape: t.shape, storage: .uint16(t.int64s.map { UInt16(truncatingIfNeeded: $0) }))
        case .uint32: return Tensor(shape: t.shape, storage: .uint32(t.int64s.map { UInt32(truncatingIfNeeded: $0) }))
        case .uint64: return Tensor(shape: t.shape, storage: .uint64(t.int64s.map { UInt64(truncatingIfNeeded: $0) }))
        }
    }

    static func broadcastIndex(_ index: Int, outShape: [Int], inShape: [Int]) -> Int {
        let outStrides = ShapeArithmetic.strides(outShape)
        let inStrides = ShapeArithmetic.strides(inShape)
        let offset = outShape.count - inShape.count
        var remaining = index, result = 0
        for d in 0..<outShape.count {
            let coordinate = remaining / outStrides[d]
            remaining %= outStrides[d]
            if d >= offset, inShape[d - offset] != 1 { result += coordinate * inStrides[d - offset] }
        }
        return result
    }

    /// A tensor of `count` copies of the single element of `value`, in its element type.
    static func filled(_ value: Tensor, shape: [Int], count n: Int) -> Tensor {
        switch value.storage {
        case .float32(let a): return Tensor(shape: shape, storage: .float32(Array(repeating: a[0], count: n)))
        case .int64(let a): return Tensor(shape: shape, storage: .int64(Array(repeating: a[0], count: n)))
        case .int32(let a): return Tensor(shape: shape, storage: .int32(Array(repeating: a[0], count: n)))
        default: return broadcastTo(value.reshaped([]), shape)
        }
    }

    static func broadcastTo(_ t: Tensor, _ shape: [Int]) -> Tensor {
        let n = ShapeArithmetic.elementCount(shape) ?? 0
        let src = doubles(t)
        return make((0..<n).map { src[broadcastIndex($0, outShape: shape, inShape: t.shape)] }, shape: shape, like: t.dataType)
    }

    static func binary(_ op: String, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard let shape = ShapeArithmetic.broadcast(a.shape, b.shape), let n = ShapeArithmetic.elementCount(shape) else {
            throw Unfoldable()
        }
        let x = doubles(a), y = doubles(b)
        let integer = a.dataType.isInteger
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let u = x[broadcastIndex(i, outShape: shape, inShape: a.shape)]
            let v = y[broadcastIndex(i, outShape: shape, inShape: b.shape)]
            switch op {
            case "Add": out[i] = u + v
            case "Sub": out[i] = u - v
            case "Mul": out[i] = u * v
            case "Div":
                if integer {
                    guard v != 0 else { throw Unfoldable() }
                    out[i] = (u / v).rounded(.towardZero)
                } else {
                    out[i] = u / v
                }
            case "Min": out[i] = Swift.min(u, v)
            case "Max": out[i] = Swift.max(u, v)
            case "Equal": out[i] = u == v ? 1 : 0
            case "Less": out[i] = u < v ? 1 : 0
            case "Greater": out[i] = u > v ? 1 : 0
            default: throw Unfoldable()
            }
        }
        let comparison = ["Equal", "Less", "Greater"].contains(op)
        return make(out, shape: shape, like: comparison ? .bool : a.dataType)
    }

    static func unary(_ op: String, _ t: Tensor) -> Tensor {
        let values = doubles(t).map { v -> Double in
            switch op {
            case "Neg": return -v
            case "Abs": return Swift.abs(v)
            case "Floor": return v.rounded(.down)
            case "Ceil": return v.rounded(.up)
            case "Sqrt": return v.squareRoot()
            default: return v == 0 ? 1 : 0 // Not
            }
        }
        return make(values, shape: t.shape, like: t.dataType)
    }

    static func whereSelect(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard let ab = ShapeArithmetic.broadcast(a.shape, b.shape), let shape = ShapeArithmetic.broadcast(condition.shape, ab),
              let n = ShapeArithmetic.elementCount(shape) else { throw Unfoldable() }
        let c = doubles(condition), x = doubles(a), y = doubles(b)
        let values = (0..<n).map { i in
            c[broadcastIndex(i, outShape: shape, inShape: condition.shape)] != 0
                ? x[broadcastIndex(i, outShape: shape, inShape: a.shape)]
                : y[broadcastIndex(i, outShape: shape, inShape: b.shape)]
        }
        return make(values, shape: shape, like: a.dataType)
    }

    static func gather(_ data: Tensor, _ indices: Tensor, axis: Int) throws -> Tensor {
        guard let axis = ShapeArithmetic.normalizeAxis(axis, rank: data.rank) else { throw Unfoldable() }
        let dim = data.shape[axis]
        let idx = try indices.int64s.map { i -> Int in
            let j = Int(i < 0 ? i + Int64(dim) : i)
            guard j >= 0, j < dim else { throw Unfoldable() }
            return j
        }
        let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *)
        let src = doubles(data)
        var out = [Double]()
        for o in 0..<outer {
            for j in idx {
                let base = (o * dim + j) * inner
                out += src[base..<(base + inner)]
            }
        }
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        return make(out, shape: shape, like: data.dataType)
    }

    static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first, let axis = ShapeArithmetic.normalizeAxis(axis, rank: first.rank) else { throw Unfoldable() }
        var shape = first.shape
        shape[axis] = 0
        for p in parts {
            guard p.rank == first.rank else { throw Unfoldable() }
            shape[axis] += p.shape[axis]
        }
        let outer = first.shape[..<axis].reduce(1, *)
        var out = [Double]()
        let sources = parts.map(doubles)
        for o in 0..<outer {
            for (p, src) in zip(parts, sources) {
                let chunk = p.shape[axis...].reduce(1, *)
                out += src[(o * chunk)..<((o + 1) * chunk)]
            }
        }
        return make(out, shape: shape, like: first.dataType)
    }

    static func reshape(_ node: ONNXNode, _ t: Tensor, _ args: [Tensor?], opset: Int) throws -> Tensor {
        switch node.opType {
        case "Reshape":
            guard args.count > 1, let target = args[1] else { throw Unfoldable() }
            let allowZero = (try node.int("allowzero", default: 0)) != 0
            return t.reshaped(try ONNXLayoutMappings.resolveReshape(target.int64s, input: t.shape, allowZero: allowZero))
        case "Flatten":
            let axis = ShapeArithmetic.normalizeAxis(try node.int("axis", default: 1), rank: t.rank + 1) ?? 1
            return t.reshaped([t.shape[..<axis].reduce(1, *), t.shape[axis...].reduce(1, *)])
        case "Unsqueeze":
            let axes = opset >= 13 ? (args.count > 1 ? args[1]?.int64s.map { Int($0) } : nil) : try node.ints("axes")
            guard let axes else { throw Unfoldable() }
            let rank = t.rank + axes.count
            let set = Set(axes.compactMap { ShapeArithmetic.normalizeAxis($0, rank: rank) })
            var shape = [Int](), next = 0
            for i in 0..<rank {
                if set.contains(i) { shape.append(1) } else { shape.append(t.shape[next]); next += 1 }
            }
            guard next == t.rank else { throw Unfoldable() }
            return t.reshaped(shape)
        default: // Squeeze
            let axes = opset >= 13 ? (args.count > 1 ? args[1]?.int64s.map { Int($0) } : nil) : try node.ints("axes")
            let set = Set((axes ?? t.shape.indices.filter { t.shape[$0] == 1 }).compactMap { ShapeArithmetic.normalizeAxis($0, rank: t.rank) })
            return t.reshaped(t.shape.indices.filter { !set.contains($0) }.map { t.shape[$0] })
        }
    }

    static func slice(_ node: ONNXNode, _ args: [Tensor?], opset: Int) throws -> Tensor {
        guard let t = args.first ?? nil else { throw Unfoldable() }
        let starts: [Int64], ends: [Int64], axes: [Int], steps: [Int64]
        if opset >= 10 {
            guard args.count > 2, let s = args[1], let e = args[2] else { throw Unfoldable() }
            starts = s.int64s
            ends = e.int64s
            axes = (args.count > 3 ? args[3] : nil)?.int64s.map { Int($0) } ?? Array(0..<starts.count)
            steps = (args.count > 4 ? args[4] : nil)?.int64s ?? Array(repeating: 1, count: starts.count)
        } else {
            starts = (try node.ints("starts") ?? []).map(Int64.init)
            ends = (try node.ints("ends") ?? []).map(Int64.init)
            axes = try node.ints("axes") ?? Array(0..<starts.count)
            steps = Array(repeating: 1, count: starts.count)
        }
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else { throw Unfoldable() }
        var ranges = t.shape.map { (0, $0, 1) }
        for k in 0..<axes.count {
            guard let a = ShapeArithmetic.normalizeAxis(axes[k], rank: t.rank), steps[k] != 0 else { throw Unfoldable() }
            let r = Slice.resolve(start: starts[k], end: ends[k], step: steps[k], dim: t.shape[a])
            ranges[a] = (r.start, r.end, r.step)
        }
        let outShape = ranges.map { Slice.length(start: $0.0, end: $0.1, step: $0.2) }
        let n = ShapeArithmetic.elementCount(outShape) ?? 0
        let src = doubles(t)
        let inStrides = ShapeArithmetic.strides(t.shape), outStrides = ShapeArithmetic.strides(outShape)
        let values = (0..<n).map { i -> Double in
            var remaining = i, offset = 0
            for d in 0..<outShape.count {
                let coordinate = remaining / outStrides[d]
                remaining %= outStrides[d]
                offset += (ranges[d].0 + coordinate * ranges[d].2) * inStrides[d]
            }
            return src[offset]
        }
        return make(values, shape: outShape, like: t.dataType)
    }

    static func range(_ start: Tensor, _ limit: Tensor, _ delta: Tensor) throws -> Tensor {
        let s = doubles(start)[0], l = doubles(limit)[0], d = doubles(delta)[0]
        guard d != 0 else { throw Unfoldable() }
        let count = Swift.max(0, Int(((l - s) / d).rounded(.up)))
        guard count <= maxElements else { throw Unfoldable() }
        return make((0..<count).map { s + Double($0) * d }, shape: [count], like: start.dataType)
    }

    static func transpose(_ t: Tensor, _ perm: [Int]) -> Tensor {
        let outShape = perm.map { t.shape[$0] }
        let inStrides = ShapeArithmetic.strides(t.shape), outStrides = ShapeArithmetic.strides(outShape)
        let src = doubles(t)
        let values = (0..<t.elementCount).map { i -> Double in
            var remaining = i, offset = 0
            for d in 0..<outShape.count {
                let coordinate = remaining / outStrides[d]
                remaining %= outStrides[d]
                offset += coordinate * inStrides[perm[d]]
            }
            return src[offset]
        }
        return make(values, shape: outShape, like: t.dataType)
    }
}

/// Ops npuc supports only when they can be folded (computed at import time).
enum ONNXConstantMappings {
    static let all: [String: ONNXOpMapping] = {
        var table = [String: ONNXOpMapping]()
        for op in ["Constant", "Shape", "Size", "Cast", "CastLike", "Gather", "Equal", "Less", "Greater", "Not", "Where",
                   "ConstantOfShape", "Range", "Expand", "ReduceProd", "Floor", "Ceil"] {
            table[op] = ONNXOpMapping(becomes: [], note: "folded at import (shape computations); not on computed feature maps",
                                      map: { c throws(NodeProblem) in
                throw NodeProblem("\(c.node.opType) on a tensor computed at run time is not in the NPU's supported set (npuc evaluates it only on constants, e.g. shape computations)")
            })
        }
        return table
    }()
}
