// Errors of calibration: unusable data (wrong shape, NaN/Inf, empty, unreadable) named by file
// and sample, and failures while running the float model named by tensor and node.

import NpucExecutor
import NpucGraph

public enum CalibrationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The data holds no samples.
    case empty(source: String)
    /// Samples do not fit the graph input: `expected` lists the accepted sample shapes.
    case shapeMismatch(source: String, input: String, inputShape: [Int], expected: [[Int]], got: [Int])
    /// A sample holds NaN or infinity (0-based sample index in the source).
    case nonFiniteSample(source: String, sample: Int)
    /// The data's element type cannot be calibrated on.
    case unsupportedDataType(source: String, dataType: DataType)
    /// The file or folder cannot be read (the message says why).
    case unreadable(source: String, message: String)
    /// The graph's inputs do not fit the data given (several inputs, unknown name, …).
    case inputs(String)
    /// The float model produced NaN or infinity for a sample.
    case nonFiniteActivation(value: String, node: String, sample: Int)
    /// The float executor refused the graph or a run.
    case executor(ExecutorError)

    public var description: String {
        switch self {
        case .empty(let source):
            return "\(source) holds no samples; calibration needs at least one"
        case .shapeMismatch(let source, let input, let inputShape, let expected, let got):
            let accepted = expected.map(ShapeArithmetic.describe).joined(separator: " or ")
            return "\(source): samples are \(ShapeArithmetic.describe(got)), but input '\(input)' (\(ShapeArithmetic.describe(inputShape))) "
                + "needs samples of \(accepted); rebuild the set at the model's input size (npuc calib-set --size …)"
        case .nonFiniteSample(let source, let sample):
            return "\(source): sample \(sample) holds NaN or infinity; remove or fix that sample"
        case .unsupportedDataType(let source, let dataType):
            return "\(source) holds \(dataType.rawValue) elements; calibration data must be numeric (uint8 or float32 pixels)"
        case .unreadable(let source, let message):
            return "cannot read \(source): \(message)"
        case .inputs(let message):
            return message
        case .nonFiniteActivation(let value, let node, let sample):
            return "the float model computes NaN or infinity in '\(value)' (node '\(node)') on calibration sample \(sample); "
                + "check the model's weights and the data's range"
        case .executor(let error):
            return error.description
        }
    }
}
