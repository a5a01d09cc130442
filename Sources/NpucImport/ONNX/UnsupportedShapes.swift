// Output types of ops npuc does not map but whose shapes are obvious (pointwise or
// normalization ops that keep the input's shape), so that checking can go on past them and the
// report lists every unsupported node, not only the first on each path.

import NpucGraph

enum UnsupportedShapes {
    static let shapePreserving: Set<String> = [
        "LRN", "InstanceNormalization", "LpNormalization", "MeanVarianceNormalization", "LogSoftmax", "Hardmax",
        "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
        "Shrink", "Softmax", "Dropout", "Clip", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu",
    ]

    /// The outputs' types when they can be told from the inputs alone, else nil.
    static func outputTypes(of node: ONNXNode, session: ImportSession) -> [TensorType]? {
        guard shapePreserving.contains(node.opType), let first = node.inputs.first, !first.isEmpty,
              let type = session.type(of: first), !node.outputs.isEmpty else { return nil }
        return [type]
    }
}
