// The calibration-set builder: bad files skipped and listed, good ones used in order, nothing
// written when nothing is usable, --max/--seed reproducible, and the statistics with their warnings.

import Foundation
import NpucGraph
import NpucIO
import Testing
@testable import NpucImages

struct CalibrationSetTests {
    /// A folder with good images (one in a subfolder), a corrupt JPEG, a zero-byte PNG, a text file
    /// named .jpg and a file that is not an image by extension.
    func mixedFolder() throws -> URL {
        let folder = try ImageFixtures.temporaryDirectory()
        let copies = [("photo-420.jpg", "a.jpg"), ("rgb8.png", "b.png"), ("rgb24.bmp", "c.BMP"),
                      ("bad-corrupt.jpg", "corrupt.jpg"), ("bad-empty.png", "zero.png"), ("bad-text.jpg", "text.jpg"),
                      ("photo-444.jpg", "sub/d.jpeg")]
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for (from, to) in copies {
            try FileManager.default.copyItem(at: ImageFixtures.url(from), to: folder.appendingPathComponent(to))
        }
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        return folder
    }

    @Test func goodImagesAreUsedAndBadOnesListed() throws {
        let folder = try mixedFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out/calib.npy")
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        let preprocess = PreprocessOptions(width: 32, height: 24)
        let report = try CalibrationSet.build(from: folder, to: output, options: CalibrationSetOptions(preprocess: preprocess))
        #expect(report.found == 7)
        #expect(report.used.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a.jpg", "b.png", "c.BMP", "d.jpeg"])
        let reasons = Dictionary(uniqueKeysWithValues: report.skipped.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.reason) })
        #expect(Set(reasons.keys) == ["corrupt.jpg", "zero.png", "text.jpg"])
        #expect(reasons["zero.png"] == "the file is empty")
        #expect(reasons["text.jpg"]?.hasPrefix("not a JPEG, PNG or BMP image") == true)
        #expect(reasons["corrupt.jpg"]?.contains("JPEG") == true)

        let npy = try NpyFile(contentsOf: output)
        #expect(npy.shape == [4, 24, 32, 3])
        #expect(npy.dataType == .uint8)
        let first = try ImageDecoder.decode(contentsOf: ImageFixtures.url("photo-420.jpg")).image
        #expect(try npy.rows(0..<1).storage == .uint8(Preprocess.fit(first, preprocess).pixels))
    }

    @Test func onlyBadImagesFailAndWriteNothing() throws {
        let folder = try ImageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["bad-empty.png", "bad-text.jpg", "bad-headers-truncated.jpg"] {
            try FileManager.default.copyItem(at: ImageFixtures.url(name), to: folder.appendingPathComponent(name))
        }
        let output = folder.appendingPathComponent("calib.npy")
        do {
            _ = try CalibrationSet.build(from: folder, to: output,
                                         options: CalibrationSetOptions(preprocess: PreprocessOptions(width: 8, height: 8)))
            Issue.record("built a set from bad images only")
        } catch {
            guard case .nothingUsable(_, let skipped) = error else { Issue.record("\(error)"); return }
            #expect(skipped.count == 3)
            #expect(error.description.contains("none of the 3 images"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                    == ["bad-empty.png", "bad-headers-truncated.jpg", "bad-text.jpg"])
    }

    @Test func emptyAndMissingFolders() throws {
        let folder = try ImageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let options = CalibrationSetOptions(preprocess: PreprocessOptions(width: 8, height: 8))
        #expect(throws: CalibrationSetError.noImages(folder.path)) {
            try CalibrationSet.build(from: folder, to: folder.appendingPathComponent("x.npy"), options: options)
        }
        #expect(throws: CalibrationSetError.notAFolder("/nonexistent-npuc")) {
            try CalibrationSet.build(from: URL(fileURLWithPath: "/nonexistent-npuc"), to: folder, options: options)
        }
    }

    @Test func maxAndSeedAreReproducible() throws {
        let folder = try mixedFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = try CalibrationSet.imageFiles(in: folder)
        #expect(CalibrationSet.candidateOrder(files, maxImages: nil, seed: 5) == files)
        #expect(CalibrationSet.candidateOrder(files, maxImages: 3, seed: 5) == CalibrationSet.candidateOrder(files, maxImages: 3, seed: 5))
        #expect(CalibrationSet.candidateOrder(files, maxImages: 3, seed: 5) != CalibrationSet.candidateOrder(files, maxImages: 3, seed: 6))
        #expect(Set(CalibrationSet.candidateOrder(files, maxImages: 3, seed: 5)) == Set(files))
        let output = folder.appendingPathComponent("calib.npy")
        let options = CalibrationSetOptions(preprocess: PreprocessOptions(width: 8, height: 8), maxImages: 2, seed: 5)
        let report = try CalibrationSet.build(from: folder, to: output, options: options)
        #expect(report.used.count == 2)
        #expect(try NpyFile(contentsOf: output).shape == [2, 8, 8, 3])
        let again = try CalibrationSet.build(from: folder, to: output, options: options)
        #expect(again.used == report.used)
    }

    @Test func splitMix64MatchesItsPublishedSequence() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func float32AndBGRRows() throws {
        let folder = try ImageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: ImageFixtures.url("rgb8.png"), to: folder.appendingPathComponent("a.png"))
        let u8 = folder.appendingPathComponent("u8.npy"), f32 = folder.appendingPathComponent("f32.npy")
        _ = try CalibrationSet.build(from: folder, to: u8, options: CalibrationSetOptions(
            preprocess: PreprocessOptions(width: 16, height: 16, fit: .letterbox)))
        _ = try CalibrationSet.build(from: folder, to: f32, options: CalibrationSetOptions(
            preprocess: PreprocessOptions(width: 16, height: 16, fit: .letterbox, channelOrder: .bgr, dataType: .float32)))
        let a = try NpyFile(contentsOf: u8).rows(0..<1), b = try NpyFile(contentsOf: f32).rows(0..<1)
        #expect(b.dataType == .float32)
        var swapped = a.floats
        for i in stride(from: 0, to: swapped.count, by: 3) { swapped.swapAt(i, i + 2) }
        #expect(b.floats == swapped)
    }
}

