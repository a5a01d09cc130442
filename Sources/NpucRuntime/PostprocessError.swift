// Typed errors of host-side post-processing and evaluation: each names the output tensor (by the
// head's original node name) or the setting at fault and says what to do next.

import NpucGraph

public struct PostprocessError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// The config has values that cannot be used (one sentence each).
        case invalidConfig([String])
        /// The head cannot be decoded (SSD, a YOLOv5 head without anchors, a DFL head without bins …).
        case unsupportedHead(String)
        /// A different number of output tensors than the head has end nodes.
        case outputCount(expected: [String], found: Int)
        /// An output tensor whose shape does not fit the head.
        case outputShape(name: String, expected: String, found: [Int])
        /// An output tensor that is not floating point.
        case outputType(name: String, found: DataType)
        /// NaN or infinity in an output tensor.
        case nonFinite(name: String)
        /// Two tensors compared element by element hold different numbers of elements.
        case sizeMismatch(name: String, reference: Int, actual: Int)
    }

    public let problem: Problem

    public init(_ problem: Problem) {
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .invalidConfig(let problems):
            return "detection config: " + problems.joined(separator: "; ")
        case .unsupportedHead(let what):
            return "detection head: \(what)"
        case .outputCount(let expected, let found):
            return "post-processing needs \(expected.count) output tensors in the head's order "
                + "(\(expected.joined(separator: ", "))) but was given \(found); pass every end node's output, in that order"
        case .outputShape(let name, let expected, let found):
            return "output \(name): shape \(ShapeArithmetic.describe(found)) does not fit the detection head "
                + "(expected \(expected)); check that the outputs are passed in the head's order and in NCHW layout"
        case .outputType(let name, let found):
            return "output \(name) is \(found.rawValue); post-processing reads float outputs (dequantize integer outputs first)"
        case .nonFinite(let name):
            return "output \(name) holds NaN or infinity; the network produced invalid values"
        case .sizeMismatch(let name, let reference, let actual):
            return "\(name): the reference holds \(reference) elements but the compared tensor holds \(actual); "
                + "compare outputs of the same network at the same input size"
        }
    }
}
