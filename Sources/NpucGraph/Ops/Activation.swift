// Pointwise activation functions (one input, same shape out), with their float definitions.
// SiLU is Mul(x, Sigmoid(x)) fused at import; hard-swish and GELU likewise.

import Foundation

public struct Activation: OperatorDefinition {
    public enum Function: Codable, Sendable, Hashable {
        case relu
        case leakyRelu(alpha: Float)
        case sigmoid
        case silu
        case tanh
        case hardSigmoid(alpha: Float, beta: Float)
        case hardSwish
        case clip(min: Float, max: Float)
        case elu(alpha: Float)
        case selu(alpha: Float, gamma: Float)
        case celu(alpha: Float)
        case gelu(tanhApproximation: Bool)
        case mish
        case softplus
        case softsign
        case thresholdedRelu(alpha: Float)
        case exp, log, sqrt, abs, neg, reciprocal, erf

        public var name: String {
            switch self {
            case .relu: return "relu"
            case .leakyRelu: return "leaky_relu"
            case .sigmoid: return "sigmoid"
            case .silu: return "silu"
            case .tanh: return "tanh"
            case .hardSigmoid: return "hard_sigmoid"
            case .hardSwish: return "hard_swish"
            case .clip: return "clip"
            case .elu: return "elu"
            case .selu: return "selu"
            case .celu: return "celu"
            case .gelu: return "gelu"
            case .mish: return "mish"
            case .softplus: return "softplus"
            case .softsign: return "softsign"
            case .thresholdedRelu: return "thresholded_relu"
            case .exp: return "exp"
            case .log: return "log"
            case .sqrt: return "sqrt"
            case .abs: return "abs"
            case .neg: return "neg"
            case .reciprocal: return "reciprocal"
            case .erf: return "erf"
            }
        }
    }

    public static let kind = OpKind.activation
    public static let inputArity = 1...1

    public var function: Function
    public init(_ function: Function) { self.function = function }

    public var layerPrefix: String { function.name }

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        _ = try OpShapes.requireFloat(inputs)
        return [inputs[0]]
    }

    /// The float definition of the function (the reference semantics, computed in Double).
    public func apply(_ v: Float) -> Float {
        Float(applyDouble(Double(v)))
    }

    /// The function in double precision (what quantization-time lookup tables are built from).
    public func applyDouble(_ x: Double) -> Double {
        let y: Double
        switch function {
        case .relu: y = x > 0 ? x : (x.isNaN ? x : 0)
        case .leakyRelu(let alpha): y = x >= 0 ? x : Double(alpha) * x
        case .sigmoid: y = Self.sigmoid(x)
        case .silu: y = x * Self.sigmoid(x)
        case .tanh: y = Foundation.tanh(x)
        case .hardSigmoid(let alpha, let beta): y = Swift.max(0, Swift.min(1, Double(alpha) * x + Double(beta)))
        case .hardSwish: y = x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case .clip(let lo, let hi): y = x.isNaN ? x : Swift.min(Double(hi), Swift.max(Double(lo), x))
        case .elu(let alpha): y = x >= 0 ? x : Double(alpha) * (Foundation.exp(x) - 1)
        case .selu(let alpha, let gamma): y = x > 0 ? Double(gamma) * x : Double(gamma) * (Double(alpha) * Foundation.exp(x) - Double(alpha))
        case .celu(let alpha): y = Swift.max(0, x) + Swift.min(0, Double(alpha) * (Foundation.exp(x / Double(alpha)) - 1))
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                y = 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            } else {
                y = 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
            }
        case .mish: y = x * Foundation.tanh(Self.softplus(x))
        case .softplus: y = Self.softplus(x)
        case .softsign: y = x / (1 + Swift.abs(x))
        case .thresholdedRelu(let alpha): y = x > Double(alpha) ? x : 0
        case .exp: y = Foundation.exp(x)
        case .log: y = Foundation.log(x)
        case .sqrt: y = x.squareRoot()
        case .abs: y = Swift.abs(x)
        case .neg: y = -x
        case .reciprocal: y = 1 / x
        case .erf: y = Foundation.erf(x)
        }
        return y
    }

    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }

    static func softplus(_ x: Double) -> Double {
        x > 30 ? x : Foundation.log1p(Foundation.exp(x))
    }
}

/// Parametric ReLU: x for x ≥ 0, slope × x otherwise; the slope (constant) broadcasts to x.
public struct PRelu: OperatorDefinition {
    public static let kind = OpKind.prelu
    public static let inputArity = 2...2
    public init() {}

    public func inferOutputTypes(_ inputs: [TensorType]) throws(ShapeInferenceError) -> [TensorType] {
        let dtype = try OpShapes.requireFloat(inputs)
        guard ShapeArithmetic.broadcast(inputs[0].shape, inputs[1].shape) == inputs[0].shape else {
            throw ShapeInferenceError("slope \(ShapeArithmetic.describe(inputs[1].shape)) does not broadcast to the input \(ShapeArithmetic.describe(inputs[0].shape))")
        }
        return [TensorType(dtype, inputs[0].shape)]
    }
}

extension Activation {
    static let npuConstraints: [Constraint] = []
}

extension PRelu {
    static let npuConstraints: [Constraint] = [
        Constraint("The slope is a constant.") { c in c.isConstant(1) ? nil : "the slope is computed by the graph" },
    ]
}
