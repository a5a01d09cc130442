// Helpers for the float-preparation, calibration and algorithm tests: a seeded generator, a small
// graph builder with random weights, and running two graphs on the same seeded inputs through the
// float executor to compare their outputs.

import Foundation
import NpucExecutor
import NpucGraph
import Testing

/// SplitMix64 with a few distributions; the same sequence on every platform.
struct PrepRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform(_ count: Int, _ range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }

    /// Standard normal samples (Box–Muller).
    mutating func gaussian(_ count: Int, mean: Double = 0, std: Double = 1) -> [Float] {
        (0..<count).map { _ in
            let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
            return Float(mean + std * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
        }
    }
}

/// Builds small float graphs with seeded random weights.
struct NetBuilder {
    var graph: Graph
    var random: PrepRandom

    init(_ name: String = "net", seed: UInt64 = 1) {
        graph = Graph(name: name)
        random = PrepRandom(seed: seed)
    }

    mutating func input(_ name: String, _ shape: [Int]) -> ValueID {
        let id = graph.addValue(name: name, type: .float32(shape))
        graph.inputs.append(id)
        return id
    }

    mutating func constant(_ name: String, _ shape: [Int], _ values: [Float]) -> ValueID {
        graph.addConstant(name: name, tensor: Tensor(shape: shape, float32: values))
    }

    mutating func randomConstant(_ name: String, _ shape: [Int], _ range: ClosedRange<Float> = -1...1) -> ValueID {
        constant(name, shape, random.uniform(shape.reduce(1, *), range))
    }

    /// Adds a node named `name` (original name `onnx/<name>`) with one output `<name>_out`.
    mutating func node(_ name: String, _ op: Op, _ inputs: [ValueID]) throws -> ValueID {
        try graph.addNode(name: name, sourceNames: ["onnx/\(name)"], op: op, inputs: inputs, outputNames: [name + "_out"])[0]
    }

    /// A 2-D convolution with random weights (and bias unless `bias` is false).
    mutating func conv(_ name: String, _ x: ValueID, out: Int, kernel: Int = 3, stride: Int = 1, pad: Int = 1, group: Int = 1,
                       bias: Bool = true, weightRange: ClosedRange<Float> = -1...1, channelScales: [Float]? = nil) throws -> ValueID {
        let inChannels = graph.type(of: x).shape[1]
        var w = random.uniform(out * inChannels / group * kernel * kernel, weightRange)
        if let channelScales {
            let per = w.count / out
            for i in w.indices { w[i] *= channelScales[i / per] }
        }
        let weights = constant(name + "_w", [out, inChannels / group, kernel, kernel], w)
        var inputs = [x, weights]
        if bias { inputs.append(randomConstant(name + "_b", [out], -0.5...0.5)) }
        let op = Op.conv(Convolution(kernelShape: [kernel, kernel], strides: [stride, stride], dilations: [1, 1],
                                     padsBegin: [pad, pad], padsEnd: [pad, pad], group: group))
        return try node(name, op, inputs)
    }

    /// A batch norm with random statistics.
    mutating func batchNorm(_ name: String, _ x: ValueID) throws -> ValueID {
        let c = graph.type(of: x).shape[1]
        let gamma = randomConstant(name + "_gamma", [c], 0.5...2)
        let beta = randomConstant(name + "_beta", [c], -1...1)
        let mean = randomConstant(name + "_mean", [c], -1...1)
        let variance = randomConstant(name + "_var", [c], 0.1...3)
        return try node(name, .batchNorm(BatchNorm(epsilon: 1e-5)), [x, gamma, beta, mean, variance])
    }

    mutating func activation(_ name: String, _ f: Activation.Function, _ x: ValueID) throws -> ValueID {
        try node(name, .activation(Activation(f)), [x])
    }

    mutating func output(_ v: ValueID) { graph.outputs.append(v) }
}

/// Seeded random inputs for every graph input.
func seededInputs(_ graph: Graph, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [String: Tensor] {
    var random = PrepRandom(seed: seed)
    var inputs: [String: Tensor] = [:]
    for id in graph.inputs {
        let type = graph.type(of: id)
        inputs[graph[id].name] = Tensor(shape: type.shape, float32: random.uniform(type.elementCount, range))
    }
    return inputs
}

/// The largest |a − b| over every output, relative to the largest |a| (outputs matched by name).
func largestRelativeDifference(_ before: Graph, _ after: Graph, _ inputsBefore: [String: Tensor],
                               _ inputsAfter: [String: Tensor]? = nil) throws -> Double {
    let a = try FloatExecutor(before, options: .init(kernels: .reference)).run(inputsBefore)
    let b = try FloatExecutor(after, options: .init(kernels: .reference)).run(inputsAfter ?? inputsBefore)
    #expect(Set(a.keys) == Set(b.keys), "outputs differ: \(a.keys.sorted()) vs \(b.keys.sorted())")
    var worst = 0.0
    for (name, x) in a {
        guard let y = b[name] else { continue }
        let fx = x.floats, fy = y.floats
        #expect(fx.count == fy.count)
        let scale = Double(fx.map { abs($0) }.max() ?? 0)
        let diff = Double(zip(fx, fy).map { abs($0 - $1) }.max() ?? 0)
        worst = max(worst, diff / max(scale, 1e-12))
    }
    return worst
}

/// The kinds of the graph's nodes in order ("conv", "activation", …).
func opKinds(_ graph: Graph) -> [String] { graph.nodes.map { $0.op.kind.rawValue } }