struct DatasetStatisticsTests {
    func write(_ tensor: Tensor) throws -> URL {
        let url = try ImageFixtures.temporaryDirectory().appendingPathComponent("set.npy")
        try AtomicFile.write(NumPy.encode(tensor), to: url)
        return url
    }

    @Test func uint8StatisticsAreExact() throws {
        // Two 1×2 RGB rows: R = 0, 10, 20, 30; G = 100 everywhere; B = 255, 255, 0, 0.
        let pixels: [UInt8] = [0, 100, 255, 10, 100, 255, 20, 100, 0, 30, 100, 0]
        let url = try write(Tensor(shape: [2, 1, 2, 3], storage: .uint8(pixels)))
        let s = try DatasetStatistics.compute(npy: url)
        #expect(s.samples == 2)
        #expect(s.channels[0] == ChannelStatistics(min: 0, max: 30, mean: 15, std: 125.0.squareRoot()))
        #expect(s.channels[1] == ChannelStatistics(min: 100, max: 100, mean: 100, std: 0))
        #expect(s.channels[2] == ChannelStatistics(min: 0, max: 255, mean: 127.5, std: 127.5))
        #expect(s.warnings().isEmpty)
    }

    @Test func channelsFirstIsRecognized() throws {
        // N×C×H×W with C = 3 and W = 5.
        let values = (0..<30).map { Float($0 / 10) }  // channel c holds the value c
        let s = try DatasetStatistics.compute(npy: write(Tensor(shape: [1, 3, 2, 5], float32: values)))
        #expect(s.channelAxisDescription == "1")
        #expect(s.channels.map(\.mean) == [0, 1, 2])
    }

    @Test func unitRangeDataIsFlagged() throws {
        let values = (0..<12).map { Float($0) / 12 }
        let s = try DatasetStatistics.compute(npy: write(Tensor(shape: [1, 2, 2, 3], float32: values)))
        let warnings = s.warnings()
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("values lie in 0..1") == true)
        #expect(s.warnings(expecting: InputExpectation(valueRange: .unit)).isEmpty)
        let pixels = try DatasetStatistics.compute(npy: write(Tensor(shape: [1, 1, 1, 3], float32: [0, 128, 255])))
        #expect(pixels.warnings(expecting: InputExpectation(valueRange: .unit)).first?.contains("expects inputs scaled to 0..1") == true)
    }

    @Test func swappedChannelsAreSuspected() throws {
        // Blue-heavy channel 0 vs red-light channel 2, as BGR data of a warm photo would look.
        let pixels: [UInt8] = [40, 90, 200, 60, 80, 180]
        let s = try DatasetStatistics.compute(npy: write(Tensor(shape: [2, 1, 1, 3], storage: .uint8(pixels))))
        #expect(s.warnings().isEmpty, "no expectation, no guess")
        let warnings = s.warnings(expecting: InputExpectation(channelOrder: .rgb))
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("suggests BGR order, but the model expects RGB") == true)
        #expect(s.warnings(expecting: InputExpectation(channelOrder: .bgr)).isEmpty)
    }

    @Test func folderStatisticsSkipBadFiles() throws {
        let folder = try ImageFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: ImageFixtures.url("gray8.png"), to: folder.appendingPathComponent("g.png"))
        try FileManager.default.copyItem(at: ImageFixtures.url("bad-text.jpg"), to: folder.appendingPathComponent("t.jpg"))
        let s = try DatasetStatistics.compute(folder: folder)
        #expect(s.samples == 1)
        #expect(s.skipped.count == 1)
        let reference = try ImageFixtures.reference("gray8.png")
        let mean = Double(reference.pixels.reduce(0) { $0 + Int($1) }) / Double(reference.pixels.count)
        #expect(abs(s.channels[0].mean - mean) < 1e-9 && s.channels[0].mean == s.channels[2].mean)
        #expect(s.text.contains("1 sample, channel axis last"))
    }
}
