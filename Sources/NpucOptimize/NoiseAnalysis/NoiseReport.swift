// The result of a noise analysis (`npuc analyze-noise`): per integer layer, the SNR of its
// dequantized output against the prepared float network's, accumulated (the whole network
// quantized up to it) and isolated (the layer alone, fed float inputs quantized into its input
// domains), the output range's fit to the values seen, and a hint of what to try. Layers are
// sorted worst first. Encodes as JSON with sorted keys.

import Foundation

/// What a layer's numbers suggest, most specific first.
public enum NoiseHintKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Many output values fall outside the output domain (the calibrated range is too narrow).
    case rangeTooNarrow = "range_too_narrow"
    /// The values use a small part of the output domain (an outlier or a forced range widened it).
    case rangeTooWide = "range_too_wide"
    /// The layer's own arithmetic loses too much (weights or activations need more bits).
    case layerPrecision = "layer_precision"
    /// The layer loses much alone, and an input comes from a layer whose range is flagged: the
    /// input's domain is the problem, fix that layer first.
    case inputRange = "input_range"
    /// The layer is fine alone; the noise arrives with its inputs.
    case earlierLayers = "earlier_layers"
    case none
}

public struct LayerNoise: Sendable, Hashable, Codable {
    /// npuc's layer name (what `npuc info`, `npuc nodes` and model scripts use).
    public var layer: String
    /// The ONNX node names fused into the layer.
    public var sourceNames: [String]
    /// The integer layer kind (`conv`, `add_sub`, …).
    public var kind: String
    /// The values the layer writes.
    public var outputs: [String]
    /// Bits of the output domain (8 or 16).
    public var activationBits: Int
    /// Bits of the weights (nil for layers without weights).
    public var weightBits: Int?
    /// dB; the whole integer network up to and including this layer.
    public var accumulatedSNR: Double
    /// dB; this layer alone on float inputs quantized into its input domains.
    public var isolatedSNR: Double
    /// The real interval the output domain can represent.
    public var domainRange: [Double]
    /// The smallest and largest float output values seen.
    public var observedRange: [Double]
    /// Fraction of float output values outside the domain (by more than half a step).
    public var clippedFraction: Double
    /// (observed max − observed min) / domain width.
    public var rangeUse: Double
    public var hintKind: NoiseHintKind
    /// What to try, as model-script lines where there are some ("" when nothing stands out).
    public var hint: String

    /// The first ONNX node name, as Netron shows it (npuc's name when there is none).
    public var displayName: String { sourceNames.first ?? layer }
}

public struct NoiseReport: Sendable, Hashable, Codable {
    public static let formatName = "npuc-noise-analysis"

    public var format: String = NoiseReport.formatName
    public var network: String
    /// Where the samples came from.
    public var source: String
    public var samples: Int
    /// Worst first: by isolated SNR (the noise a layer adds itself), then accumulated SNR.
    public var layers: [LayerNoise]
    /// Accumulated SNR of each network output (dB), by output name.
    public var outputSNR: [String: Double]
    /// The thresholds the hints used.
    public var thresholds: NoiseThresholds

    /// Pretty-printed JSON with sorted keys (the same analysis gives the same bytes).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> NoiseReport {
        try JSONDecoder().decode(NoiseReport.self, from: data)
    }
}

/// Where a layer's numbers become a hint. Defaults fit 8-bit layers: a layer that only rounds its
/// output to 8 bits typically loses 35–45 dB isolated.
public struct NoiseThresholds: Sendable, Hashable, Codable {
    /// Isolated SNR below this (dB): the layer's own precision is the problem.
    public var isolatedFloor: Double = 25
    /// Accumulated SNR below this (dB) with an isolated SNR this much higher: earlier layers.
    public var accumulatedFloor: Double = 20
    public var accumulatedGap: Double = 6
    /// Clipped fraction above this: the range is too narrow (data the calibration did not see
    /// clips a little even with a good range: 0.5% was seen on the tiny detector at 42 dB).
    public var clippedCeiling: Double = 0.01
    /// Range use below this: the range is too wide.
    public var rangeUseFloor: Double = 0.1

    public init() {}

    /// The hint for a measured layer, in the order of `NoiseHintKind`.
    func hint(for l: LayerNoise, keepsInputDomain: Bool) -> (NoiseHintKind, String) {
        let lo = Self.format(l.observedRange[0]), hi = Self.format(l.observedRange[1])
        if !keepsInputDomain && l.clippedFraction > clippedCeiling {
            return (.rangeTooNarrow, "\(Self.percent(l.clippedFraction)) of outputs clipped: more calibration data, or "
                + "quantization_param(\(l.layer), force_range_out=[\(lo), \(hi)])")
        }
        if !keepsInputDomain && l.rangeUse < rangeUseFloor && l.isolatedSNR < isolatedFloor {
            return (.rangeTooWide, "values use \(Self.percent(l.rangeUse)) of the output range (a forced range, or outliers in the "
                + "calibration data?): quantization_param(\(l.layer), force_range_out=[\(lo), \(hi)])")
        }
        if l.isolatedSNR < isolatedFloor {
            if let w = l.weightBits, w < 8 {
                return (.layerPrecision, "4-bit weights lose too much: quantization_param(\(l.layer), precision_mode=a8_w8)")
            }
            if l.activationBits < 16 {
                var text = "try 16-bit: quantization_param(\(l.layer), precision_mode=a16_w16)"
                if l.weightBits != nil { text += ", or weight clipping: pre_quantization_optimization(weights_clipping, mode=mmse)" }
                return (.layerPrecision, text)
            }
            return (.layerPrecision, "already 16-bit; check its inputs' ranges (force_range_in) and the float model")
        }
        if l.accumulatedSNR < accumulatedFloor && l.isolatedSNR - l.accumulatedSNR >= accumulatedGap {
            return (.earlierLayers, "noise comes from earlier layers (the layer alone: "
                + String(format: "%.1f dB)", l.isolatedSNR))
        }
        return (.none, "")
    }

    /// A fraction as a percentage with two significant digits ("0.045%", "4.7%").
    static func percent(_ fraction: Double) -> String {
        String(format: "%.2g%%", fraction * 100)
    }

    /// A range bound as a script would write it (4 significant digits).
    static func format(_ v: Double) -> String {
        let text = String(format: "%.4g", v)
        return text == "-0" ? "0" : text
    }
}
