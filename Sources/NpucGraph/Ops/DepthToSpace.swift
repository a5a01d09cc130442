// Depth-to-space and space-to-depth rearrangements of NCHW tensors.

public struct DepthToSpace: OperatorDefinition {
    public enum Mode: String, Codable, Sendable, Hashable {
        /// depth-column-row: channel index = (by × b + bx) × C' + c
        case dcr = "DCR"
        /// column-row-depth: channel index = c × b² + by × b + bx
        case crd = "CRD"
    }

    public static let kind = OpKind.depthToSpace
    public static let inputArity = 1...1
    public var blockSize: Int
    public var mode: Mode
    public init(blockSize: Int, mode: Mode) {
        self.blockSize = blockSize
        self.mode = mode
    }

    public var layerPrefix: String { "depth_to_space" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        let b = blockSize
        guard x.count == 4, b >= 1, x[1] % (b * b) == 0 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) is not rank 4 with channels divisible by \(b * b)")
        }
        return [TensorType(inputs[0].dataType, [x[0], x[1] / (b * b), x[2] * b, x[3] * b])]
    }
}

/// The inverse rearrangement; `mode` orders the blocks in the channels as DepthToSpace's does
/// (ONNX added the attribute in opset 28; earlier opsets are DCR).
public struct SpaceToDepth: OperatorDefinition {
    public static let kind = OpKind.spaceToDepth
    public static let inputArity = 1...1
    public var blockSize: Int
    public var mode: DepthToSpace.Mode
    public init(blockSize: Int, mode: DepthToSpace.Mode = .dcr) {
        self.blockSize = blockSize
        self.mode = mode
    }
    public var layerPrefix: String { "space_to_depth" }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let x = inputs[0].shape
        let b = blockSize
        guard x.count == 4, b >= 1, x[2] % b == 0, x[3] % b == 0 else {
            throw ShapeInferenceError("input \(ShapeArithmetic.describe(x)) is not rank 4 with height and width divisible by \(b)")
        }
        return [TensorType(inputs[0].dataType, [x[0], x[1] * b * b, x[2] / b, x[3] / b])]
    }
}

extension DepthToSpace {
    static let npuConstraints: [Constraint] = []
}

extension SpaceToDepth {
    static let npuConstraints: [Constraint] = []
}
