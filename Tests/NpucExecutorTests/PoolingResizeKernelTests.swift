// The fast max pooling, global average pooling, nearest resize, and layout steps (concat,
// split, slice, reshape with aliasing) against the reference kernels, on random single-node
// graphs with fixed seeds: bit-identical, NaN and signed zeros included.

import NpucExecutor
import NpucGraph
import Testing

@Suite("Fast pooling, resize and layout steps vs reference")
struct PoolingResizeKernelTests {
    /// Runs `build`'s graph with the fast and the reference kernels and returns both outputs.
    static func compare(_ graph: Graph, input: [Float]) throws -> (fast: [Float], reference: [Float]) {
        let x = graph.inputs[0]
        let feed = [graph[x].name: Tensor(shape: graph.type(of: x).shape, float32: input)]
        let name = graph[graph.outputs[0]].name
        let fast = try FloatExecutor(graph).run(feed)[name]!.floats
        let reference = try FloatExecutor(graph, options: .init(kernels: .reference)).run(feed)[name]!.floats
        return (fast, reference)
    }

    static func input(_ count: Int, _ rng: inout SeededRandom) -> [Float] {
        var values = rng.floats(count, in: -3...3)
        // Ties, signed zeros and NaN, which an order-dependent maximum would get wrong.
        for i in stride(from: 0, to: count, by: 7) { values[i] = i % 2 == 0 ? 0 : -0.0 }
        for i in stride(from: 3, to: count, by: 29) { values[i] = .nan }
        for i in stride(from: 5, to: count, by: 11) { values[i] = 1.5 }
        return values
    }

    @Test("2-D max pooling (kernels, strides, dilations, pads, ceil mode) is bit-identical", arguments: 0..<40)
    func maxPool(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 500)
        while true {
            let k = [rng.int(1...5), rng.int(1...5)]
            let pads = (0..<4).map { i in rng.int(0...max(0, k[i % 2] - 1)) }
            let op = Pooling(kernelShape: k, strides: [rng.int(1...3), rng.int(1...3)], dilations: [rng.int(1...2), rng.int(1...2)],
                             padsBegin: [pads[0], pads[1]], padsEnd: [pads[2], pads[3]], ceilMode: rng.bool(), countIncludePad: false)
            let shape = [rng.int(1...2), rng.int(1...5), rng.int(1...23), rng.int(1...37)]
            var g = Graph(name: "pool")
            let x = g.addInput("x", shape)
            guard let y = try? g.add("pool", .maxPool(op), [x]) else { continue }
            g.outputs = [y]
            let r = try Self.compare(g, input: Self.input(shape.reduce(1, *), &rng))
            #expect(bitIdentical(r.fast, r.reference), "seed \(seed) \(op) \(shape): \(firstDifference(r.fast, r.reference))")
            return
        }
    }

    @Test("global average pooling is bit-identical", arguments: 0..<5)
    func globalAverage(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 600)
        let shape = [rng.int(1...2), rng.int(1...9), rng.int(1...30), rng.int(1...30)]
        var g = Graph(name: "gap")
        let x = g.addInput("x", shape)
        g.outputs = [try g.add("gap", .globalAveragePool(GlobalPooling()), [x])]
        let r = try Self.compare(g, input: rng.floats(shape.reduce(1, *)))
        #expect(bitIdentical(r.fast, r.reference))
    }

    @Test("nearest resize (every nearest mode and coordinate rule, up and down) is bit-identical", arguments: 0..<30)
    func nearestResize(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 700)
        let shape = [1, rng.int(1...4), rng.int(1...13), rng.int(1...13)]
        let modes: [Resize.NearestMode] = [.roundPreferFloor, .roundPreferCeil, .floor, .ceil]
        let rules: [Resize.CoordinateTransformation] = [.halfPixel, .asymmetric, .alignCorners, .pytorchHalfPixel, .halfPixelSymmetric]
        let scales = [1.0, 1.0, [0.5, 2.0, 3.0, 1.7, 0.6][rng.int(0...4)], [0.5, 2.0, 3.0, 1.3, 0.75][rng.int(0...4)]]
        let out = zip(shape, scales).map { max(1, Int((Double($0) * $1).rounded(.down))) }
        let op = Resize(mode: .nearest, coordinateTransformation: rules[rng.int(0...4)], nearestMode: modes[rng.int(0...3)],
                        scales: scales, outputShape: out)
        var g = Graph(name: "resize")
        let x = g.addInput("x", shape)
        g.outputs = [try g.add("resize", .resize(op), [x])]
        let r = try Self.compare(g, input: rng.floats(shape.reduce(1, *)))
        #expect(bitIdentical(r.fast, r.reference), "seed \(seed) \(op): \(firstDifference(r.fast, r.reference))")
    }

    @Test("concat, split, contiguous slice and reshape chains (aliased in memory) equal the reference", arguments: 0..<10)
    func layout(seed: Int) throws {
        var rng = SeededRandom(seed: UInt64(seed) &+ 800)
        let batch = rng.int(1...2)
        var g = Graph(name: "layout")
        let x = g.addInput("x", [batch, 8, 5, 6])
        let parts = try g.addNode(name: "split", sourceNames: ["split"], op: .split(Split(axis: 1, sizes: [3, 5])), inputs: [x],
                                  outputNames: ["a", "b"])
        let neg = try g.add("neg", .activation(Activation(.neg)), [parts[1]])
        let cat = try g.add("cat", .concat(Concat(axis: 1)), [parts[0], neg, parts[1]])
        let slice = try g.add("slice", .slice(Slice(starts: [0, 2, 0, 0], ends: [batch, 10, 5, 6], steps: [1, 1, 1, 1])), [cat])
        let flat = try g.add("flat", .reshape(Reshape(shape: [batch, 8 * 30])), [slice])
        let sum = try g.add("sum", .elementwise(Elementwise(.add)), [flat, flat])
        g.outputs = [sum]
        let input = rng.floats(batch * 240)
        let r = try Self.compare(g, input: input)
        #expect(bitIdentical(r.fast, r.reference), "\(firstDifference(r.fast, r.reference))")
        // Independently: out = 2 · concat(x[:, 0:3], −x[:, 3:8], x[:, 3:8])[:, 2:10], flattened.
        var expected: [Float] = []
        for n in 0..<batch {
            let channels: [(Int, Float)] = [(2, 1), (3, -1), (4, -1), (5, -1), (6, -1), (7, -1), (3, 1), (4, 1)]
            for (c, sign) in channels {
                for i in 0..<30 { expected.append(2 * sign * input[(n * 8 + c) * 30 + i]) }
            }
        }
        #expect(r.fast == expected)
    }
}
