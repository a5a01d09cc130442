// Helpers for the quantizer tests: a small float graph that uses every integer layer kind,
// calibration by min/max over float runs, and signal-to-noise ratios.

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize

enum EveryKindNetwork {
    /// A float graph (input "x" 1×3×12×12) whose quantization uses every integer layer kind;
    /// outputs: the transposed convolution's activation and the final softmax.
    static func graph(seed: UInt64 = 5) throws -> Graph {
        var rng = IntegerTestRandom(seed: seed)
        var g = Graph(name: "every-kind")
        func random(_ shape: [Int], _ scale: Double) -> Tensor {
            Tensor(shape: shape, float32: (0..<shape.reduce(1, *)).map { _ in Float(rng.double(-scale...scale)) })
        }
        var count = 0
        func add(_ name: String, _ op: Op, _ inputs: [ValueID], outputs: Int = 1) throws -> [ValueID] {
            count += 1
            return try g.addNode(name: name, sourceNames: ["/src/\(name)"], op: op, inputs: inputs,
                                 outputNames: (0..<outputs).map { "\(name)_out\($0)" })
        }
        func constant(_ name: String, _ t: Tensor) -> ValueID { g.addConstant(name: name, tensor: t) }
        func conv(_ k: Int, s: Int = 1, p: Int = 0, group: Int = 1) -> Op {
            .conv(Convolution(kernelShape: [k, k], strides: [s, s], dilations: [1, 1], padsBegin: [p, p], padsEnd: [p, p], group: group))
        }
        let x = g.addValue(name: "x", type: .float32([1, 3, 12, 12]))
        g.inputs = [x]
        let c1 = try add("conv1", conv(3, p: 1), [x, constant("w1", random([8, 3, 3, 3], 0.5)), constant("b1", random([8], 0.2))])[0]
        let a = try add("silu1", .activation(Activation(.silu)), [c1])[0]
        let c2 = try add("conv2", conv(3, s: 2, p: 1, group: 8), [a, constant("w2", random([8, 1, 3, 3], 0.6)), constant("b2", random([8], 0.2))])[0]
        let b = try add("relu2", .activation(Activation(.relu)), [c2])[0]
        let pool = Pooling(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0], ceilMode: false, countIncludePad: false)
        let c = try add("maxpool1", .maxPool(pool), [a])[0]
        let d = try add("ew_add1", .elementwise(Elementwise(.add)), [b, c])[0]
        let e = try add("ew_sub1", .elementwise(Elementwise(.sub)), [d, constant("k_sub", random([1, 8, 1, 1], 1))])[0]
        let f = try add("ew_mult1", .elementwise(Elementwise(.mul)), [e, b])[0]
        let gg = try add("ew_mult2", .elementwise(Elementwise(.mul)), [f, constant("k_half", Tensor(shape: [], float32: [0.5]))])[0]
        let h = try add("ew_div1", .elementwise(Elementwise(.div)), [gg, constant("k_four", Tensor(shape: [1], float32: [-4]))])[0]
        let i = try add("ew_max1", .elementwise(Elementwise(.max)), [h, b])[0]
        let j = try add("ew_min1", .elementwise(Elementwise(.min)), [i, constant("k_min", random([1, 8, 6, 6], 2))])[0]
        let avg = Pooling(kernelShape: [3, 3], strides: [1, 1], dilations: [1, 1], padsBegin: [1, 1], padsEnd: [1, 1], ceilMode: false, countIncludePad: false)
        let k = try add("avgpool1", .averagePool(avg), [j])[0]
        let l = try add("resize1", .resize(Resize(mode: .nearest, coordinateTransformation: .asymmetric, nearestMode: .floor,
                                                 scales: [1, 1, 2, 2], outputShape: [1, 8, 12, 12])), [k])[0]
        let m = try add("concat1", .concat(Concat(axis: 1)), [l, a])[0]
        let n = try add("resize2", .resize(Resize(mode: .linear, coordinateTransformation: .halfPixel, nearestMode: .floor,
                                                 scales: [1, 1, 0.5, 0.5], outputShape: [1, 16, 6, 6])), [m])[0]
        let halves = try add("split1", .split(Split(axis: 1, sizes: [8, 8])), [n], outputs: 2)
        let o = try add("prelu1", .prelu(PRelu()), [halves[0], constant("slope", random([8, 1, 1], 0.5))])[0]
        let p = try add("sigmoid1", .activation(Activation(.sigmoid)), [halves[1]])[0]
        let q0 = try add("ew_mult3", .elementwise(Elementwise(.mul)), [o, p])[0]
        let q = try add("tanh1", .activation(Activation(.tanh)), [q0])[0]
        let r = try add("pad1", .pad(Pad(mode: .constant, padsBegin: [0, 0, 1, 1], padsEnd: [0, 0, 1, 1], value: 0.25)), [q])[0]
        let s0 = try add("slice1", .slice(Slice(starts: [0, 0, 1, 1], ends: [1, 8, 7, 7], steps: [1, 1, 1, 1])), [r])[0]
        let s = try add("ew_mult4", .elementwise(Elementwise(.mul)), [s0, constant("k_scale", random([1, 8, 1, 1], 2))])[0]
        let t = try add("depth_to_space1", .depthToSpace(DepthToSpace(blockSize: 2, mode: .dcr)), [s])[0]
        let u = try add("space_to_depth1", .spaceToDepth(SpaceToDepth(blockSize: 2)), [t])[0]
        let v = try add("transpose1", .transpose(Transpose(permutation: [0, 1, 3, 2])), [u])[0]
        let w0 = try add("deconv1", .convTranspose(ConvTranspose(kernelShape: [2, 2], strides: [2, 2], dilations: [1, 1], padsBegin: [0, 0],
                                                               padsEnd: [0, 0], outputPadding: [0, 0], group: 1)),
                         [v, constant("w_deconv", random([8, 4, 2, 2], 0.5)), constant("b_deconv", random([4], 0.1))])[0]
        let w = try add("leaky1", .activation(Activation(.leakyRelu(alpha: 0.1))), [w0])[0]
        let w1 = try add("global_avgpool1", .globalAveragePool(GlobalPooling()), [w])[0]
        let w2 = try add("global_maxpool1", .globalMaxPool(GlobalPooling()), [w])[0]
        let w3 = try add("ew_add2", .elementwise(Elementwise(.add)), [w1, w2])[0]
        let w4 = try add("reduce_mean1", .reduce(Reduce(function: .mean, axes: [2, 3], keepDims: true)), [w])[0]
        let w5 = try add("concat2", .concat(Concat(axis: 1)), [w3, w4])[0]
        let flat = try add("reshape1", .reshape(Reshape(shape: [1, 8])), [w5])[0]
        let z1 = try add("fc1", .dense(Dense()), [flat, constant("w_fc", random([5, 8], 0.5)), constant("b_fc", random([5], 0.1))])[0]
        let z2 = try add("softmax1", .softmax(Softmax(axis: 1)), [z1])[0]
        g.outputs = [w, z2]
        try g.verify()
        return g
    }

    static func input(seed: UInt64) -> Tensor {
        var rng = IntegerTestRandom(seed: seed)
        return Tensor(shape: [1, 3, 12, 12], float32: (0..<432).map { _ in Float(rng.double(-1...1)) })
    }
}

enum IntegerTestCalibration {
    /// [min, max] of every value over float runs of `executor` on `inputs`.
    static func ranges(_ executor: FloatExecutor, _ inputs: [[String: Tensor]]) throws -> [String: ClosedRange<Double>] {
        var lo = [String: Double](), hi = [String: Double]()
        for feed in inputs {
            _ = try executor.run(feed) { id, tensor in
                let name = executor.graph[id].name
                let f = tensor.floats
                lo[name] = min(lo[name] ?? .infinity, Double(f.min() ?? 0))
                hi[name] = max(hi[name] ?? -.infinity, Double(f.max() ?? 0))
            }
        }
        var result = [String: ClosedRange<Double>]()
        for (name, l) in lo { result[name] = l...hi[name]! }
        return result
    }
}

/// 10 · log10(Σ reference² / Σ (reference − test)²), in dB.
func integerTestSNR(_ reference: [Float], _ test: [Float]) -> Double {
    var signal = 0.0, noise = 0.0
    for (r, t) in zip(reference, test) {
        signal += Double(r) * Double(r)
        noise += (Double(r) - Double(t)) * (Double(r) - Double(t))
    }
    return noise == 0 ? .infinity : 10 * log10(signal / noise)
}
