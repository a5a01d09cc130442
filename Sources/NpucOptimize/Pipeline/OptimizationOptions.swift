// What `optimize` is asked to do, as plain values (the Runner translates model-script commands
// into these): the optimization level and what each level turns on, float preparation, per-layer
// precision and forced ranges, calibration sizes.

import NpucGraph

public struct OptimizationOptions: Sendable {
    /// `model_optimization_flavor(optimization_level=…)`: 0…4.
    public var level: Int
    /// `model_optimization_flavor(compression_level=…)`: 0…5 (share of layers given 4-bit weights).
    public var compressionLevel: Int
    /// Samples used for calibration (`model_optimization_config(calibration, calibset_size=…)`).
    public var calibrationSize: Int
    /// Samples per calibration step (`batch_size`).
    public var batchSize: Int
    public var preparation: FloatPreparation
    /// Explicit precision per layer (`quantization_param(…, precision_mode=…)`), by layer name.
    public var layerPrecision: [String: PrecisionMode]
    /// `quantization_param(layers, force_range_out=…)`: the range of each named layer's output.
    public var forcedOutputRanges: [String: ClosedRange<Double>]
    /// `force_range_in`: the range of each named layer's (computed) inputs.
    public var forcedInputRanges: [String: ClosedRange<Double>]
    /// `pre_quantization_optimization(activation_clipping, layers=…)`: range methods of named
    /// layers' outputs.
    public var layerRangeMethods: [String: RangeMethod]
    /// Overrides of what the level turns on (nil: the level decides).
    public var activationRangeMethod: RangeMethod?
    public var weightClipping: Bool?
    public var equalization: Bool?
    public var biasCorrection: Bool?
    /// `post_quantization_optimization(adaround, policy=…)`: data-driven weight rounding on or off.
    public var weightRounding: Bool?
    /// Its `dataset_size`: samples whose layer inputs drive the rounding.
    public var weightRoundingSamples: Int?
    /// Samples on which the quality summary compares the quantized network with the float one.
    public var qualitySamples: Int
    /// Calibration samples run at the same time (1 or more; the result does not depend on it).
    public var parallelSamples: Int

    public init(level: Int = 2, compressionLevel: Int = 0, calibrationSize: Int = 64, batchSize: Int = 8,
                preparation: FloatPreparation = FloatPreparation(), layerPrecision: [String: PrecisionMode] = [:],
                forcedOutputRanges: [String: ClosedRange<Double>] = [:], forcedInputRanges: [String: ClosedRange<Double>] = [:],
                layerRangeMethods: [String: RangeMethod] = [:], activationRangeMethod: RangeMethod? = nil,
                weightClipping: Bool? = nil, equalization: Bool? = nil, biasCorrection: Bool? = nil,
                weightRounding: Bool? = nil, weightRoundingSamples: Int? = nil, qualitySamples: Int = 4,
                parallelSamples: Int = CalibrationOptions.defaultParallelSamples) {
        self.level = level
        self.compressionLevel = compressionLevel
        self.calibrationSize = calibrationSize
        self.batchSize = batchSize
        self.preparation = preparation
        self.layerPrecision = layerPrecision
        self.forcedOutputRanges = forcedOutputRanges
        self.forcedInputRanges = forcedInputRanges
        self.layerRangeMethods = layerRangeMethods
        self.activationRangeMethod = activationRangeMethod
        self.weightClipping = weightClipping
        self.equalization = equalization
        self.biasCorrection = biasCorrection
        self.weightRounding = weightRounding
        self.weightRoundingSamples = weightRoundingSamples
        self.qualitySamples = qualitySamples
        self.parallelSamples = max(1, parallelSamples)
    }

    /// The algorithms in force: the level's choices, with explicit overrides applied.
    public var algorithms: OptimizationAlgorithms {
        var a = OptimizationAlgorithms.forLevel(level)
        if let m = activationRangeMethod { a.activationRanges = m }
        if let w = weightClipping { a.weightClipping = w }
        if let e = equalization { a.equalization = e }
        if let b = biasCorrection { a.biasCorrection = b }
        if weightRounding == false {
            a.weightRounding = nil
        } else if weightRounding == true, a.weightRounding == nil {
            a.weightRounding = OptimizationAlgorithms.forLevel(3).weightRounding
        }
        if let n = weightRoundingSamples, a.weightRounding != nil { a.weightRounding?.samples = max(1, n) }
        return a
    }
}

/// The algorithms one optimization runs.
public struct OptimizationAlgorithms: Sendable, Hashable, Codable {
    public var activationRanges: RangeMethod
    public var weightClipping: Bool
    public var equalization: Bool
    public var biasCorrection: Bool
    /// Data-driven weight rounding (nil: round to nearest).
    public var weightRounding: WeightRoundingSettings?

    public init(activationRanges: RangeMethod, weightClipping: Bool, equalization: Bool, biasCorrection: Bool,
                weightRounding: WeightRoundingSettings? = nil) {
        self.activationRanges = activationRanges
        self.weightClipping = weightClipping
        self.equalization = equalization
        self.biasCorrection = biasCorrection
        self.weightRounding = weightRounding
    }

    /// What each optimization level turns on (docs/OPTIMIZATION.md explains the choice with the
    /// measurements behind it).
    public static func forLevel(_ level: Int) -> OptimizationAlgorithms {
        switch level {
        case ...0: return OptimizationAlgorithms(activationRanges: .minMax, weightClipping: false, equalization: false, biasCorrection: false)
        case 1: return OptimizationAlgorithms(activationRanges: .percentile(lower: 0.001, upper: 99.999), weightClipping: false, equalization: false, biasCorrection: false)
        // Level 2 pairs weight clipping with bias correction: clipping alone shifts the layers'
        // output means, and without the correction level 2 scored below level 1 on YOLOv8n.
        case 2: return OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true)
        // Levels 3 and 4 add data-driven weight rounding; level 4 gives it more data.
        case 3: return OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true,
                                              weightRounding: WeightRoundingSettings(samples: 16, patchesPerSample: 1024))
        default: return OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true,
                                               weightRounding: WeightRoundingSettings(samples: 64, patchesPerSample: 1024))
        }
    }

    /// True when calibration needs the histogram pass.
    public var needsHistograms: Bool { activationRanges != .minMax }
}

extension RangeMethod: Codable {
    private enum CodingKeys: String, CodingKey { case method, lower, upper }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .minMax: try c.encode("min_max", forKey: .method)
        case .mse: try c.encode("mse", forKey: .method)
        case .percentile(let lower, let upper):
            try c.encode("percentile", forKey: .method)
            try c.encode(lower, forKey: .lower)
            try c.encode(upper, forKey: .upper)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .method) {
        case "min_max": self = .minMax
        case "mse": self = .mse
        case "percentile": self = .percentile(lower: try c.decode(Double.self, forKey: .lower), upper: try c.decode(Double.self, forKey: .upper))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .method, in: c, debugDescription: "unknown range method '\(other)'")
        }
    }
}
