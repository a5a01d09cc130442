// The integer layers of a quantized network, one struct per row of docs/QUANTIZATION.md's layer
// table. Geometry reuses the float IR's attribute types; integers live in `@Parameter` tensors
// and multipliers; real numbers appear only in domains. Each struct's comment is the arithmetic.

import NpucGraph

/// Convolution (dense, grouped, depthwise; 1-D or 2-D): acc = bias[c] + Σ (x_q − Zx) · w_q over
/// the window of c's group, padded positions adding 0; then the epilogue.
public struct IntegerConvolution: Hashable, Sendable, Codable {
    public var attributes: Convolution
    /// 4, 8 or 16 (4-bit weights are stored in int8).
    public var weightBits: Int
    /// int8 or int16, [M, C/group, k…].
    @Parameter public var weights: Tensor
    /// int32 (32-bit accumulator) or int64 (64-bit accumulator), [M].
    @Parameter public var bias: Tensor
    public var epilogue: IntegerEpilogue

    public init(attributes: Convolution, weightBits: Int, weights: Tensor, bias: Tensor, epilogue: IntegerEpilogue) {
        self.attributes = attributes
        self.weightBits = weightBits
        self.weights = weights
        self.bias = bias
        self.epilogue = epilogue
    }
}

/// Transposed convolution: the same sum over every (input position, tap) that the kernel maps
/// onto the output position (o = i · stride − padBegin + k · dilation).
public struct IntegerConvTranspose: Hashable, Sendable, Codable {
    public var attributes: ConvTranspose
    public var weightBits: Int
    /// int8 or int16, [C, M/group, k…].
    @Parameter public var weights: Tensor
    /// int32 or int64, [M].
    @Parameter public var bias: Tensor
    public var epilogue: IntegerEpilogue

    public init(attributes: ConvTranspose, weightBits: Int, weights: Tensor, bias: Tensor, epilogue: IntegerEpilogue) {
        self.attributes = attributes
        self.weightBits = weightBits
        self.weights = weights
        self.bias = bias
        self.epilogue = epilogue
    }
}

/// Dense: acc = bias[c] + Σ_k (x_q[k] − Zx) · w_q[c, k]; then the epilogue.
public struct IntegerDense: Hashable, Sendable, Codable {
    public var weightBits: Int
    /// int8 or int16, [M, K].
    @Parameter public var weights: Tensor
    /// int32 or int64, [M].
    @Parameter public var bias: Tensor
    public var epilogue: IntegerEpilogue

    public init(weightBits: Int, weights: Tensor, bias: Tensor, epilogue: IntegerEpilogue) {
        self.weightBits = weightBits
        self.weights = weights
        self.bias = bias
        self.epilogue = epilogue
    }
}

/// Add or sub of two operands (NumPy broadcasting): acc = RSH(t_a · I_a + t_b · I_b, P) with
/// t = q − Z of each operand and the factors' signs carrying the subtraction; then the epilogue
/// (its multiplier is the identity (1, 0) when built by the quantizer).
public struct IntegerAddSub: Hashable, Sendable, Codable {
    /// `.add` or `.sub` (informational: the factors already carry the sign).
    public var function: Elementwise.Function
    /// Exactly two.
    public var operands: [IntegerOperand]
    /// Two factors.
    public var combination: LinearCombination
    public var epilogue: IntegerEpilogue

    public init(function: Elementwise.Function, operands: [IntegerOperand], combination: LinearCombination, epilogue: IntegerEpilogue) {
        self.function = function
        self.operands = operands
        self.combination = combination
        self.epilogue = epilogue
    }
}

/// Mul of two operands (NumPy broadcasting): acc = (q_a − Z_a) · (q_b − Z_b); then the epilogue.
public struct IntegerMul: Hashable, Sendable, Codable {
    /// Exactly two.
    public var operands: [IntegerOperand]
    public var epilogue: IntegerEpilogue

    public init(operands: [IntegerOperand], epilogue: IntegerEpilogue) {
        self.operands = operands
        self.epilogue = epilogue
    }
}

/// Mul or div by a constant scalar k: acc = q − Z_in; the epilogue's multiplier carries
/// S_in · k / S_out (1/k for div), its sign included.
public struct IntegerScale: Hashable, Sendable, Codable {
    public var epilogue: IntegerEpilogue
    public init(epilogue: IntegerEpilogue) { self.epilogue = epilogue }
}

/// Elementwise max or min: each operand taken to the output domain as a one-term linear
/// combination, r = Clamp(Z_out + RSH((q − Z) · I, P), 0, Q); then the larger / smaller.
public struct IntegerMaxMin: Hashable, Sendable, Codable {
    /// `.max` or `.min`.
    public var function: Elementwise.Function
    /// Exactly two.
    public var operands: [IntegerOperand]
    /// One single-factor combination per operand.
    public var combinations: [LinearCombination]

