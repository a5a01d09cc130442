// The executor's public behaviour on small graphs built with the Graph API: values checked
// against independent computations, fast plans against the reference plan, observation of
// every value, input validation errors, and concurrent runs.

import Dispatch
import NpucExecutor
import NpucGraph
import Testing

@Suite("FloatExecutor")
struct FloatExecutorTests {
    /// x (1×1×3×3) → conv 2×2 (stride 1, no pad) + bias → relu.
    static func tinyConvGraph() throws -> Graph {
        var g = Graph(name: "tiny")
        let x = g.addInput("x", [1, 1, 3, 3])
        let w = g.addConstant(name: "w", tensor: Tensor(shape: [1, 1, 2, 2], float32: [1, -1, 2, 0.5]))
        let b = g.addConstant(name: "b", tensor: Tensor(shape: [1], float32: [-4]))
        let conv = Convolution(kernelShape: [2, 2], strides: [1, 1], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], group: 1)
        let y = try g.add("conv", .conv(conv), [x, w, b])
        let r = try g.add("relu", .activation(Activation(.relu)), [y])
        g.outputs = [r]
        return g
    }

    @Test("a 2×2 convolution with bias and ReLU gives the hand-computed values")
    func tinyConvolution() throws {
        let executor = try FloatExecutor(try Self.tinyConvGraph())
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let out = try executor.run(["x": Tensor(shape: [1, 1, 3, 3], float32: x)])
        // y[i][j] = 1·x[i][j] − 1·x[i][j+1] + 2·x[i+1][j] + 0.5·x[i+1][j+1] − 4, then max(0, ·).
        var expected: [Float] = []
        for i in 0..<2 {
            for j in 0..<2 {
                let v = x[i * 3 + j] - x[i * 3 + j + 1] + 2 * x[(i + 1) * 3 + j] + 0.5 * x[(i + 1) * 3 + j + 1] - 4
                expected.append(max(0, v))
            }
        }
        #expect(out["relu_out"]?.shape == [1, 1, 2, 2])
        #expect(out["relu_out"]?.floats == expected)
    }

    /// A YOLOv8-style block: stem conv (s2) + SiLU, C2f (1×1, split, bottleneck with residual add,
    /// concat, 1×1), SPPF-like max pools, nearest upsample, concat with an earlier map, heads.
    static func yoloBlockGraph(seed: UInt64, batch: Int = 1) throws -> Graph {
        var rng = SeededRandom(seed: seed)
        var g = Graph(name: "yolo-block")
        var counter = 0
        func conv(_ x: ValueID, _ m: Int, _ k: Int, _ s: Int, act: Bool = true) throws -> ValueID {
            counter += 1
            let c = g.type(of: x).shape[1]
            let w = g.addConstant(name: "w\(counter)", tensor: Tensor(shape: [m, c, k, k], float32: rng.floats(m * c * k * k, in: -0.4...0.4)))
            let b = g.addConstant(name: "b\(counter)", tensor: Tensor(shape: [m], float32: rng.floats(m, in: -0.2...0.2)))
            let op = Convolution(kernelShape: [k, k], strides: [s, s], dilations: [1, 1], padsBegin: [k / 2, k / 2],
                                 padsEnd: [k / 2, k / 2], group: 1)
            let y = try g.add("conv\(counter)", .conv(op), [x, w, b])
            return act ? try g.add("silu\(counter)", .activation(Activation(.silu)), [y]) : y
        }
        let x = g.addInput("images", [batch, 3, 32, 24])
        let stem = try conv(x, 8, 3, 2)
        let cv1 = try conv(stem, 8, 1, 1)
        let halves = try g.addNode(name: "split", sourceNames: ["split"], op: .split(Split(axis: 1, sizes: [4, 4])),
                                   inputs: [cv1], outputNames: ["y0", "y1"])
        let m1 = try conv(try conv(halves[1], 4, 3, 1), 4, 3, 1)
        let residual = try g.add("add", .elementwise(Elementwise(.add)), [halves[1], m1])
        let cat = try g.add("concat", .concat(Concat(axis: 1)), [halves[0], halves[1], residual])
        let c2f = try conv(cat, 8, 1, 1)
        let pool = Pooling(kernelShape: [5, 5], strides: [1, 1], dilations: [1, 1], padsBegin: [2, 2], padsEnd: [2, 2],
                           ceilMode: false, countIncludePad: false)
        let p1 = try g.add("pool1", .maxPool(pool), [c2f])
        let p2 = try g.add("pool2", .maxPool(pool), [p1])
        let sppf = try conv(try g.add("concat2", .concat(Concat(axis: 1)), [c2f, p1, p2]), 8, 1, 1)
        let down = try conv(sppf, 8, 3, 2)
        let shape = g.type(of: down).shape
        let up = try g.add("upsample", .resize(Resize(mode: .nearest, coordinateTransformation: .asymmetric, nearestMode: .floor,
                                                      scales: [1, 1, 2, 2], outputShape: [shape[0], shape[1], shape[2] * 2, shape[3] * 2])), [down])
        let merged = try g.add("concat3", .concat(Concat(axis: 1)), [up, sppf])
        let box = try conv(try conv(merged, 6, 3, 1), 4, 1, 1, act: false)
        let cls = try conv(merged, 3, 1, 1, act: false)
        let sig = try g.add("sigmoid", .activation(Activation(.sigmoid)), [cls])
        g.outputs = [box, sig, cls]
        try g.verify()
        return g
    }

    static func randomInput(_ g: Graph, seed: UInt64) -> [String: Tensor] {
        var rng = SeededRandom(seed: seed)
        var inputs: [String: Tensor] = [:]
        for id in g.inputs {
            let shape = g.type(of: id).shape
            inputs[g[id].name] = Tensor(shape: shape, float32: rng.floats(shape.reduce(1, *), in: 0...1))
        }
        return inputs
    }

    @Test("the fast plan matches the reference plan (within SiLU's ulp-level difference)", arguments: [(1, 1), (2, 2), (3, 1)])
    func fastMatchesReference(seed: Int, batch: Int) throws {
        let g = try Self.yoloBlockGraph(seed: UInt64(seed), batch: batch)
        let inputs = Self.randomInput(g, seed: 99)
        let fast = try FloatExecutor(g).run(inputs)
        let reference = try FloatExecutor(g, options: .init(kernels: .reference)).run(inputs)
        #expect(Set(fast.keys) == Set(reference.keys))
        for (name, r) in reference {
            let f = try #require(fast[name])
            #expect(f.shape == r.shape)
            let scale = r.floats.map(abs).max() ?? 0
            let worst = zip(f.floats, r.floats).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * max(scale, 1), "\(name): max |fast − reference| = \(worst) (scale \(scale))")
        }
    }

    @Test("observing runs every node separately and reports each value once, with the same results as run")
    func observation() throws {
        let g = try Self.yoloBlockGraph(seed: 5)
        let executor = try FloatExecutor(g)
        let inputs = Self.randomInput(g, seed: 3)
        var seen: [ValueID: Tensor] = [:]
        var order: [ValueID] = []
        let observed = try executor.run(inputs) { id, tensor in
            order.append(id)
            seen[id] = tensor
        }
        let plain = try executor.run(inputs)
        #expect(observed == plain)
        let expectedIDs = g.inputs + g.nodes.flatMap(\.outputs)
        #expect(order == expectedIDs)
        for (id, tensor) in seen { #expect(tensor.shape == g.type(of: id).shape) }
        // Node outputs reported agree with an independent reference run of the same graph.
        let reference = try FloatExecutor(g, options: .init(kernels: .reference))
        var referenceSeen: [ValueID: Tensor] = [:]
        _ = try reference.run(inputs) { id, tensor in referenceSeen[id] = tensor }
        for id in expectedIDs {
            let a = try #require(seen[id]?.floats), b = try #require(referenceSeen[id]?.floats)
            let scale = max(b.map(abs).max() ?? 0, 1)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * scale, "\(g[id].name): \(worst)")
        }
    }

    @Test("observing elements without copies reports the same values, in the same order, as observing tensors")
    func elementObservation() throws {
        let g = try Self.yoloBlockGraph(seed: 7)
        let executor = try FloatExecutor(g)
        let inputs = Self.randomInput(g, seed: 4)
        var tensors: [(ValueID, [Float])] = []
        let viaTensors = try executor.run(inputs) { id, tensor in tensors.append((id, tensor.floats)) }
        var elements: [(ValueID, [Float])] = []
        let viaElements = try executor.run(inputs) { (id: ValueID, buffer: UnsafeBufferPointer<Float>) in
            elements.append((id, Array(buffer)))
        }
        #expect(viaElements == viaTensors)
        #expect(elements.map(\.0) == g.inputs + g.nodes.flatMap(\.outputs))
        #expect(elements.map(\.0) == tensors.map(\.0))
        for ((id, a), (_, b)) in zip(elements, tensors) {
            #expect(a.count == g.type(of: id).elementCount)
            #expect(a == b, "\(g[id].name)")
        }
    }

    @Test("the same executor runs concurrently from several threads with identical results")
    func concurrentRuns() throws {
        let g = try Self.yoloBlockGraph(seed: 11)
        let executor = try FloatExecutor(g)
        let inputs = (0..<4).map { Self.randomInput(g, seed: UInt64($0)) }
        let serial = try inputs.map { try executor.run($0) }
        let results = ResultBox(count: 4)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results.set(i % 4, try? executor.run(inputs[i % 4]))
        }
        for i in 0..<4 { #expect(results.get(i) == serial[i]) }
    }

    @Test("a missing input, an unknown input, a wrong shape and a wrong element type are each a clear error")
    func inputValidation() throws {
        let executor = try FloatExecutor(try Self.tinyConvGraph())
        let good = Tensor(shape: [1, 1, 3, 3], float32: [Float](repeating: 1, count: 9))
        #expect(throws: ExecutorError.missingInput(name: "x", expected: .float32([1, 1, 3, 3]))) { try executor.run([:]) }
        #expect(throws: ExecutorError.unknownInput(name: "y", graphInputs: ["x"])) { try executor.run(["x": good, "y": good]) }
        #expect(throws: ExecutorError.inputShapeMismatch(name: "x", expected: [1, 1, 3, 3], got: [1, 3, 3])) {
            try executor.run(["x": Tensor(shape: [1, 3, 3], float32: [Float](repeating: 1, count: 9))])
        }
        #expect(throws: ExecutorError.inputTypeMismatch(name: "x", expected: .float32, got: .float64)) {
            try executor.run(["x": Tensor(shape: [1, 1, 3, 3], storage: .float64([Double](repeating: 1, count: 9)))])
        }
        let message = ExecutorError.inputShapeMismatch(name: "x", expected: [1, 1, 3, 3], got: [1, 3, 3]).description
        #expect(message == "input 'x' has shape 1×3×3, expected 1×1×3×3")
    }

    @Test("an integer-typed value is refused when the executor is built, naming the value")
    func integerValuesAreRefused() throws {
        var g = Graph(name: "ints")
        let x = g.addValue(name: "ids", type: TensorType(.int64, [2, 3]))
        g.inputs = [x]
        let r = try g.add("reshape", .reshape(Reshape(shape: [3, 2])), [x])
        g.outputs = [r]
        #expect(throws: ExecutorError.unsupportedDataType(value: "ids", dataType: .int64)) { try FloatExecutor(g) }
    }

    @Test("float64 and float16 graph values are computed in float32 and returned in their own type")
    func otherFloatTypes() throws {
        var g = Graph(name: "f64")
        let x = g.addValue(name: "x", type: TensorType(.float64, [4]))
        g.inputs = [x]
        let y = try g.add("neg", .activation(Activation(.neg)), [x])
        g.outputs = [y]
        let out = try FloatExecutor(g).run(["x": Tensor(shape: [4], storage: .float64([1, -2, 0.5, 8]))])
        #expect(out["neg_out"] == Tensor(shape: [4], storage: .float64([-1, 2, -0.5, -8])))
    }
}

/// Results written from concurrent iterations, read afterwards.
final class ResultBox: @unchecked Sendable {
    private var values: [[String: Tensor]?]
    private let queue = DispatchQueue(label: "results")
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: [String: Tensor]?) { queue.sync { values[i] = v } }
    func get(_ i: Int) -> [String: Tensor]? { queue.sync { values[i] } }
}
