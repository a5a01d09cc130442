// Helpers shared by the integer tests: a seeded generator, the float-then-round oracle's
// rounding, one-layer networks, and running a network with every kernel choice and thread count
// (which must agree bit for bit).

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

/// SplitMix64: the same sequence on every platform for a given seed.
struct IntegerTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func double(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &self) }
    mutating func ints(_ count: Int, _ range: ClosedRange<Int>) -> [Int] { (0..<count).map { _ in int(range) } }
}

/// The oracle's rounding of a real result at inference time: to nearest, ties toward +∞ — what
/// RSH does to an exactly represented product. (RoundHalfAway would differ only on negative ties,
/// which the integer pipeline cannot produce: the doc rounds every inference-time result by RSH.)
func halfUp(_ x: Double) -> Int { Int((x + 0.5).rounded(.down)) }

/// Clamp(Z + halfUp(y / S), lo, hi): the float-then-round oracle's quantization of a real result.
func oracleQuantize(_ y: Double, _ d: QuantDomain, lo: Int = 0, hi: Int? = nil) -> Int {
    let v = d.zeroPoint + halfUp(y / d.scale)
    return min(max(v, lo), hi ?? d.maxQ)
}

/// RoundHalfAway as the doc defines it (quantization time).
func roundHalfAway(_ x: Double) -> Int { Int(x.rounded(.toNearestOrAwayFromZero)) }

/// A uint8/uint16 tensor of integers in `domain`.
func quantizedTensor(_ shape: [Int], _ values: [Int], _ domain: QuantDomain) -> Tensor {
    domain.bits == 8 ? Tensor(shape: shape, storage: .uint8(values.map { UInt8($0) }))
        : Tensor(shape: shape, storage: .uint16(values.map { UInt16($0) }))
}

func intValues(_ t: Tensor) -> [Int] { t.int64s.map { Int($0) } }

/// A network of one layer reading `inputs` (name, shape, domain) and writing `output`.
func oneLayerNetwork(_ op: IntegerOp, inputs: [(String, [Int], QuantDomain)], output: ([Int], QuantDomain),
                     extraOutputs: [([Int], QuantDomain)] = []) -> QuantizedNetwork {
    var values = [String: QuantizedValueInfo]()
    for (name, shape, domain) in inputs { values[name] = QuantizedValueInfo(shape: shape, domain: domain) }
    let outputs = ([output] + extraOutputs).enumerated().map { i, o in
        let name = "y\(i)"
        values[name] = QuantizedValueInfo(shape: o.0, domain: o.1)
        return name
    }
    let layer = QuantizedLayer(name: "layer", sourceNames: ["node"], inputs: inputs.map(\.0), outputs: outputs, op: op)
    return QuantizedNetwork(name: "test", inputs: inputs.map(\.0), outputs: outputs, values: values, layers: [layer])
}

/// Runs `network` with the fast kernels on 1 and 3 threads and with the reference kernels,
/// checks that all agree bit for bit, and returns the outputs' integers by output name.
func runEveryWay(_ network: QuantizedNetwork, _ inputs: [String: Tensor],
                 sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: [Int]] {
    let reference = try IntegerEmulator(network, options: .init(kernels: .reference, threads: 1)).run(inputs)
    for threads in [1, 3] {
        let fast = try IntegerEmulator(network, options: .init(kernels: .fast, threads: threads)).run(inputs)
        #expect(fast == reference, "fast kernels on \(threads) threads differ from the reference", sourceLocation: sourceLocation)
    }
    return reference.mapValues(intValues)
}

/// Compares emulator output with the oracle: every element within `tolerance`, and reports the
/// first mismatch with its index. Returns the number of elements that differ at all.
@discardableResult
func expectClose(_ got: [Int], _ expected: [Int], tolerance: Int, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) -> Int {
    #expect(got.count == expected.count, "\(what): \(got.count) elements, expected \(expected.count)", sourceLocation: sourceLocation)
    var differing = 0
    var reported = false
    for i in 0..<min(got.count, expected.count) where got[i] != expected[i] {
        differing += 1
        if abs(got[i] - expected[i]) > tolerance && !reported {
            reported = true
            Issue.record("\(what): element \(i) is \(got[i]), the oracle says \(expected[i]) (tolerance \(tolerance))", sourceLocation: sourceLocation)
        }
    }
    return differing
}

/// A domain with a power-of-two scale (so products of scales are exact).
func pow2Domain(bits: Int = 8, exponent: Int, zeroPoint: Int) -> QuantDomain {
    QuantDomain(bits: bits, scale: Double(sign: .plus, exponent: exponent, significand: 1), zeroPoint: zeroPoint)
}

/// Random integers of a domain, including both ends.
func randomQ(_ count: Int, _ d: QuantDomain, _ rng: inout IntegerTestRandom) -> [Int] {
    var v = rng.ints(count, 0...d.maxQ)
    if count >= 2 {
        v[0] = 0
        v[count - 1] = d.maxQ
    }
    return v
}

/// Row-major multi-indices of a shape.
func allIndices(_ shape: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for d in shape { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
    return result
}

func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    var f = 0
    for (i, d) in zip(index, shape) { f = f * d + i }
    return f
}

/// The float executor's reference result of one op (ONNX semantics) on float inputs and
/// constants: the oracle for layers whose integer form copies, selects or averages values.
func floatReference(_ op: Op, inputs: [([Int], [Float])], constants: [([Int], [Float])] = []) throws -> [[Float]] {
    var g = Graph(name: "oracle")
    var ids = [ValueID]()
    for (i, input) in inputs.enumerated() {
        let id = g.addValue(name: "i\(i)", type: .float32(input.0))
        g.inputs.append(id)
        ids.append(id)
    }
    for (i, k) in constants.enumerated() { ids.append(g.addConstant(name: "k\(i)", tensor: Tensor(shape: k.0, float32: k.1))) }
    let types = try op.inferOutputTypes(ids.map { g.type(of: $0) })
    let outs = try g.addNode(name: "n", sourceNames: ["n"], op: op, inputs: ids, outputNames: types.indices.map { "o\($0)" })
    g.outputs = outs
    let executor = try FloatExecutor(g, options: .init(kernels: .reference))
    var feeds = [String: Tensor]()
    for (i, input) in inputs.enumerated() { feeds["i\(i)"] = Tensor(shape: input.0, float32: input.1) }
    let result = try executor.run(feeds)
    return outs.indices.map { result["o\($0)"]!.floats }
}

/// Dequantized integers as Float (exact for the power-of-two scales the tests use).
func dequantizedFloats(_ q: [Int], _ d: QuantDomain) -> [Float] { q.map { Float(d.dequantize($0)) } }
