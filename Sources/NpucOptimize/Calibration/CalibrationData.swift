// Where calibration samples come from: an in-memory tensor (N×H×W×C or N×C×H×W), a `.npy` file
// (memory-mapped, uint8/float32/any numeric type, NHWC as `npuc calib-set` writes it or NCHW), a
// folder of images (turned into a temporary `.npy` set by NpucImages at the model's input size),
// or seeded random data. `open(for:)` checks the data against the graph input and returns the
// reader the calibrator streams from.

import Foundation
import NpucGraph
import NpucImages
import NpucIO

public struct CalibrationData: Sendable {
    /// How a sample's axes are ordered. `automatic` takes whichever of NHWC and NCHW fits the
    /// graph input, preferring NHWC (`npuc calib-set`'s layout) when both do (C = H = W).
    public enum Layout: String, Sendable, Hashable, CaseIterable {
        case automatic, nhwc, nchw
    }

    enum Source: Sendable {
        case tensor(Tensor, name: String)
        case npy(URL)
        case images(URL, fit: FitMode, channelOrder: ChannelOrder, maxImages: Int?, seed: UInt64)
        case random(count: Int, seed: UInt64, range: ClosedRange<Float>)
    }

    let source: Source
    public var layout: Layout

    /// Samples along the first axis of `tensor` (any numeric element type).
    public static func tensor(_ tensor: Tensor, layout: Layout = .automatic, name: String = "the calibration tensor") -> CalibrationData {
        CalibrationData(source: .tensor(tensor, name: name), layout: layout)
    }

    /// The rows of a `.npy` file, read a batch at a time through a memory map.
    public static func npy(_ url: URL, layout: Layout = .automatic) -> CalibrationData {
        CalibrationData(source: .npy(url), layout: layout)
    }

    /// The images of a folder (JPEG, PNG, BMP), decoded and fitted to the graph input's size into
    /// a temporary uint8 set (deleted when the samples are released). At most `maxImages` (a
    /// seeded choice when the folder holds more).
    public static func imageFolder(_ url: URL, fit: FitMode = .resize, channelOrder: ChannelOrder = .rgb,
                                   maxImages: Int? = nil, seed: UInt64 = 0) -> CalibrationData {
        CalibrationData(source: .images(url, fit: fit, channelOrder: channelOrder, maxImages: maxImages, seed: seed), layout: .nhwc)
    }

    /// `count` samples uniformly distributed over `range` (raw pixels by default: after
    /// normalization folding the network takes 0…255). Sample i depends on `seed` and i only.
    public static func random(count: Int, seed: UInt64 = 0, range: ClosedRange<Float> = 0...255) -> CalibrationData {
        CalibrationData(source: .random(count: count, seed: seed, range: range), layout: .nchw)
    }

    /// What the data is, for messages.
    public var sourceDescription: String {
        switch source {
        case .tensor(_, let name): return name
        case .npy(let url): return url.path
        case .images(let url, _, _, _, _): return url.path
        case .random(let count, let seed, let range): return "\(count) random samples (seed \(seed), \(range.lowerBound)…\(range.upperBound))"
        }
    }