    public init(function: Elementwise.Function, operands: [IntegerOperand], combinations: [LinearCombination]) {
        self.function = function
        self.operands = operands
        self.combinations = combinations
    }
}

/// Concat: input i becomes Clamp(Z_out + RSH((q_i − Z_i) · I_i, P_i), 0, Q) (an exact copy when
/// its domain equals the output's), placed along `axis`.
public struct IntegerConcat: Hashable, Sendable, Codable {
    public var axis: Int
    /// One single-factor combination per input.
    public var combinations: [LinearCombination]

    public init(axis: Int, combinations: [LinearCombination]) {
        self.axis = axis
        self.combinations = combinations
    }
}

/// Average pooling: sum = Σ (q − Z_in) over the window's input positions; with n the divisor of
/// that position (the taps inside the padded input with count_include_pad, else the taps inside
/// the input), q = Clamp(Z_out + RSH(sum · m_n, s_n), 0, Q) (Z_out when n is 0).
public struct IntegerAveragePool: Hashable, Sendable, Codable {
    public var attributes: Pooling
    /// The multiplier of S_in / (S_out · n) at index n − 1, for n = 1 … kernel area.
    public var divisors: [Multiplier]

    public init(attributes: Pooling, divisors: [Multiplier]) {
        self.attributes = attributes
        self.divisors = divisors
    }
}

/// Global average pooling: sum = Σ (q − Z_in) over each N×C plane of n elements;
/// q = Clamp(Z_out + RSH(sum · m, s), 0, Q) with (m, s) for S_in / (S_out · n).
public struct IntegerGlobalAveragePool: Hashable, Sendable, Codable {
    public var multiplier: Multiplier
    public init(multiplier: Multiplier) { self.multiplier = multiplier }
}

/// Reduce-mean over `axes`: as global average pooling, n the product of the reduced dimensions.
public struct IntegerReduceMean: Hashable, Sendable, Codable {
    /// Sorted, non-negative.
    public var axes: [Int]
    public var keepDims: Bool
    public var multiplier: Multiplier

    public init(axes: [Int], keepDims: Bool, multiplier: Multiplier) {
        self.axes = axes
        self.keepDims = keepDims
        self.multiplier = multiplier
    }
}

/// Bilinear resize on the spatial axes (2, and 3 when present): per axis, source coordinate u
/// by ONNX's formulas, i0 = ⌊u⌋, i1 = i0 + 1 (both clamped), W1 = RoundHalfAway((u − i0) · 2^10),
/// W0 = 2^10 − W1 (a 1-D resize has the weights (2^10, 0) on a missing row axis);
/// acc = Σ Wy · Wx · (q − Z_in) over the 2×2 neighbours; q = Clamp(Z_out + RSH(acc · m, s), 0, Q)
/// with (m, s) for S_in / (S_out · 2^20).
public struct IntegerResizeBilinear: Hashable, Sendable, Codable {
    public var attributes: Resize
    public var multiplier: Multiplier

    public init(attributes: Resize, multiplier: Multiplier) {
        self.attributes = attributes
        self.multiplier = multiplier
    }
}

/// Padding (data movement; the domain is kept): constant mode writes `value`
/// (= Clamp(Z + RoundHalfAway(v / S), 0, Q)), edge and reflect copy input elements.
public struct IntegerPad: Hashable, Sendable, Codable {
    public var mode: Pad.Mode
    public var padsBegin: [Int]
    public var padsEnd: [Int]
    public var value: Int

    public init(mode: Pad.Mode, padsBegin: [Int], padsEnd: [Int], value: Int) {
        self.mode = mode
        self.padsBegin = padsBegin
        self.padsEnd = padsEnd
        self.value = value
    }
}

/// A standalone activation: q_out = table[q_in], one entry per input integer (256 or 65,536).
public struct IntegerActivation: Hashable, Sendable, Codable {
    /// The function the table was built from (informational).
    public var function: Activation.Function
    /// uint8 or uint16 by the output's bits.
    @Parameter public var table: Tensor

    public init(function: Activation.Function, table: Tensor) {
        self.function = function
        self.table = table
    }
}

/// PReLU: d = q − Z_in; q_out = Clamp(Z_out + RSH(d · I, P), 0, Q) with I = `positive` for d ≥ 0
/// and `negative[c]` (per channel of axis 1, or one for all) for d < 0.
public struct IntegerPRelu: Hashable, Sendable, Codable {
    public var precision: Int
    /// Encodes S_in / S_out.
    public var positive: Int64
    /// Encode S_in · slope[c] / S_out.
    public var negative: [Int64]

    public init(precision: Int, positive: Int64, negative: [Int64]) {
        self.precision = precision
        self.positive = positive
        self.negative = negative
    }
}

