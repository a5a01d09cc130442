// Decoded pixels against reference decoders: JPEG against Pillow's libjpeg-turbo decode (with
// EXIF orientation applied), PNG and BMP against the arrays the fixtures were written from.

import Foundation
import Testing
@testable import NpucImages

struct DecodeTests {
    static let jpegs = ["photo-420.jpg", "photo-422.jpg", "photo-444.jpg", "photo-progressive.jpg", "photo-gray.jpg",
                        "photo-cmyk.jpg", "document.jpg"] + (2...8).map { "photo-exif-\($0).jpg" }
    static let pngs = ["rgb8.png", "rgb8-interlaced.png", "rgba8.png", "gray8.png", "gray-alpha8.png", "gray1.png",
                       "gray2.png", "gray4-interlaced.png", "gray16.png", "rgb16.png", "rgba16-interlaced.png",
                       "palette4.png", "palette8-trns.png"]
    static let bmps = ["rgb24.bmp", "rgb24-topdown.bmp", "rgb32.bmp", "rgb32-bitfields.bmp", "palette8.bmp"]

    @Test("JPEG pixels equal libjpeg-turbo's via Pillow", arguments: jpegs)
    func jpeg(name: String) throws {
        let decoded = try ImageDecoder.decode(contentsOf: ImageFixtures.url(name))
        let reference = try ImageFixtures.reference(name)
        #expect(decoded.format == .jpeg)
        #expect(decoded.warnings.isEmpty)
        #expect(decoded.image.width == reference.width && decoded.image.height == reference.height)
        #expect(decoded.image == reference, "max difference \(ImageFixtures.maxDifference(decoded.image, reference))")
    }

    @Test("PNG pixels equal the arrays the files were written from", arguments: pngs)
    func png(name: String) throws {
        let decoded = try ImageDecoder.decode(contentsOf: ImageFixtures.url(name))
        #expect(decoded.format == .png)
        #expect(decoded.image == (try ImageFixtures.reference(name)))
    }

    @Test("BMP pixels equal the arrays the files were written from", arguments: bmps)
    func bmp(name: String) throws {
        let decoded = try ImageDecoder.decode(contentsOf: ImageFixtures.url(name))
        #expect(decoded.format == .bmp)
        #expect(decoded.image == (try ImageFixtures.reference(name)))
    }

    @Test func exifOrientationTurnsTheImage() throws {
        let upright = try ImageDecoder.decode(contentsOf: ImageFixtures.url("photo-420.jpg")).image
        let rotated = try ImageDecoder.decode(contentsOf: ImageFixtures.url("photo-exif-6.jpg")).image
        #expect(upright.width == 67 && upright.height == 45)
        #expect(rotated.width == 45 && rotated.height == 67)
        // Orientation 3 is a half turn: the first pixel shows the source's last.
        let half = try ImageDecoder.decode(contentsOf: ImageFixtures.url("photo-exif-3.jpg")).image
        #expect(half.width == 67 && half.height == 45)
    }

    @Test func formatIsSniffedNotTakenFromTheName() throws {
        let bytes = Array(try Data(contentsOf: ImageFixtures.url("rgb8.png")))
        let decoded = try ImageDecoder.decode(bytes, source: "actually-a-png.jpg")
        #expect(decoded.format == .png)
    }
}

struct DecodeErrorTests {
    func failure(_ name: String) -> ImageError? {
        do {
            _ = try ImageDecoder.decode(contentsOf: ImageFixtures.url(name))
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyFile() throws {
        let error = try #require(failure("bad-empty.png"))
        #expect(error.problem == .empty)
        #expect(error.description.hasSuffix("bad-empty.png: the file is empty"))
    }

    @Test func textFileNamedJPEG() throws {
        let error = try #require(failure("bad-text.jpg"))
        #expect(error.reason == "not a JPEG, PNG or BMP image (it starts with 0x74 0x68 0x69 0x73 0x20 0x69 0x73 0x20)")
    }

    @Test func jpegCutBeforeTheScan() throws {
        let error = try #require(failure("bad-headers-truncated.jpg"))
        guard case .corrupt(.jpeg, let message) = error.problem else { Issue.record("\(error)"); return }
        #expect(message.contains("truncated"))
    }

    @Test func jpegCutInsideTheScanDecodesWithAWarning() throws {
        let decoded = try ImageDecoder.decode(contentsOf: ImageFixtures.url("bad-truncated.jpg"))
        #expect(decoded.image.width == 67)
        #expect(decoded.warnings.contains { $0.contains("Premature end of JPEG file") }, "\(decoded.warnings)")
    }

    @Test func corruptScanDataIsReported() throws {
        // Damaged entropy-coded data: libjpeg either stops or warns; either way npuc says so.
        do {
            let decoded = try ImageDecoder.decode(contentsOf: ImageFixtures.url("bad-corrupt.jpg"))
            #expect(!decoded.warnings.isEmpty)
        } catch {
            guard case .corrupt(.jpeg, _) = error.problem else { Issue.record("\(error)"); return }
        }
    }

    @Test func fatalLibjpegErrorIsSurvived() throws {
        // A reserved marker passes npuc's structural check but stops libjpeg: the decoder thread
        // parks and the error comes back as a value, twice in a row.
        for _ in 0..<2 {
            let error = try #require(failure("bad-reserved-marker.jpg"))
            #expect(error.problem == .corrupt(format: .jpeg, message: "Unsupported marker type 0x02"))
        }
        #expect(try ImageDecoder.decode(contentsOf: ImageFixtures.url("photo-420.jpg")).image.width == 67)
    }

    @Test func truncatedPNG() throws {
        let error = try #require(failure("bad-truncated.png"))
        guard case .corrupt(.png, let message) = error.problem else { Issue.record("\(error)"); return }
        #expect(message.contains("truncated"))
    }

    @Test func damagedPNGChunk() throws {
        let error = try #require(failure("bad-crc.png"))
        #expect(error.problem == .corrupt(format: .png, message: "chunk IDAT is damaged (CRC mismatch)"))
    }

    @Test func sixteenBitBMPIsRefusedByName() throws {
        let error = try #require(failure("bad-16bit.bmp"))
        #expect(error.reason == "unsupported BMP: 16-bit images (npuc decodes 24- and 32-bit BMP, and 8-bit palette)")
    }

    @Test func missingFile() throws {
        do {
            _ = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/a.jpg"))
            Issue.record("decoded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/a.jpg: cannot read the file: No such file or directory")
        }
    }

    @Test func hostileDimensionsAreRefusedBeforeAllocating() throws {
        // A BMP header claiming 100000 × 100000 pixels.
        var bytes = Array(try Data(contentsOf: ImageFixtures.url("rgb24.bmp")))
        for (offset, value) in [(18, 100_000), (22, 100_000)] {
            for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
        }
        do {
            _ = try ImageDecoder.decode(bytes, source: "huge.bmp")
            Issue.record("accepted a 10-gigapixel BMP")
        } catch {
            #expect(error.problem == .badDimensions(width: 100_000, height: 100_000))
        }
    }
}
