// `runner.infer(inputs, context:)`: runs the held network in one of three contexts, as the DFC's
// `infer_context` does —
//   native        the float network as parsed (the float executor);
//   fp-optimized  the float network after the optimizer's preparation (normalization, input
//                 conversion and output activations folded in, equalization applied);
//   quantized     the integer network in the emulator: float inputs quantized into the input
//                 domains, float outputs dequantized.
// fp-optimized and quantized take the inputs the *prepared* network takes: raw pixels (0…255)
// where the archive's model script folded a normalization into the network, BGR where it folded
// an input_conversion(bgr_to_rgb); otherwise what the parsed network takes.

import Foundation
import NpucExecutor
import NpucGraph
import NpucIO
import NpucOptimize
import NpucScript

/// Where inference runs (`--context`).
public enum InferenceContext: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case native
    case fpOptimized = "fp-optimized"
    case quantized

    public var description: String { rawValue }
}

/// A problem running inference (a missing integer network, inputs the network does not take).
public struct InferenceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One network ready to run in one context; build it once and run it on many samples.
public final class InferenceSession: Sendable {
    /// How images must be turned into values for one input of this session's network.
    public struct ImageConvention: Sendable, Hashable {
        /// The mean and std of the script's normalization folded into the network (raw pixels go
        /// in); nil when none was folded (the network takes what the parsed one takes).
        public var foldedMean: [Double]?
        public var foldedStd: [Double]?
        /// True when the network takes BGR pixels (a folded `input_conversion(bgr_to_rgb)`).
        public var bgr: Bool = false
    }

    public let context: InferenceContext
    /// The float network whose inputs and outputs this session takes and returns: the parsed
    /// graph for native, the prepared graph otherwise (same output names in every context).
    public let graph: Graph
    /// Per input name (empty for native: its images follow the caller's normalization).
    public let imageConventions: [String: ImageConvention]
    /// The integer network (quantized context only).
    public let network: QuantizedNetwork?
    private let executor: FloatExecutor?
    private let emulator: IntegerEmulator?

    init(context: InferenceContext, graph: Graph, conventions: [String: ImageConvention], network: QuantizedNetwork?) throws {
        self.context = context
        self.graph = graph
        self.imageConventions = conventions
        self.network = network
        if let network {
            do {
                emulator = try IntegerEmulator(network)
            } catch {
                throw InferenceError("the archive's integer network is invalid: \(error.message); run `npuc optimize` again")
            }
            executor = nil
        } else {
            executor = try FloatExecutor(graph)
            emulator = nil
        }
    }

    /// The outputs (keyed by the ONNX output names) of one run; inputs keyed by input name, with
    /// the shapes and element types of `graph`'s inputs.
    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] {
        for id in graph.inputs {
            let value = graph[id]
            guard let tensor = inputs[value.name] else {
                throw InferenceError("input '\(value.name)' is missing (it takes \(value.type))")
            }
            guard tensor.shape == value.type.shape, tensor.dataType == value.type.dataType else {
                throw InferenceError("input '\(value.name)' is \(tensor.dataType.rawValue)[\(ShapeArithmetic.describe(tensor.shape))]; the \(context) network takes \(value.type)")
            }
        }
        if let executor { return try executor.run(inputs) }
        guard let emulator else { preconditionFailure("an inference session has neither executor nor emulator") }
        let outputs = try emulator.runDequantized(inputs)
        // Dequantized outputs are float32; give them the float network's output element types.
        var result = [String: Tensor]()
        for id in graph.outputs {
            let name = graph[id].name
            guard let tensor = outputs[name] else {
                throw InferenceError("the integer network does not produce output '\(name)'; run `npuc optimize` again")
            }
            result[name] = Self.converted(tensor, to: graph.type(of: id).dataType)
        }
        return result
    }

    static func converted(_ tensor: Tensor, to type: DataType) -> Tensor {
        switch type {
        case .float64: return Tensor(shape: tensor.shape, storage: .float64(tensor.floats.map(Double.init)))
        case .float16: return Tensor(shape: tensor.shape, storage: .float16Bits(tensor.floats.map(HalfFloat.fromFloat)))
        default: return tensor
        }
    }
}

extension ClientRunner {
    /// The held archive's model script (from its "model_script" section), parsed and checked;
    /// nil when it has none.
    public func storedModelScript() throws -> ModelScript? {
        guard let archive else { throw RunnerError.noNetwork("read the model script") }
        guard let bytes = archive.sections[Self.modelScriptSection] else { return nil }
        return try loadModelScript(String(decoding: bytes, as: UTF8.self), fileName: "model_script (in the archive)")
    }

    /// The float network the quantizer saw: the parsed graph prepared with the options of the
    /// archive's model script (default options when it has none).
    public func preparedGraph() throws -> Graph {
        try preparation().graph
    }

    /// The prepared graph and, per input, how images must be fed to it.
    func preparation() throws -> (graph: Graph, conventions: [String: InferenceSession.ImageConvention]) {
        guard let archive else { throw RunnerError.noNetwork("prepare the float network") }
        let script = try storedModelScript()
        let (options, _) = try OptimizationSettings.from(script, graph: archive.graph, metadata: archive.metadata)
        let graph = try Optimizer.prepare(archive.graph, options: options, algorithms: options.algorithms)
        let only = archive.graph.inputs.count == 1 ? archive.graph[archive.graph.inputs[0]].name : nil
        var conventions = [String: InferenceSession.ImageConvention]()
        for id in archive.graph.inputs { conventions[archive.graph[id].name] = InferenceSession.ImageConvention() }
        for n in options.preparation.normalizations {
            guard let name = n.input ?? only else { continue }
            conventions[name]?.foldedMean = n.mean
            conventions[name]?.foldedStd = n.std
        }
        for input in options.preparation.bgrInputs {
            guard let name = input ?? only else { continue }
            conventions[name]?.bgr = true
        }
        return (graph, conventions)
    }

    /// A session running the held network in `context`. fp-optimized and quantized need an
    /// optimized archive.
    public func inferenceSession(_ context: InferenceContext) throws -> InferenceSession {
        guard let archive else { throw RunnerError.noNetwork("infer") }
        switch context {
        case .native:
            return try InferenceSession(context: .native, graph: archive.graph, conventions: [:], network: nil)
        case .fpOptimized, .quantized:
            let network = try storedNetwork(for: "--context \(context)")
            let (graph, conventions) = try preparation()
            return try InferenceSession(context: context, graph: graph, conventions: conventions,
                                        network: context == .quantized ? network : nil)
        }
    }

    /// The integer network of the held optimized archive; a clear error for any other archive.
    public func storedNetwork(for what: String) throws -> QuantizedNetwork {
        guard let archive else { throw RunnerError.noNetwork(what) }
        let network = archive.state == .optimized ? try QuantizedNetwork.stored(in: archive) : nil
        guard let network else {
            throw InferenceError("\(what) needs an optimized archive; '\(archive.netName)' is \(archive.state.rawValue) — run `npuc optimize` on it first")
        }
        return network
    }

    /// Runs the held network once in `context` (inputs keyed by input name; see
    /// `InferenceSession.graph` for the shapes and types each context takes).
    public func infer(_ inputs: [String: Tensor], context: InferenceContext = .native) throws -> [String: Tensor] {
        try inferenceSession(context).run(inputs)
    }
}
