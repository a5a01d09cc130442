// Errors of the float executor: each names the graph input, value or node concerned and says
// what was expected.

import NpucGraph

public enum ExecutorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The graph failed its invariant check.
    case invalidGraph(String)
    /// A value's element type cannot be executed (the executor computes in float32 and accepts
    /// float16/float32/float64 values only).
    case unsupportedDataType(value: String, dataType: DataType)
    /// A graph input was not supplied.
    case missingInput(name: String, expected: TensorType)
    /// A supplied tensor names no graph input.
    case unknownInput(name: String, graphInputs: [String])
    case inputShapeMismatch(name: String, expected: [Int], got: [Int])
    case inputTypeMismatch(name: String, expected: DataType, got: DataType)
    /// A node cannot be executed as specified (names the node and the reason).
    case unsupportedNode(node: String, reason: String)

    public var description: String {
        switch self {
        case .invalidGraph(let message):
            return "the graph is invalid: \(message)"
        case .unsupportedDataType(let value, let dataType):
            return "value '\(value)' has element type \(dataType.rawValue); the float executor runs float16, float32 and float64 tensors only"
        case .missingInput(let name, let expected):
            return "input '\(name)' (\(expected)) was not given; supply a tensor for every graph input"
        case .unknownInput(let name, let graphInputs):
            return "'\(name)' is not an input of this graph; its inputs are \(graphInputs.map { "'\($0)'" }.joined(separator: ", "))"
        case .inputShapeMismatch(let name, let expected, let got):
            return "input '\(name)' has shape \(ShapeArithmetic.describe(got)), expected \(ShapeArithmetic.describe(expected))"
        case .inputTypeMismatch(let name, let expected, let got):
            return "input '\(name)' has element type \(got.rawValue), expected \(expected.rawValue)"
        case .unsupportedNode(let node, let reason):
            return "node '\(node)' cannot be executed: \(reason)"
        }
    }
}
