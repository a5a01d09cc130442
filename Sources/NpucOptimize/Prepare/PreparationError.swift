// Errors of the float preparation passes (batch-norm folding, normalization folding, input
// conversion, output activations, equalization): each names the node, tensor or input concerned
// and says what to do next.

import NpucGraph

public enum PreparationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The graph has no input of that name (or several inputs and none was named).
    case unknownInput(name: String?, graphInputs: [String])
    /// A per-channel parameter list does not fit the input's channels.
    case channelCountMismatch(pass: String, input: String, expected: Int, got: Int)
    /// A parameter value is unusable (a zero or non-finite std, a negative variance, …).
    case invalidParameter(pass: String, what: String, reason: String)
    /// A weight or parameter tensor holds NaN or infinity.
    case nonFiniteConstant(node: String, tensor: String)
    /// Layers named to a pass that the graph does not have (or that are not outputs).
    case unknownLayers(pass: String, names: [String], candidates: [String])
    /// A node the pass must rewrite but cannot (names the node and why).
    case unsupportedNode(pass: String, node: String, reason: String)
    /// The rewritten graph failed its invariant check: an npuc bug, reported instead of crashing.
    case invalidResult(pass: String, message: String)

    public var description: String {
        switch self {
        case .unknownInput(let name, let inputs):
            let list = inputs.map { "'\($0)'" }.joined(separator: ", ")
            if let name { return "the model has no input '\(name)'; its inputs are \(list)" }
            return "the model has \(inputs.count) inputs (\(list)); name the input the command applies to"
        case .channelCountMismatch(let pass, let input, let expected, let got):
            return "\(pass): input '\(input)' has \(expected) channels but \(got) values were given; give one value per channel (or one for all)"
        case .invalidParameter(let pass, let what, let reason):
            return "\(pass): \(what) \(reason)"
        case .nonFiniteConstant(let node, let tensor):
            return "node '\(node)': tensor '\(tensor)' holds NaN or infinity; fix the model's weights before quantizing"
        case .unknownLayers(let pass, let names, let candidates):
            let shown = candidates.prefix(12).map { "'\($0)'" }.joined(separator: ", ")
            return "\(pass): no such layer \(names.map { "'\($0)'" }.joined(separator: ", ")); the candidates are \(shown)"
                + (candidates.count > 12 ? ", …" : "")
        case .unsupportedNode(let pass, let node, let reason):
            return "\(pass): node '\(node)' cannot be rewritten: \(reason)"
        case .invalidResult(let pass, let message):
            return "\(pass) produced an invalid graph (an npuc bug; please report it): \(message)"
        }
    }
}
