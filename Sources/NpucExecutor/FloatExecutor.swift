// The float reference executor (the "native" context): runs a graph in float32 with ONNX
// semantics. Build it once per graph (this validates the graph, packs weights and plans
// memory), then call `run` any number of times, from any thread.

import Dispatch
import NpucGraph
import NpucKernels

public final class FloatExecutor: Sendable {
    public struct Options: Sendable, Hashable {
        public enum Kernels: Sendable, Hashable {
            /// Vectorized, multithreaded kernels where this machine has them; reference elsewhere.
            case fast
            /// The reference kernels only (slow; the definition the fast kernels are tested against).
            case reference
        }

        public var kernels: Kernels
        /// With fast kernels: compute 3×3 stride-1 convolutions by Winograd F(4×4, 3×3) (about 2.5×
        /// fewer multiplies; results differ from the direct sum by rounding, ~1e-6 relative).
        /// Off, every fast kernel is bit-identical to its reference twin except sigmoid/SiLU.
        public var winograd: Bool

        public init(kernels: Kernels = .fast, winograd: Bool = true) {
            self.kernels = kernels
            self.winograd = winograd
        }
    }

    public let graph: Graph
    public let options: Options
    private let constants: ConstantStore
    /// Steps for `run` (activations fused into convolutions where possible).
    private let plan: ExecutionPlan
    /// Steps for `run(_:observe:)`: one per node, so every value is materialized.
    private let observedPlan: ExecutionPlan

    /// True when this executor uses the vectorized kernels.
    public var usesFastKernels: Bool { options.kernels == .fast && KernelSupport.fastKernels }

    public init(_ graph: Graph, options: Options = Options()) throws(ExecutorError) {
        do {
            try graph.verify()
        } catch {
            throw .invalidGraph(error.message)
        }
        for value in graph.values where !value.type.dataType.isFloatingPoint {
            let used = graph.inputs.contains { graph[$0].name == value.name }
                || graph.nodes.contains { node in (node.inputs + node.outputs).contains { graph[$0].name == value.name } }
            if used { throw .unsupportedDataType(value: value.name, dataType: value.type.dataType) }
        }
        self.graph = graph
        self.options = options
        constants = ConstantStore(graph: graph)
        let fast = options.kernels == .fast && KernelSupport.fastKernels
        plan = try ExecutionPlan(graph: graph, constants: constants, fast: fast, fuseActivations: fast, winograd: options.winograd)
        observedPlan = fast ? try ExecutionPlan(graph: graph, constants: constants, fast: true, fuseActivations: false,
                                                winograd: options.winograd) : plan
    }

    /// Runs the graph on `inputs` (keyed by graph input name) and returns every graph output,
    /// keyed by its value name, in the output's declared element type.
    public func run(_ inputs: [String: Tensor]) throws(ExecutorError) -> [String: Tensor] {
        try execute(plan, inputs, observe: nil)
    }

    /// Runs the graph and reports every value as soon as it is computed — graph inputs first,
    /// then each node's outputs in node order — for calibration statistics and debugging.
    public func run(_ inputs: [String: Tensor], observe: (ValueID, Tensor) -> Void) throws(ExecutorError) -> [String: Tensor] {
        try withoutActuallyEscaping(observe) { escapable throws(ExecutorError) in
            try execute(observedPlan, inputs, observe: { id, elements in escapable(id, self.tensor(of: id, elements: elements)) })
        }
    }

    /// Like `run(_:observe:)`, but hands over each value's elements as floats without copying
    /// them into a tensor: the buffer is the run's own memory and is valid only during the call.
    /// Float32 values are exactly what `observe` would give; other types are first converted to
    /// their declared type and back (the same floats `observe`'s tensor holds).
    public func run(_ inputs: [String: Tensor], observeElements: (ValueID, UnsafeBufferPointer<Float>) -> Void) throws(ExecutorError)
        -> [String: Tensor] {
        try withoutActuallyEscaping(observeElements) { escapable throws(ExecutorError) in
            try execute(observedPlan, inputs, observe: { id, elements in
                if self.graph.type(of: id).dataType == .float32 {
                    escapable(id, elements)
                } else {
                    self.tensor(of: id, elements: elements).floats.withUnsafeBufferPointer { escapable(id, $0) }
                }
            })
        }
    }

