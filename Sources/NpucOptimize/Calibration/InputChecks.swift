// Warnings about calibration data that parses but looks wrong for the model: a value range that
// does not match what the model script's normalization implies (0..255 pixels fed to a network
// expecting 0..1, or the reverse), constant data, and — when the expected channel order is known —
// red and blue swapped. They are returned as sentences, never printed here.

import NpucGraph
import NpucImages

/// Per-channel minimum, maximum and mean of the graph input over the calibration samples.
public struct InputSummary: Sendable, Hashable, Codable {
    public struct Channel: Sendable, Hashable, Codable {
        public var min: Double
        public var max: Double
        public var mean: Double

        public init(min: Double, max: Double, mean: Double) {
            self.min = min
            self.max = max
            self.mean = mean
        }
    }

    public var channels: [Channel]

    public init(channels: [Channel]) { self.channels = channels }
}

/// What the model expects of its raw input (after any preparation the data will go through).
public struct CalibrationExpectation: Sendable, Hashable {
    /// The model script's `normalization(mean, std)`, in the model's channel order; nil when the
    /// script has none (the network sees the data as it is).
    public var normalizationMean: [Double]?
    public var normalizationStd: [Double]?
    /// The channel order the data should be in, when known (RGB for most models; BGR when the
    /// script has `input_conversion(bgr_to_rgb)`).
    public var channelOrder: ChannelOrder?
    /// True when the network is known to take raw 0..255 values without normalization (silences
    /// the warning about large raw inputs).
    public var rawPixelsExpected: Bool

    public init(normalizationMean: [Double]? = nil, normalizationStd: [Double]? = nil, channelOrder: ChannelOrder? = nil,
                rawPixelsExpected: Bool = false) {
        self.normalizationMean = normalizationMean
        self.normalizationStd = normalizationStd
        self.channelOrder = channelOrder
        self.rawPixelsExpected = rawPixelsExpected
    }
}

public enum InputChecks {
    /// Above this magnitude after normalization, the first layer sees values no network is
    /// trained on (0..1 inputs reach 1, ImageNet-standardized ones about ±2.7).
    static let largestPlausible = 16.0
    /// Below this span after normalization, the input carries almost no signal.
    static let smallestPlausibleSpan = 0.05

    /// Warnings for data summarized by `summary` fed to a model expecting `expectation`.
    public static func warnings(_ summary: InputSummary, expecting expectation: CalibrationExpectation,
                                source: String) -> [String] {
        let channels = summary.channels
        guard !channels.isEmpty else { return [] }
        var warnings: [String] = []
        let rawMin = channels.map(\.min).min()!, rawMax = channels.map(\.max).max()!
        let mean = expectation.normalizationMean, std = expectation.normalizationStd
        let normalized = channels.indices.map { c -> ClosedRange<Double> in
            let m = mean.map { $0.count == channels.count ? $0[c] : ($0.first ?? 0) } ?? 0
            let s = std.map { $0.count == channels.count ? $0[c] : ($0.first ?? 1) } ?? 1
            let a = (channels[c].min - m) / s, b = (channels[c].max - m) / s
            return Swift.min(a, b)...Swift.max(a, b)
        }
        let largest = normalized.map { Swift.max(abs($0.lowerBound), abs($0.upperBound)) }.max()!
        let span = normalized.map { $0.upperBound - $0.lowerBound }.max()!
        let rawText = "\(format(rawMin))..\(format(rawMax))"
        if rawMax - rawMin == 0 {
            warnings.append("\(source): every input value is \(format(rawMin)); constant data carries no information for calibration")
        } else if let std {
            let described = "normalization(mean \(list(mean ?? [])), std \(list(std)))"
            if largest > largestPlausible {
                warnings.append("\(source): the data spans \(rawText), so after \(described) the network's first layer sees values up to "
                    + "\(format(largest)); the normalization suits \(impliedRange(mean ?? [], std)) — "
                    + "the data or the normalization is probably wrong (0..255 pixels with a normalization meant for 0..1 data?)")
            } else if span < smallestPlausibleSpan {
                warnings.append("\(source): the data spans \(rawText), so after \(described) the network sees a span of only "
                    + "\(format(span)); the normalization suits \(impliedRange(mean ?? [], std)) — "
                    + "data already scaled to 0..1 where the script divides 0..255 pixels?")
            }
        } else if largest > largestPlausible && !expectation.rawPixelsExpected {
            warnings.append("\(source): the data spans \(rawText) and the model script has no normalization, so the network's "
                + "first layer sees these raw values; most networks (YOLOv8 among them) are trained on 0..1 or standardized inputs — "
                + "if this one is, add normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0]) (or its mean/std) to the script")
        }
        if channels.count == 3, let order = expectation.channelOrder {
            // Natural images are redder than blue on average (ImageNet: 124 vs 104); blue clearly
            // above red hints at swapped channels.
            let red = order == .rgb ? channels[0].mean : channels[2].mean
            let blue = order == .rgb ? channels[2].mean : channels[0].mean
            if blue - red > 0.04 * Swift.max(rawMax - Swift.min(rawMin, 0), 1e-12) {
                let other = order == .rgb ? "BGR" : "RGB"
                warnings.append("\(source): channel 0 averages \(format(channels[0].mean)) and channel 2 \(format(channels[2].mean)); "
                    + "for natural images that suggests \(other) order, but the model expects \(order.rawValue.uppercased()) — "
                    + "check the data's channel order (npuc calib-set --bgr) or the script's input_conversion")
            }
        }
        return warnings
    }

    /// The kind of data a normalization's std suits, in words.
    private static func impliedRange(_ mean: [Double], _ std: [Double]) -> String {
        let s = std.map(abs).max() ?? 1
        if s >= largestPlausible { return "0..255 pixels (std \(format(s)))" }
        if s <= 1.5 { return "values of about 0..1 (std \(format(s)))" }
        return "values within a few std (\(format(s))) of the mean"
    }

    private static func list(_ v: [Double]) -> String { "[" + v.map(format).joined(separator: ", ") + "]" }

    static func format(_ v: Double) -> String {
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        let magnitude = abs(v)
        let digits = magnitude >= 100 ? 1 : (magnitude >= 1 ? 3 : 4)
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (v * scale).rounded() / scale
        return "\(rounded)"
    }
}
