// Per-channel statistics of a calibration set (a .npy file read a row at a time, or a folder of
// images decoded one by one), and the warnings they suggest: pixels already scaled to 0..1 where
// the model wants 0..255 (or the reverse), channels that look swapped, constant data.

import Foundation
import NpucGraph
import NpucIO

public struct ChannelStatistics: Sendable, Hashable {
    public var min: Double
    public var max: Double
    public var mean: Double
    public var std: Double
}

/// What the model expects of its input, when known (from the archive's normalization and
/// channel-order settings, or from the command line).
public struct InputExpectation: Sendable, Hashable {
    public enum ValueRange: String, Sendable, Hashable, CaseIterable {
        /// Raw 8-bit pixel values; the model (or its script) normalizes.
        case pixels = "0-255"
        /// Values already scaled to 0..1.
        case unit = "0-1"
    }
    public var valueRange: ValueRange?
    public var channelOrder: ChannelOrder?

    public init(valueRange: ValueRange? = nil, channelOrder: ChannelOrder? = nil) {
        self.valueRange = valueRange
        self.channelOrder = channelOrder
    }
}

public struct DatasetStatistics: Sendable {
    public let source: String
    /// Rows of a .npy file or images of a folder.
    public let samples: Int
    public let channels: [ChannelStatistics]
    /// Which axis holds channels ("last" for NHWC, "1" for NCHW), for the printout.
    public let channelAxisDescription: String
    public let skipped: [SkippedFile]

    /// Statistics of a .npy calibration set, read a row at a time through a memory map.
    public static func compute(npy url: URL) throws -> DatasetStatistics {
        let file = try NpyFile(contentsOf: url)
        let shape = file.shape
        // NHWC unless the last axis cannot be channels and axis 1 can.
        let channelCounts: Set<Int> = [1, 2, 3, 4]
        var channelAxis = shape.count - 1
        if shape.count == 4, !channelCounts.contains(shape[3]), channelCounts.contains(shape[1]) { channelAxis = 1 }
        if shape.count < 2 { channelAxis = -1 }
        let channelCount = channelAxis >= 0 ? shape[channelAxis] : 1
        var accumulator = Accumulator(channels: channelCount)
        let rowShape = file.rowShape
        // Within a row: index → channel.
        let inner = channelAxis >= 1 ? rowShape[channelAxis...].reduce(1, *) : 1
        for r in 0..<file.rowCount {
            if file.dataType == .uint8, channelAxis == shape.count - 1,
               let _ = file.withRawRows(r..<(r + 1), { accumulator.addBytes($0) }) {
                continue
            }
            let values = try file.rows(r..<(r + 1)).floats
            if channelAxis < 0 {
                for v in values { accumulator.add(Double(v), channel: 0) }
            } else {
                for (i, v) in values.enumerated() { accumulator.add(Double(v), channel: (i / inner) % channelCount) }
            }
        }
        let axis = channelAxis < 0 ? "none" : (channelAxis == shape.count - 1 ? "last" : "\(channelAxis)")
        return DatasetStatistics(source: url.path, samples: file.rowCount, channels: accumulator.result(),
                                 channelAxisDescription: axis, skipped: [])
    }

    /// Statistics of the decoded pixels (RGB, or BGR on request) of every image in a folder.
    public static func compute(folder: URL, channelOrder: ChannelOrder = .rgb) throws -> DatasetStatistics {
        let files = try CalibrationSet.imageFiles(in: folder)
        guard !files.isEmpty else { throw CalibrationSetError.noImages(folder.path) }
        var accumulator = Accumulator(channels: 3)
        var skipped: [SkippedFile] = []
        var used = 0
        for url in files {
            do {
                var pixels = try ImageDecoder.decode(contentsOf: url).image.pixels
                if channelOrder == .bgr {
                    var i = 0
                    while i < pixels.count { pixels.swapAt(i, i + 2); i += 3 }
                }
                pixels.withUnsafeBytes { accumulator.addBytes($0) }
                used += 1
            } catch {
                skipped.append(SkippedFile(path: url.path, reason: error.reason))
            }
        }
        guard used > 0 else { throw CalibrationSetError.nothingUsable(folder: folder.path, skipped: skipped) }
        return DatasetStatistics(source: folder.path, samples: used, channels: accumulator.result(),
                                 channelAxisDescription: "last", skipped: skipped)
    }