    /// Time spent in one step of a run (a node, or a convolution with its fused activation).
    public struct StepTiming: Sendable, Hashable {
        public var node: String
        /// The kernel that ran ("ConvolutionStep", "ReferenceStep", …).
        public var kernel: String
        public var seconds: Double
    }

    /// Runs the graph once and returns the wall time of every step, in execution order.
    public func profile(_ inputs: [String: Tensor]) throws(ExecutorError) -> [StepTiming] {
        var timings: [StepTiming] = []
        _ = try execute(plan, inputs, observe: nil) { step, seconds in
            timings.append(StepTiming(node: step.nodeName, kernel: String(describing: type(of: step)), seconds: seconds))
        }
        return timings
    }

    // MARK: Running

    private func validate(_ inputs: [String: Tensor]) throws(ExecutorError) -> [(ValueID, Tensor)] {
        let names = graph.inputs.map { graph[$0].name }
        for name in inputs.keys.sorted() where !names.contains(name) {
            throw .unknownInput(name: name, graphInputs: names)
        }
        var result: [(ValueID, Tensor)] = []
        for id in graph.inputs {
            let value = graph[id]
            guard let tensor = inputs[value.name] else { throw .missingInput(name: value.name, expected: value.type) }
            guard tensor.shape == value.type.shape else {
                throw .inputShapeMismatch(name: value.name, expected: value.type.shape, got: tensor.shape)
            }
            guard tensor.dataType == value.type.dataType else {
                throw .inputTypeMismatch(name: value.name, expected: value.type.dataType, got: tensor.dataType)
            }
            result.append((id, tensor))
        }
        return result
    }

    private func execute(_ plan: ExecutionPlan, _ inputs: [String: Tensor], observe: ((ValueID, UnsafeBufferPointer<Float>) -> Void)?,
                         timed: ((any ExecutionStep, Double) -> Void)? = nil) throws(ExecutorError) -> [String: Tensor] {
        let checked = try validate(inputs)
        return try plan.pool.withArena { arena throws(ExecutorError) in
            let pointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: max(graph.values.count, 1))
            defer { pointers.deallocate() }
            for v in graph.values.indices {
                let id = ValueID(v)
                pointers[v] = constants.pointer(id) ?? plan.memory.offsets[v].map { arena + $0 } ?? arena
            }
            for (id, tensor) in checked {
                let floats = tensor.floats
                pointers[id.index].update(from: floats, count: floats.count)
                observe?(id, UnsafeBufferPointer(start: pointers[id.index], count: floats.count))
            }
            for (s, step) in plan.steps.enumerated() {
                let context = StepContext(pointers: UnsafePointer(pointers),
                                          scratch: plan.memory.scratchOffsets[s].map { arena + $0 })
                if let timed {
                    let start = DispatchTime.now().uptimeNanoseconds
                    step.execute(context)
                    timed(step, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
                } else {
                    step.execute(context)
                }
                if let observe {
                    for v in step.writes { observe(v, UnsafeBufferPointer(start: pointers[v.index], count: graph.type(of: v).elementCount)) }
                }
            }
            var outputs: [String: Tensor] = [:]
            for v in graph.outputs {
                outputs[graph[v].name] = tensor(of: v, elements: UnsafeBufferPointer(start: pointers[v.index], count: graph.type(of: v).elementCount))
            }
            return outputs
        }
    }

    /// Copies a value out of run memory into a tensor of its declared type.
    private func tensor(of value: ValueID, elements: UnsafeBufferPointer<Float>) -> Tensor {
        let type = graph.type(of: value)
        let floats = Array(elements)
        switch type.dataType {
        case .float64: return Tensor(shape: type.shape, storage: .float64(floats.map { Double($0) }))
        case .float16: return Tensor(shape: type.shape, storage: .float16Bits(floats.map(HalfFloat.fromFloat)))
        default: return Tensor(shape: type.shape, float32: floats)
        }
    }
}
