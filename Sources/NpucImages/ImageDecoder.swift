// The entry point for image files: recognizes JPEG, PNG and BMP by their first bytes and decodes
// them to upright 8-bit RGB.

import Foundation
import NpucIO

/// A decoded image and what the decoder noticed.
public struct DecodedImage: Sendable {
    public var image: RGBImage
    public var format: ImageFormat
    /// Recoverable problems the decoder reported (e.g. "Premature end of JPEG file"): the pixels
    /// may be partly gray. The calibration-set builder skips such images.
    public var warnings: [String]
}

public enum ImageDecoder {
    /// Decodes the image file at `url` (read through a memory map).
    public static func decode(contentsOf url: URL) throws(ImageError) -> DecodedImage {
        let file: MappedFile
        do {
            file = try MappedFile(contentsOf: url)
        } catch {
            throw ImageError(source: url.path, problem: .io("cannot read the file: \(error.message)"))
        }
        return try file.withBytes { (bytes) throws(ImageError) -> DecodedImage in try decode(bytes, source: url.path) }
    }

    public static func decode(_ bytes: [UInt8], source: String) throws(ImageError) -> DecodedImage {
        let result: Result<DecodedImage, ImageError> = bytes.withUnsafeBytes { raw in
            do throws(ImageError) { return .success(try decode(raw, source: source)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(ImageError) -> DecodedImage {
        guard !bytes.isEmpty else { throw ImageError(source: source, problem: .empty) }
        guard let format = ImageFormat.sniff(bytes) else {
            throw ImageError(source: source, problem: .unknownFormat(firstBytes: Array(bytes.prefix(8))))
        }
        switch format {
        case .jpeg:
            let (image, warnings) = try JPEGDecoder.decode(bytes, source: source)
            return DecodedImage(image: image, format: .jpeg, warnings: warnings)
        case .png:
            let (image, warnings) = try PNGDecoder.decode(bytes, source: source)
            return DecodedImage(image: image, format: .png, warnings: warnings)
        case .bmp:
            return DecodedImage(image: try BMPDecoder.decode(bytes, source: source), format: .bmp, warnings: [])
        }
    }
}
