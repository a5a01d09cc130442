// What an optimization did and how well it went, stored in the optimized archive (section
// "optimization") and shown by `npuc info`: the level and algorithms, the calibration data, the
// warnings, the per-output SNR of the integer network against the float one, non-default layer
// precisions, and the activation ranges chosen.

import Foundation

public struct OptimizationSummary: Codable, Sendable, Hashable {
    public static let sectionName = "optimization"

    public var level: Int
    public var compressionLevel: Int
    public var algorithms: OptimizationAlgorithms
    public var calibrationSource: String
    public var calibrationSamples: Int
    public var warnings: [String]
    /// SNR in dB of each output of the integer network against the float network, over
    /// `qualitySamples` calibration samples.
    public var outputSNR: [String: Double]
    public var qualitySamples: Int
    /// Layers whose precision is not a8_w8.
    public var layerPrecision: [String: String]
    /// The activation ranges the quantizer used, by value name ([lo, hi]).
    public var ranges: [String: [Double]]

    public init(level: Int, compressionLevel: Int, algorithms: OptimizationAlgorithms, calibrationSource: String,
                calibrationSamples: Int, warnings: [String], outputSNR: [String: Double], qualitySamples: Int,
                layerPrecision: [String: String], ranges: [String: [Double]]) {
        self.level = level
        self.compressionLevel = compressionLevel
        self.algorithms = algorithms
        self.calibrationSource = calibrationSource
        self.calibrationSamples = calibrationSamples
        self.warnings = warnings
        self.outputSNR = outputSNR
        self.qualitySamples = qualitySamples
        self.layerPrecision = layerPrecision.filter { $0.value != PrecisionMode.a8_w8.rawValue }
        self.ranges = ranges
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8]) throws -> OptimizationSummary {
        try JSONDecoder().decode(OptimizationSummary.self, from: Data(bytes))
    }

    /// The weakest output's SNR.
    public var minimumOutputSNR: Double? { outputSNR.values.min() }
}
