// Building a calibration set from a folder of images: find the images, choose up to --max of
// them (a seeded shuffle), decode and preprocess them on every core, and stream the rows into a
// .npy file in order. Bad files are skipped and listed with the reason; memory stays bounded by a
// few images whatever the set's size.

import Foundation
import NpucGraph
import NpucIO

public struct CalibrationSetOptions: Sendable, Hashable {
    public var preprocess: PreprocessOptions
    /// At most this many rows; nil for every usable image.
    public var maxImages: Int?
    /// Seed of the shuffle that picks images when the folder holds more than `maxImages`.
    public var seed: UInt64
    /// Images decoded at once (defaults to the number of cores).
    public var workers: Int

    public init(preprocess: PreprocessOptions, maxImages: Int? = nil, seed: UInt64 = 0,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.preprocess = preprocess
        self.maxImages = maxImages
        self.seed = seed
        self.workers = max(1, workers)
    }
}

/// A file left out of the set, and why.
public struct SkippedFile: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

public struct CalibrationProgress: Sendable {
    /// Images looked at so far.
    public let processed: Int
    /// Images that will be looked at (at most; fewer when --max is reached early).
    public let total: Int
    /// Rows written so far.
    public let written: Int
}

public struct CalibrationSetReport: Sendable {
    public let output: URL
    /// The images behind the rows, in row order.
    public let used: [String]
    public let skipped: [SkippedFile]
    /// Image files found in the folder.
    public let found: Int
    public let rowShape: [Int]
    public let dataType: DataType
}

public enum CalibrationSetError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAFolder(String)
    case noImages(String)
    case nothingUsable(folder: String, skipped: [SkippedFile])
    case write(FileWriteError)

    public var description: String {
        switch self {
        case .notAFolder(let path):
            return "\(path) is not a folder of images"
        case .noImages(let path):
            return "\(path) holds no .jpg, .jpeg, .png or .bmp files, even in its subfolders; check the path, or give a .npy set made by `npuc calib-set`"
        case .nothingUsable(let folder, let skipped):
            return "none of the \(skipped.count) images in \(folder) could be used; nothing was written:\n"
                + skipped.map { "  skipped \($0)" }.joined(separator: "\n")
        case .write(let error):
            return error.description
        }
    }
}

public enum CalibrationSet {
    /// Image files under `folder` (recursively; hidden files and folders skipped), by extension,
    /// in sorted path order.
    public static func imageFiles(in folder: URL) throws(CalibrationSetError) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notAFolder(folder.path)
        }
        guard let enumerator = FileManager.default.enumerator(
            at: folder, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw .notAFolder(folder.path)
        }
        var files: [URL] = []
        for case let url as URL in enumerator where ImageFormat.fileExtensions.contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { files.append(url) }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The order in which images are tried: sorted order, or — when there are more files than
    /// `maxImages` — a shuffle by `seed` (SplitMix64 + Fisher–Yates, so every platform agrees).
    public static func candidateOrder(_ files: [URL], maxImages: Int?, seed: UInt64) -> [URL] {
        guard let maxImages, maxImages < files.count else { return files }
        var generator = SplitMix64(seed: seed)
        var shuffled = files
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            shuffled.swapAt(i, j)
        }
        return shuffled
    }

    /// Decodes and preprocesses one image into its row bytes, or says why it cannot be used.
    public static func row(for url: URL, options: PreprocessOptions) -> Result<[UInt8], SkippedFile> {
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(contentsOf: url)
        } catch {
            return .failure(SkippedFile(path: url.path, reason: error.reason))
        }
        if let warning = decoded.warnings.first {
            return .failure(SkippedFile(path: url.path, reason: "damaged \(decoded.format.rawValue.uppercased()) data: \(warning)"))
        }
        return .success(Preprocess.rowBytes(Preprocess.fit(decoded.image, options), options))
    }

    /// Builds the calibration set at `output` from the images in `folder`.
    public static func build(from folder: URL, to output: URL, options: CalibrationSetOptions,
                             progress: (@Sendable (CalibrationProgress) -> Void)? = nil)
        throws(CalibrationSetError) -> CalibrationSetReport {
        let files = try imageFiles(in: folder)
        guard !files.isEmpty else { throw .noImages(folder.path) }
        let candidates = candidateOrder(files, maxImages: options.maxImages, seed: options.seed)
        let limit = options.maxImages ?? candidates.count
        let preprocess = options.preprocess
        let writer: NpyStreamWriter
        do {
            writer = try NpyStreamWriter(destination: output, dataType: preprocess.dataType, rowShape: preprocess.rowShape)
        } catch {
            throw .write(error)
        }
        var used: [String] = []
        var skipped: [SkippedFile] = []
        var next = 0
        let batchSize = options.workers * 2
        while next < candidates.count && used.count < limit {
            let batch = Array(candidates[next..<min(next + batchSize, candidates.count)])
            let results = ResultSlots(count: batch.count)
            DispatchQueue.concurrentPerform(iterations: batch.count) { i in
                results.set(i, row(for: batch[i], options: preprocess))
            }
            for (url, result) in zip(batch, results.values) where used.count < limit {
                switch result {
                case .success(let bytes):
                    do {
                        try writer.appendRows(littleEndianBytes: bytes)
                    } catch {
                        throw .write(error)
                    }
                    used.append(url.path)
                case .failure(let skip):
                    skipped.append(skip)
                }
            }
            next += batch.count
            progress?(CalibrationProgress(processed: next, total: candidates.count, written: used.count))
        }
        guard !used.isEmpty else {
            writer.abort()
            throw .nothingUsable(folder: folder.path, skipped: skipped)
        }
        do {
            try writer.finish()
        } catch {
            throw .write(error)
        }
        return CalibrationSetReport(output: output, used: used, skipped: skipped, found: files.count,
                                    rowShape: preprocess.rowShape, dataType: preprocess.dataType)
    }
}

/// Results written by concurrent workers, each to its own slot.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<[UInt8], SkippedFile>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<[UInt8], SkippedFile>) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Result<[UInt8], SkippedFile>] { slots.map { $0! } }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fully specified generator for reproducible shuffles.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
