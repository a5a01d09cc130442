// The closed set of IR ops. Each case carries the typed attributes defined in `Ops/<Op>.swift`;
// every stage (executor, quantizer, compiler, runtime) switches over this enum exhaustively.

/// Raised by shape inference when an op cannot be applied to its input types.
public struct ShapeInferenceError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What every op's attribute type provides.
public protocol OperatorDefinition: Codable, Hashable, Sendable {
    /// Stable identifier used in graph.json and the docs.
    static var kind: OpKind { get }
    /// Accepted numbers of inputs.
    static var inputArity: ClosedRange<Int> { get }
    /// Output types from input types; throws when the inputs do not fit the op.
    func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType]
    /// Prefix of npuc's layer names for this op (`conv`, `dw`, `ew_add`, …).
    var layerPrefix: String { get }
    /// Multiply-accumulates for one inference with these input/output types.
    func macs(inputs: [TensorType], outputs: [TensorType]) -> Int
}

extension OperatorDefinition {
    public func macs(inputs: [TensorType], outputs: [TensorType]) -> Int { 0 }
    public var layerPrefix: String { Self.kind.rawValue }
}

/// Op identifiers, in the order the supported-ops document lists them.
public enum OpKind: String, Codable, Sendable, CaseIterable, Hashable {
    case conv, convTranspose = "conv_transpose", dense
    case maxPool = "max_pool", averagePool = "average_pool"
    case globalAveragePool = "global_average_pool", globalMaxPool = "global_max_pool"
    case elementwise, activation, prelu, batchNorm = "batch_norm"
    case concat, slice, split, resize, pad
    case depthToSpace = "depth_to_space", spaceToDepth = "space_to_depth"
    case reshape, transpose, softmax, reduce
}

public enum Op: Hashable, Sendable {
    case conv(Convolution)
    case convTranspose(ConvTranspose)
    case dense(Dense)
    case maxPool(Pooling)
    case averagePool(Pooling)
    case globalAveragePool(GlobalPooling)
    case globalMaxPool(GlobalPooling)
    case elementwise(Elementwise)
    case activation(Activation)
    case prelu(PRelu)
    case batchNorm(BatchNorm)
    case concat(Concat)
    case slice(Slice)
    case split(Split)
    case resize(Resize)
    case pad(Pad)
    case depthToSpace(DepthToSpace)
    case spaceToDepth(SpaceToDepth)
    case reshape(Reshape)
    case transpose(Transpose)
    case softmax(Softmax)
    case reduce(Reduce)

    /// The attribute value, type-erased, for code that treats all ops alike.
    public var definition: any OperatorDefinition {
        switch self {
        case .conv(let a): return a
        case .convTranspose(let a): return a
        case .dense(let a): return a
        case .maxPool(let a): return a
        case .averagePool(let a): return a
        case .globalAveragePool(let a): return a
        case .globalMaxPool(let a): return a
        case .elementwise(let a): return a
        case .activation(let a): return a
        case .prelu(let a): return a
        case .batchNorm(let a): return a
        case .concat(let a): return a
        case .slice(let a): return a
        case .split(let a): return a
        case .resize(let a): return a
        case .pad(let a): return a
        case .depthToSpace(let a): return a
        case .spaceToDepth(let a): return a
        case .reshape(let a): return a
        case .transpose(let a): return a
        case .softmax(let a): return a
        case .reduce(let a): return a
        }
    }

    public var kind: OpKind {
        switch self {
        case .maxPool: return .maxPool
        case .averagePool: return .averagePool
        case .globalAveragePool: return .globalAveragePool
        case .globalMaxPool: return .globalMaxPool
        default: return type(of: definition).kind
        }
    }

    public var layerPrefix: String {
        switch self {
        case .maxPool: return "maxpool"
        case .averagePool: return "avgpool"
        case .globalAveragePool: return "global_avgpool"
        case .globalMaxPool: return "global_maxpool"
        default: return definition.layerPrefix
        }
    }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let arity = type(of: definition).inputArity
        guard arity.contains(inputs.count) else {
            let expected = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)"
                : "\(arity.lowerBound) to \(arity.upperBound)"
            throw ShapeInferenceError("expects \(expected) inputs, got \(inputs.count)")
        }
        return try definition.inferOutputTypes(inputs)
    }

    public func macs(inputs: [TensorType], outputs: [TensorType]) -> Int {
        definition.macs(inputs: inputs, outputs: outputs)
    }
}

// MARK: - Shared shape helpers for ops

enum OpShapes {
    /// Checks that every input is floating point and returns the common element type.
    static func requireFloat(_ inputs: [TensorType], _ indices: [Int]? = nil) throws(ShapeInferenceError) -> DataType {
        let checked = indices ?? Array(inputs.indices)
        let dtype = inputs[checked[0]].dataType
        for i in checked {
            guard inputs[i].dataType.isFloatingPoint else {
                throw ShapeInferenceError("input \(i) has element type \(inputs[i].dataType.rawValue); a floating-point tensor is required")
            }
            guard inputs[i].dataType == dtype else {
                throw ShapeInferenceError("inputs have different element types (\(dtype.rawValue) and \(inputs[i].dataType.rawValue))")
            }
        }
        return dtype
    }

    /// Output size of a sliding window along one axis (floor or ceil mode, ONNX rules).
    static func windowOutput(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int,
                             ceilMode: Bool = false) -> Int {
        let effective = dilation * (kernel - 1) + 1
        let span = input + padBegin + padEnd - effective
        if span < 0 { return 0 }
        if !ceilMode { return span / stride + 1 }
        var out = (span + stride - 1) / stride + 1
        // The last window must start inside the input or the leading padding.
        if (out - 1) * stride >= input + padBegin { out -= 1 }
        return out
    }

    static func checkSpatial(_ name: String, _ values: [Int], count: Int, minimum: Int) throws(ShapeInferenceError) {
        guard values.count == count else {
            throw ShapeInferenceError("\(name) has \(values.count) entries, expected \(count)")
        }
        guard values.allSatisfy({ $0 >= minimum }) else {
            throw ShapeInferenceError("\(name) \(values) must be ≥ \(minimum)")
        }
    }
}