    /// Checks the data against the graph input `input` (nil: the only input) and returns its
    /// reader. `limit` caps the number of samples (the script's `calibset_size`).
    public func open(for graph: Graph, input: String? = nil, limit: Int? = nil) throws(CalibrationError) -> CalibrationSamples {
        let names = graph.inputs.map { graph[$0].name }
        let inputID: ValueID
        if let input {
            guard let i = names.firstIndex(of: input) else {
                throw .inputs("the model has no input '\(input)'; its inputs are \(names.map { "'\($0)'" }.joined(separator: ", "))")
            }
            inputID = graph.inputs[i]
        } else {
            guard graph.inputs.count == 1 else {
                throw .inputs("the model has \(graph.inputs.count) inputs (\(names.map { "'\($0)'" }.joined(separator: ", "))); "
                    + "calibration data is given for one input at a time: name it")
            }
            inputID = graph.inputs[0]
        }
        let inputType = graph.type(of: inputID)
        let inputName = graph[inputID].name
        guard inputType.dataType.isFloatingPoint, inputType.rank >= 1, inputType.shape[0] >= 1 else {
            throw .inputs("input '\(inputName)' is \(inputType); calibration needs a floating-point input with a batch axis")
        }
        if let limit, limit < 1 { throw .empty(source: sourceDescription) }
        switch source {
        case .tensor(let tensor, let name):
            guard tensor.dataType != .bool else { throw .unsupportedDataType(source: name, dataType: tensor.dataType) }
            let layout = try resolveLayout(rowShape: Array(tensor.shape.dropFirst()), rowCount: tensor.shape.first ?? 0,
                                           source: name, inputName: inputName, inputType: inputType)
            return try CalibrationSamples(source: name, inputName: inputName, inputType: inputType, rows: tensor.shape.first ?? 0,
                                          limit: limit, layout: layout, reader: .tensor(tensor))
        case .npy(let url):
            let file: NpyFile
            do {
                file = try NpyFile(contentsOf: url)
            } catch {
                throw .unreadable(source: url.path, message: error.description)
            }
            return try samples(fromNpy: file, source: url.path, inputName: inputName, inputType: inputType, limit: limit,
                               temporary: nil, warnings: [])
        case .images(let folder, let fit, let order, let maxImages, let seed):
            guard inputType.rank == 4, inputType.shape[1] == 3 else {
                throw .inputs("input '\(inputName)' is \(inputType); a folder of images calibrates a 3-channel N×3×H×W input only")
            }
            let temporary = try TemporaryFolder()
            let output = temporary.url.appending(path: "calibration.npy")
            let cap = [maxImages, limit].compactMap { $0 }.min()
            let options = CalibrationSetOptions(
                preprocess: PreprocessOptions(width: inputType.shape[3], height: inputType.shape[2], fit: fit, channelOrder: order,
                                              dataType: .uint8),
                maxImages: cap, seed: seed)
            let report: CalibrationSetReport
            do {
                report = try CalibrationSet.build(from: folder, to: output, options: options)
            } catch {
                throw .unreadable(source: folder.path, message: error.description)
            }
            let file: NpyFile
            do {
                file = try NpyFile(contentsOf: output)
            } catch {
                throw .unreadable(source: folder.path, message: error.description)
            }
            let skipped = report.skipped.map { "skipped \($0.description)" }
            return try samples(fromNpy: file, source: folder.path, inputName: inputName, inputType: inputType, limit: limit,
                               temporary: temporary, warnings: skipped)
        case .random(let count, let seed, let range):
            guard range.lowerBound.isFinite, range.upperBound.isFinite else {
                throw .unsupportedDataType(source: sourceDescription, dataType: .float32)
            }
            return try CalibrationSamples(source: sourceDescription, inputName: inputName, inputType: inputType, rows: count,
                                          limit: limit, layout: .nchw, reader: .random(seed: seed, range: range))
        }
    }

    private func samples(fromNpy file: NpyFile, source: String, inputName: String, inputType: TensorType, limit: Int?,
                         temporary: TemporaryFolder?, warnings: [String]) throws(CalibrationError) -> CalibrationSamples {
        guard file.dataType != .bool else { throw .unsupportedDataType(source: source, dataType: file.dataType) }
        let layout = try resolveLayout(rowShape: file.rowShape, rowCount: file.rowCount, source: source,
                                       inputName: inputName, inputType: inputType)
        return try CalibrationSamples(source: source, inputName: inputName, inputType: inputType, rows: file.rowCount,
                                      limit: limit, layout: layout, reader: .npy(file, temporary), warnings: warnings)
    }

    /// NHWC or NCHW, whichever the rows fit (or the one asked for), else a shape error.
    private func resolveLayout(rowShape: [Int], rowCount: Int, source: String, inputName: String,
                               inputType: TensorType) throws(CalibrationError) -> Layout {
        let sample = Array(inputType.shape.dropFirst())
        let nhwc = sample.count == 3 ? [sample[1], sample[2], sample[0]] : nil
        let fitsNCHW = rowShape == sample, fitsNHWC = nhwc == rowShape
        var expected: [[Int]] = []
        switch layout {
        case .nchw: expected = [sample]
        case .nhwc: expected = nhwc.map { [$0] } ?? []
        case .automatic: expected = (nhwc.map { [$0] } ?? []) + [sample]
        }
        let resolved: Layout?
        switch layout {
        case .nchw: resolved = fitsNCHW ? .nchw : nil
        case .nhwc: resolved = fitsNHWC ? .nhwc : nil
        case .automatic: resolved = fitsNHWC ? .nhwc : (fitsNCHW ? .nchw : nil)
        }
        guard let resolved else {
            throw .shapeMismatch(source: source, input: inputName, inputShape: inputType.shape, expected: expected, got: rowShape)
        }
        if rowCount == 0 { throw .empty(source: source) }
        return resolved
    }
}

/// A folder under the system's temporary directory, removed with its contents on release.
final class TemporaryFolder: Sendable {
    let url: URL

    init() throws(CalibrationError) {
        url = FileManager.default.temporaryDirectory.appending(path: "npuc-calibration-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .unreadable(source: url.path, message: "cannot create a temporary folder: \(error.localizedDescription)")
        }
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
