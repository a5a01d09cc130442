// Helpers for the optimize tests of this target: running the built `npuc` binary (as
// NpucImportTests' support does), temporary folders, .npy and BMP writers for calibration data,
// and the tiny detector's parsed archive on disk.

import Foundation
import NpucGraph
import NpucIO
import NpucRunner
import Testing

/// What one run of the `npuc` executable printed and returned.
struct OptimizeCLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the `npuc` executable built next to the test bundle.
enum OptimizeCLI {
    static var executable: URL? {
        var candidates = [URL]()
        if let argument = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("npuc"))
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent("npuc"))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("npuc"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> OptimizeCLIResult {
        let binary = try #require(executable, "the npuc executable is not built; run `swift build --build-tests` first")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a large output cannot block the child (stderr is read
        // on another thread: progress can fill its pipe while stdout is still open).
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return OptimizeCLIResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                 stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}

/// A fresh folder under the system's temporary directory (the caller removes it).
func optimizeTestFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-optimize-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `values` as a float32 .npy of `shape`.
func writeFloatNpy(_ values: [Float], shape: [Int], to url: URL) throws {
    let tensor = Tensor(shape: shape, float32: values)
    try Data(NumPy.encode(tensor)).write(to: url)
}

/// Deterministic pseudo-random floats in `range` (a 64-bit LCG; test data only).
func seededFloats(_ count: Int, seed: UInt64, in range: ClosedRange<Float>) -> [Float] {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let unit = Float(state >> 40) / Float(1 << 24)
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
}

/// A 24-bit uncompressed BMP of `width`×`height` whose pixel (x, y) is `color(x, y)` as RGB.
func bmpBytes(width: Int, height: Int, color: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
    let rowSize = (width * 3 + 3) / 4 * 4
    let imageSize = rowSize * height
    var bytes = [UInt8]()
    func le32(_ v: Int) { for i in 0..<4 { bytes.append(UInt8((v >> (8 * i)) & 0xFF)) } }
    func le16(_ v: Int) { for i in 0..<2 { bytes.append(UInt8((v >> (8 * i)) & 0xFF)) } }
    bytes += [0x42, 0x4D]
    le32(54 + imageSize); le32(0); le32(54)
    le32(40); le32(width); le32(height); le16(1); le16(24); le32(0); le32(imageSize); le32(2835); le32(2835); le32(0); le32(0)
    for y in (0..<height).reversed() {
        var row = [UInt8]()
        for x in 0..<width {
            let (r, g, b) = color(x, y)
            row += [b, g, r]
        }
        row += Array(repeating: 0, count: rowSize - row.count)
        bytes += row
    }
    return bytes
}

/// The tiny detector parsed and saved as `tiny.npar` in `folder`.
func writeTinyDetectorArchive(in folder: URL) throws -> URL {
    let runner = try tinyDetectorRunner()
    let url = folder.appendingPathComponent("tiny.npar")
    try runner.saveArchive(to: url)
    return url
}