    /// What the numbers suggest is wrong, as sentences for the user.
    public func warnings(expecting expectation: InputExpectation = InputExpectation()) -> [String] {
        var warnings: [String] = []
        let top = channels.map(\.max).max() ?? 0
        let bottom = channels.map(\.min).min() ?? 0
        if bottom >= 0 && top <= 1.0 && top > 0 {
            if expectation.valueRange != .unit {
                warnings.append("values lie in 0..1 (largest \(format(top))): the set looks already scaled, but "
                    + (expectation.valueRange == .pixels ? "the model expects 0..255 pixels" : "npuc calibration sets "
                        + "normally hold 0..255 pixels, with normalization in the model script")
                    + "; rebuild it with `npuc calib-set` or check the model's normalization")
            }
        } else if top > 1.5 && expectation.valueRange == .unit {
            warnings.append("values go up to \(format(top)) but the model expects inputs scaled to 0..1; divide by 255 "
                + "or add normalization to the model script")
        }
        if channels.count >= 3, channels.allSatisfy({ $0.std == 0 }) {
            warnings.append("every channel is constant: the set carries no information for calibration")
        }
        if channels.count == 3, let order = expectation.channelOrder {
            // In natural photographs red outweighs blue on average (ImageNet: 124 vs 104), so red
            // in the blue slot (or the reverse) hints at swapped channels.
            let red = order == .rgb ? channels[0].mean : channels[2].mean
            let blue = order == .rgb ? channels[2].mean : channels[0].mean
            if blue - red > 0.04 * Swift.max(top, 1) {
                let looksLike = order == .rgb ? "BGR" : "RGB"
                warnings.append("channel 0 averages \(format(channels[0].mean)) and channel 2 "
                    + "\(format(channels[2].mean)): for natural images this suggests \(looksLike) order, but the model "
                    + "expects \(order.rawValue.uppercased()); rebuild with\(order == .bgr ? "" : "out") --bgr if the "
                    + "colors are swapped")
            }
        }
        return warnings
    }

    /// The printout of `npuc calib-set --stats`.
    public var text: String {
        var lines = ["\(source): \(samples) sample\(samples == 1 ? "" : "s"), channel axis \(channelAxisDescription)"]
        lines.append("channel        min        max       mean        std")
        for (i, c) in channels.enumerated() {
            lines.append([String(i), format(c.min), format(c.max), format(c.mean), format(c.std)]
                .enumerated().map { $0.offset == 0 ? $0.element.padding(7) : $0.element.padding(11, left: true) }
                .joined())
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
        return String(format: "%.4f", v)
    }
}

/// Exact per-channel counts for bytes (a histogram) and running sums for other values.
struct Accumulator {
    var histograms: [[Int]]
    var sums: [Double], squares: [Double], counts: [Int], minimums: [Double], maximums: [Double]
    let channels: Int

    init(channels: Int) {
        self.channels = channels
        histograms = Array(repeating: Array(repeating: 0, count: 256), count: channels)
        sums = Array(repeating: 0, count: channels)
        squares = Array(repeating: 0, count: channels)
        counts = Array(repeating: 0, count: channels)
        minimums = Array(repeating: .infinity, count: channels)
        maximums = Array(repeating: -.infinity, count: channels)
    }

    /// Interleaved bytes, channel = index mod channels.
    mutating func addBytes(_ bytes: UnsafeRawBufferPointer) {
        for c in 0..<channels {
            histograms[c].withUnsafeMutableBufferPointer { h in
                var i = c
                while i < bytes.count { h[Int(bytes[i])] += 1; i += channels }
            }
        }
    }

    mutating func add(_ v: Double, channel c: Int) {
        sums[c] += v
        squares[c] += v * v
        counts[c] += 1
        if v < minimums[c] { minimums[c] = v }
        if v > maximums[c] { maximums[c] = v }
    }

    func result() -> [ChannelStatistics] {
        (0..<channels).map { c in
            var n = Double(counts[c]), sum = sums[c], square = squares[c]
            var lo = minimums[c], hi = maximums[c]
            for (value, count) in histograms[c].enumerated() where count > 0 {
                n += Double(count)
                sum += Double(value * count)
                square += Double(value * value) * Double(count)
                lo = Swift.min(lo, Double(value))
                hi = Swift.max(hi, Double(value))
            }
            guard n > 0 else { return ChannelStatistics(min: 0, max: 0, mean: 0, std: 0) }
            let mean = sum / n
            let variance = Swift.max(0, square / n - mean * mean)
            return ChannelStatistics(min: lo, max: hi, mean: mean, std: variance.squareRoot())
        }
    }
}

extension String {
    func padding(_ width: Int, left: Bool = false) -> String {
        let pad = String(repeating: " ", count: Swift.max(0, width - count))
        return left ? pad + self : self + pad
    }
}
