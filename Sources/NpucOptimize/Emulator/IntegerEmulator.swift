// The quantized emulator (`npuc infer --context quantized`): runs a QuantizedNetwork on integer
// inputs with one reference kernel per layer kind (Kernels/Reference*.swift — the definition of
// docs/QUANTIZATION.md's arithmetic that the runtime is tested against bit-exactly). By default
// 1-D/2-D convolutions use FastConvolution, 2-D max pooling FastPooling and concatenation
// FastConcat, which compute the same integers faster; the results are identical with
// `.reference` kernels and with any thread count.

import Foundation
import NpucGraph

public final class IntegerEmulator: Sendable {
    public struct Options: Sendable, Hashable {
        public enum Kernels: Sendable, Hashable {
            /// The reference kernels, with the fast convolution, max pooling and concatenation.
            case fast
            /// The reference kernels only.
            case reference
        }

        public var kernels: Kernels
        /// Threads for the convolutions (results do not depend on it).
        public var threads: Int

        public init(kernels: Kernels = .fast, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.kernels = kernels
            self.threads = Swift.max(1, threads)
        }
    }

    public let network: QuantizedNetwork
    public let options: Options
    /// Fast convolutions by layer index.
    private let fastConvolutions: [Int: FastConvolution]
    /// For each layer, the value names whose last reader it is (freed after it runs).
    private let releases: [[String]]

    /// Validates `network` (see `QuantizedNetwork.validate`) and prepares the fast kernels.
    public init(_ network: QuantizedNetwork, options: Options = Options()) throws(QuantizedNetworkError) {
        try network.validate()
        self.network = network
        self.options = options
        var fast = [Int: FastConvolution]()
        if options.kernels == .fast {
            for (i, layer) in network.layers.enumerated() {
                if case .conv(let op) = layer.op,
                   let kernel = FastConvolution(op, input: network.values[layer.inputs[0]]!, output: network.values[layer.outputs[0]]!) {
                    fast[i] = kernel
                }
            }
        }
        fastConvolutions = fast
        var lastUse = [String: Int]()
        for (i, layer) in network.layers.enumerated() {
            for input in layer.inputs { lastUse[input] = i }
        }
        var releases = [[String]](repeating: [], count: network.layers.count)
        let kept = Set(network.outputs)
        for (name, i) in lastUse where !kept.contains(name) { releases[i].append(name) }
        self.releases = releases
    }

    /// Runs the network on integer inputs (keyed by input name; uint8 for 8-bit domains, uint16
    /// for 16-bit ones) and returns every output as a uint8 or uint16 tensor.
    public func run(_ inputs: [String: Tensor]) throws(IntegerEmulatorError) -> [String: Tensor] {
        try execute(inputs, observe: nil)
    }

    /// Runs the network and reports every value as soon as it is computed (inputs first, then
    /// each layer's outputs in layer order).
    public func run(_ inputs: [String: Tensor], observe: (String, Tensor) -> Void) throws(IntegerEmulatorError) -> [String: Tensor] {
        try withoutActuallyEscaping(observe) { escapable throws(IntegerEmulatorError) in
            try execute(inputs, observe: escapable)
        }
    }

    /// Quantizes float inputs, runs, and dequantizes the outputs to float32.
    public func runDequantized(_ floatInputs: [String: Tensor]) throws(IntegerEmulatorError) -> [String: Tensor] {
        let quantized: [String: Tensor]
        do {
            quantized = try network.quantizeInputs(floatInputs)
        } catch {
            throw IntegerEmulatorError(error.message)
        }
        let outputs = try run(quantized)
        var result = [String: Tensor]()
        for (name, tensor) in outputs { result[name] = network.values[name]!.domain.dequantize(tensor) }
        return result
    }