/// Softmax along `axis`: d_i = q_i − max_j q_j; E = exponentials[−d] (= RoundHalfAway(exp(S_in ·
/// d) · 2^F), F = 16 for 8-bit and 24 for 16-bit outputs); sum = Σ E(d_j); q_i = Clamp(Z_out +
/// ⌊(2 · E(d_i) · R + sum · 2^16) / (2 · sum · 2^16)⌋, 0, Q) with R = `reciprocal` =
/// RoundHalfAway(2^16 / S_out), in 64-bit integers.
public struct IntegerSoftmax: Hashable, Sendable, Codable {
    public var axis: Int
    /// int32, Q_in + 1 entries, E(0) = 2^F.
    @Parameter public var exponentials: Tensor
    public var reciprocal: Int64

    public init(axis: Int, exponentials: Tensor, reciprocal: Int64) {
        self.axis = axis
        self.exponentials = exponentials
        self.reciprocal = reciprocal
    }
}

/// Every integer layer kind.
public enum IntegerOp: Hashable, Sendable {
    case conv(IntegerConvolution)
    case convTranspose(IntegerConvTranspose)
    case dense(IntegerDense)
    case addSub(IntegerAddSub)
    case mul(IntegerMul)
    case scale(IntegerScale)
    case maxMin(IntegerMaxMin)
    case concat(IntegerConcat)
    /// The output domain is the input's; padded positions are ignored (a window with no input
    /// position gives Z).
    case maxPool(Pooling)
    case averagePool(IntegerAveragePool)
    /// The output domain is the input's.
    case globalMaxPool(GlobalPooling)
    case globalAveragePool(IntegerGlobalAveragePool)
    case reduceMean(IntegerReduceMean)
    /// The output domain is the input's; each output position copies the input position given by
    /// `Resize.sourceCoordinate` and `nearestIndex`, clamped to the input.
    case resizeNearest(Resize)
    case resizeBilinear(IntegerResizeBilinear)
    /// Data movement (the domain is kept), as the float op defines it.
    case slice(Slice)
    case split(Split)
    case reshape(Reshape)
    case transpose(Transpose)
    case depthToSpace(DepthToSpace)
    case spaceToDepth(SpaceToDepth)
    case pad(IntegerPad)
    case activation(IntegerActivation)
    case prelu(IntegerPRelu)
    case softmax(IntegerSoftmax)

    public var kind: IntegerOpKind {
        switch self {
        case .conv: return .conv
        case .convTranspose: return .convTranspose
        case .dense: return .dense
        case .addSub: return .addSub
        case .mul: return .mul
        case .scale: return .scale
        case .maxMin: return .maxMin
        case .concat: return .concat
        case .maxPool: return .maxPool
        case .averagePool: return .averagePool
        case .globalMaxPool: return .globalMaxPool
        case .globalAveragePool: return .globalAveragePool
        case .reduceMean: return .reduceMean
        case .resizeNearest: return .resizeNearest
        case .resizeBilinear: return .resizeBilinear
        case .slice: return .slice
        case .split: return .split
        case .reshape: return .reshape
        case .transpose: return .transpose
        case .depthToSpace: return .depthToSpace
        case .spaceToDepth: return .spaceToDepth
        case .pad: return .pad
        case .activation: return .activation
        case .prelu: return .prelu
        case .softmax: return .softmax
        }
    }

    /// The epilogue of accumulating layers.
    public var epilogue: IntegerEpilogue? {
        switch self {
        case .conv(let a): return a.epilogue
        case .convTranspose(let a): return a.epilogue
        case .dense(let a): return a.epilogue
        case .addSub(let a): return a.epilogue
        case .mul(let a): return a.epilogue
        case .scale(let a): return a.epilogue
        default: return nil
        }
    }
}

/// Stable names of the integer layer kinds (the "kind" in the archive's JSON).
public enum IntegerOpKind: String, Codable, Sendable, CaseIterable, Hashable {
    case conv, convTranspose = "conv_transpose", dense
    case addSub = "add_sub", mul, scale, maxMin = "max_min", concat
    case maxPool = "max_pool", averagePool = "average_pool", globalMaxPool = "global_max_pool"
    case globalAveragePool = "global_average_pool", reduceMean = "reduce_mean"
    case resizeNearest = "resize_nearest", resizeBilinear = "resize_bilinear"
    case slice, split, reshape, transpose, depthToSpace = "depth_to_space", spaceToDepth = "space_to_depth", pad
    case activation, prelu, softmax

    /// True for layers whose output domain must equal their (first) input's: data movement, max
    /// pooling and nearest resize.
    public var keepsInputDomain: Bool {
        switch self {
        case .maxPool, .globalMaxPool, .resizeNearest, .slice, .split, .reshape, .transpose, .depthToSpace,
             .spaceToDepth, .pad:
            return true
        default:
            return false
        }
    }
}
