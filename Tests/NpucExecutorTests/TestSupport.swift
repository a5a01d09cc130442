// Shared test helpers: a seeded random generator, random tensors, ulp distances, and running a
// reference kernel on plain arrays.

import NpucExecutor
import NpucGraph

/// SplitMix64: small, fast, and the same sequence on every platform for a given seed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
}

/// Distance in units in the last place between two finite floats (0 when equal, including ±0).
func ulpDistance(_ a: Float, _ b: Float) -> Int {
    if a == b { return 0 }
    func ordered(_ x: Float) -> Int64 {
        let bits = Int64(Int32(bitPattern: x.bitPattern))
        return bits < 0 ? Int64(Int32.min) - bits : bits
    }
    return Int(abs(ordered(a) - ordered(b)))
}

/// True when both arrays hold the same bit patterns (NaN payloads aside).
func bitIdentical(_ a: [Float], _ b: [Float]) -> Bool {
    guard a.count == b.count else { return false }
    for i in a.indices where !(a[i].bitPattern == b[i].bitPattern || (a[i].isNaN && b[i].isNaN)) { return false }
    return true
}

/// Index of the first element whose bits differ, for failure messages.
func firstDifference(_ a: [Float], _ b: [Float]) -> String {
    for i in 0..<min(a.count, b.count) where !(a[i].bitPattern == b[i].bitPattern || (a[i].isNaN && b[i].isNaN)) {
        return "index \(i): \(a[i]) vs \(b[i])"
    }
    return a.count == b.count ? "none" : "counts \(a.count) vs \(b.count)"
}

/// Runs `body` with read-only views of `inputs` and a zeroed output array of `outputCount`.
func withViews(_ inputs: [([Float], [Int])], outputShape: [Int],
               _ body: ([FloatView], MutableFloatView) -> Void) -> [Float] {
    var output = [Float](repeating: 0, count: outputShape.reduce(1, *))
    var pointers: [UnsafeMutablePointer<Float>] = []
    for (values, _) in inputs {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        p.initialize(from: values, count: values.count)
        pointers.append(p)
    }
    defer { pointers.forEach { $0.deallocate() } }
    output.withUnsafeMutableBufferPointer { out in
        let views = zip(pointers, inputs).map { FloatView(UnsafePointer($0), $1.1) }
        body(views, MutableFloatView(out.baseAddress!, outputShape))
    }
    return output
}

extension Graph {
    /// Adds a float32 input value and lists it as a graph input.
    mutating func addInput(_ name: String, _ shape: [Int]) -> ValueID {
        let id = addValue(name: name, type: .float32(shape))
        inputs.append(id)
        return id
    }

    /// Adds a node with one output named `name` and returns that output.
    mutating func add(_ name: String, _ op: Op, _ inputs: [ValueID]) throws -> ValueID {
        try addNode(name: name, sourceNames: [name], op: op, inputs: inputs, outputNames: [name + "_out"])[0]
    }
}