    private func execute(_ inputs: [String: Tensor], observe: ((String, Tensor) -> Void)?) throws(IntegerEmulatorError) -> [String: Tensor] {
        for name in inputs.keys.sorted() where !network.inputs.contains(name) {
            throw IntegerEmulatorError("'\(name)' is not an input of the quantized network (its inputs: \(network.inputs.joined(separator: ", ")))")
        }
        var live = [String: IntValue]()
        for name in network.inputs {
            let info = network.values[name]!
            guard let tensor = inputs[name] else {
                throw IntegerEmulatorError("input '\(name)' is missing (expected \(info.domain.dataType.rawValue)[\(ShapeArithmetic.describe(info.shape))])")
            }
            guard tensor.shape == info.shape else {
                throw IntegerEmulatorError("input '\(name)' has shape \(ShapeArithmetic.describe(tensor.shape)), expected \(ShapeArithmetic.describe(info.shape))")
            }
            guard tensor.dataType == info.domain.dataType else {
                throw IntegerEmulatorError("input '\(name)' is \(tensor.dataType.rawValue), expected \(info.domain.dataType.rawValue) for its \(info.domain.bits)-bit domain (quantize float inputs with `quantizeInputs` or `runDequantized`)")
            }
            let value = IntValue(shape: info.shape, domain: info.domain, data: tensor.int64s.map { Int32(truncatingIfNeeded: $0) })
            live[name] = value
            observe?(name, tensor)
        }
        for (i, layer) in network.layers.enumerated() {
            let values = layer.inputs.map { live[$0]! }
            let outputs = layer.outputs.map { network.values[$0]! }
            let results = compute(layer, index: i, inputs: values, outputs: outputs)
            for (k, name) in layer.outputs.enumerated() {
                let value = IntValue(shape: outputs[k].shape, domain: outputs[k].domain, data: results[k])
                live[name] = value
                observe?(name, value.tensor)
            }
            for name in releases[i] { live[name] = nil }
        }
        var result = [String: Tensor]()
        for name in network.outputs { result[name] = live[name]!.tensor }
        return result
    }

    /// One layer's output integers.
    private func compute(_ layer: QuantizedLayer, index: Int, inputs x: [IntValue], outputs: [QuantizedValueInfo]) -> [[Int32]] {
        let out = outputs[0]
        switch layer.op {
        case .conv(let op):
            if let fast = fastConvolutions[index] { return [fast.run(x[0], threads: options.threads)] }
            return [ReferenceKernels.convolution(op, x: x[0], output: out)]
        case .convTranspose(let op): return [ReferenceKernels.convTranspose(op, x: x[0], output: out)]
        case .dense(let op): return [ReferenceKernels.dense(op, x: x[0], output: out)]
        case .addSub(let op): return [ReferenceKernels.addSub(op, inputs: x, output: out)]
        case .mul(let op): return [ReferenceKernels.mul(op, inputs: x, output: out)]
        case .scale(let op): return [ReferenceKernels.scale(op, x: x[0], output: out)]
        case .maxMin(let op): return [ReferenceKernels.maxMin(op, inputs: x, output: out)]
        case .concat(let op):
            if options.kernels == .fast { return [FastConcat.concat(op, inputs: x, output: out)] }
            return [ReferenceKernels.concat(op, inputs: x, output: out)]
        case .maxPool(let op):
            if options.kernels == .fast, let pooled = FastPooling.maxPool2D(op, x: x[0], output: out) { return [pooled] }
            return [ReferenceKernels.maxPool(op, x: x[0], output: out)]
        case .averagePool(let op): return [ReferenceKernels.averagePool(op, x: x[0], output: out)]
        case .globalMaxPool: return [ReferenceKernels.globalMaxPool(x: x[0], output: out)]
        case .globalAveragePool(let op): return [ReferenceKernels.globalAveragePool(op, x: x[0], output: out)]
        case .reduceMean(let op): return [ReferenceKernels.reduceMean(op, x: x[0], output: out)]
        case .resizeNearest(let op): return [ReferenceKernels.resizeNearest(op, x: x[0], output: out)]
        case .resizeBilinear(let op): return [ReferenceKernels.resizeBilinear(op, x: x[0], output: out)]
        case .slice(let op): return [ReferenceKernels.slice(op, x: x[0], output: out)]
        case .split(let op): return ReferenceKernels.split(op, x: x[0])
        case .reshape: return [x[0].data]
        case .transpose(let op): return [ReferenceKernels.transpose(op, x: x[0], output: out)]
        case .depthToSpace(let op): return [ReferenceKernels.depthToSpace(op, x: x[0], output: out)]
        case .spaceToDepth(let op): return [ReferenceKernels.spaceToDepth(op, x: x[0], output: out)]
        case .pad(let op): return [ReferenceKernels.pad(op, x: x[0], output: out)]
        case .activation(let op): return [ReferenceKernels.activation(op, x: x[0])]
        case .prelu(let op): return [ReferenceKernels.prelu(op, x: x[0], output: out)]
        case .softmax(let op): return [ReferenceKernels.softmax(op, x: x[0], output: out)]
        }
    }
}

/// A problem with the inputs given to the emulator.
public struct IntegerEmulatorError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
