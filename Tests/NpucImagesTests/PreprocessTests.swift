// Resize against cv2.resize(INTER_LINEAR) at several scale factors, letterbox geometry against
// Ultralytics' rule on odd sizes, and the crop, channel order and dtype of preprocessed rows.

import Foundation
import NpucGraph
import NpucIO
import Testing
@testable import NpucImages

struct ResizeTests {
    static let references: [(name: String, tensor: Tensor)] = (try? Npz.decode(contentsOf: ImageFixtures.url("resize-cv2.npz"))) ?? []

    @Test func everyReferenceIsPresent() {
        #expect(Self.references.count == 14)
    }

    @Test("bilinear resize equals cv2.resize INTER_LINEAR", arguments: references.map(\.name))
    func matchesOpenCV(name: String) throws {
        let reference = try #require(Self.references.first { $0.name == name }?.tensor)
        guard case .uint8(let expected) = reference.storage else { Issue.record("not uint8"); return }
        let label = String(name.prefix { $0 != "-" })
        let source = try ImageFixtures.reference("resize-source-\(label)")
        let resized = BilinearResize.resize(source, width: reference.shape[1], height: reference.shape[0])
        let difference = zip(resized.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
        // The issue allows 1 LSB; npuc reproduces OpenCV's fixed-point arithmetic exactly.
        #expect(difference == 0, "\(name): max |npuc − cv2| = \(difference)")
    }

    @Test func sameSizeIsACopyAndOnePixelSpreads() {
        let image = RGBImage(width: 2, height: 1, pixels: [10, 20, 30, 40, 50, 60])
        #expect(BilinearResize.resize(image, width: 2, height: 1) == image)
        let dot = RGBImage(width: 1, height: 1, pixels: [7, 8, 9])
        let grown = BilinearResize.resize(dot, width: 5, height: 3)
        let expected: [UInt8] = (0..<15).flatMap { _ in [UInt8(7), 8, 9] }
        #expect(grown.pixels == expected)
    }

    @Test func taps() {
        // 2 → 4: centers at -0.25, 0.25, 0.75, 1.25 → clamped columns, weights 3/4 and 1/4.
        let columns = BilinearResize.AxisTaps(source: 2, destination: 4, clampWeights: true)
        #expect(columns.first == [0, 0, 0, 1])
        #expect(columns.weight0 == [2048, 1536, 512, 2048])
        #expect(columns.weight1 == [0, 512, 1536, 0])
        let rows = BilinearResize.AxisTaps(source: 2, destination: 4, clampWeights: false)
        #expect(rows.first == [0, 0, 0, 1])
        #expect(rows.second == [0, 1, 1, 1])
        #expect(rows.weight0 == [512, 1536, 512, 1536])
    }
}

struct LetterboxTests {
    @Test func geometryEqualsUltralyticsOnOddSizes() throws {
        let table = try NumPy.decode(contentsOf: ImageFixtures.url("letterbox-ultralytics.npy"))
        guard case .int32(let values) = table.storage else { Issue.record("not int32"); return }
        #expect(table.shape == [624, 10])
        var mismatches: [String] = []
        for row in 0..<table.shape[0] {
            let v = values[(row * 10)..<(row * 10 + 10)].map(Int.init)
            let g = LetterboxGeometry(sourceWidth: v[1], sourceHeight: v[0], targetWidth: v[3], targetHeight: v[2])
            let got = [g.resizedWidth, g.resizedHeight, g.top, g.bottom, g.left, g.right]
            if got != Array(v[4..<10]) { mismatches.append("\(v[0])×\(v[1]) → \(v[2])×\(v[3]): \(got) vs \(Array(v[4..<10]))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func pixelsEqualUltralyticsWithOpenCV() throws {
        let source = try ImageFixtures.reference("letterbox-source")
        let expected = try ImageFixtures.reference("letterbox-64")
        let boxed = Preprocess.fit(source, PreprocessOptions(width: 64, height: 64, fit: .letterbox))
        #expect(boxed == expected, "max difference \(ImageFixtures.maxDifference(boxed, expected))")
        // 67×45 → 64×43 with 21 rows of padding split 10 above, 11 below.
        let g = LetterboxGeometry(sourceWidth: 67, sourceHeight: 45, targetWidth: 64, targetHeight: 64)
        let geometry: [Int] = [g.resizedWidth, g.resizedHeight, g.top, g.bottom, g.left, g.right]
        #expect(geometry == [64, 43, 10, 11, 0, 0])
        let corner = boxed[0, 0], far = boxed[63, 63]
        #expect([corner.r, corner.g, corner.b, far.r, far.g, far.b] == [114, 114, 114, 114, 114, 114])
    }
}

struct CropAndRowTests {
    let source = RGBImage(width: 4, height: 2, pixels: (0..<24).map { UInt8($0 * 10) })

    @Test func cropKeepsTheMiddle() {
        // 4×2 → 2×2: the shorter side already fits, so the middle two columns are cut out.
        let g = CenterCropGeometry(sourceWidth: 4, sourceHeight: 2, targetWidth: 2, targetHeight: 2)
        let geometry: [Int] = [g.resizedWidth, g.resizedHeight, g.left, g.top]
        #expect(geometry == [4, 2, 1, 0])
        let cropped = Preprocess.fit(source, PreprocessOptions(width: 2, height: 2, fit: .crop))
        #expect(cropped.pixels == [30, 40, 50, 60, 70, 80, 150, 160, 170, 180, 190, 200])
        let tall = CenterCropGeometry(sourceWidth: 1280, sourceHeight: 1656, targetWidth: 640, targetHeight: 640)
        let tallGeometry: [Int] = [tall.resizedWidth, tall.resizedHeight, tall.left, tall.top]
        #expect(tallGeometry == [640, 828, 0, 94])
    }

    @Test func bgrAndFloatRows() {
        let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 255])
        let bgr = PreprocessOptions(width: 1, height: 1, channelOrder: .bgr)
        #expect(Preprocess.rowBytes(image, bgr) == [255, 2, 1])
        #expect(Preprocess.tensor(image, bgr) == Tensor(shape: [1, 1, 3], storage: .uint8([255, 2, 1])))
        let float = PreprocessOptions(width: 1, height: 1, dataType: .float32)
        #expect(Preprocess.tensor(image, float) == Tensor(shape: [1, 1, 3], float32: [1, 2, 255]))
        let bytes = Preprocess.rowBytes(image, float)
        let expected: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x7F, 0x43]
        #expect(bytes == expected)
    }
}
