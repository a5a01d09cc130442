// A decoded image: 8-bit RGB pixels, row-major, interleaved (R, G, B per pixel), plus what the
// decoder noticed along the way.

public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width × height × 3 bytes, rows top to bottom.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3,
                     "RGB image of \(width)×\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
        let i = (y * width + x) * 3
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }
}

/// The file formats npuc decodes, recognized by their first bytes (never by the file name).
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case jpeg, png, bmp

    /// The format whose signature `bytes` start with, or nil.
    public static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if bytes.count >= 2, bytes[0] == 0x42, bytes[1] == 0x4D { return .bmp }
        return nil
    }

    /// The extensions the calibration-set builder picks up in a folder (lower case, no dot).
    public static let fileExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]
}

/// Why an image could not be decoded. `description` names the file and the problem.
public struct ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Problem: Hashable, Sendable {
        /// The file is empty.
        case empty
        /// The first bytes match no supported format.
        case unknownFormat(firstBytes: [UInt8])
        /// The decoder rejected the data (truncated, corrupt); the text is the decoder's.
        case corrupt(format: ImageFormat, message: String)
        /// A valid file of a kind npuc does not decode (e.g. 16-bit BMP, 12-bit JPEG).
        case unsupported(format: ImageFormat, message: String)
        /// Width × height is zero or too large to hold.
        case badDimensions(width: Int, height: Int)
        /// The file could not be opened or read.
        case io(String)
    }

    public let source: String
    public let problem: Problem

    public init(source: String, problem: Problem) {
        self.source = source
        self.problem = problem
    }

    /// The reason alone, without the file name (for lists of skipped files).
    public var reason: String {
        switch problem {
        case .empty:
            return "the file is empty"
        case .unknownFormat(let first):
            let shown = first.prefix(8).map { String(format2: $0) }.joined(separator: " ")
            return "not a JPEG, PNG or BMP image (it starts with \(shown.isEmpty ? "nothing" : shown))"
        case .corrupt(let format, let message):
            return "corrupt \(format.rawValue.uppercased()): \(message)"
        case .unsupported(let format, let message):
            return "unsupported \(format.rawValue.uppercased()): \(message)"
        case .badDimensions(let width, let height):
            return "image dimensions \(width)×\(height) are empty or too large (npuc decodes up to \(ImageLimits.maxPixels) pixels)"
        case .io(let message):
            return message
        }
    }

    public var description: String { "\(source): \(reason)" }
}

/// Limits that keep a hostile header from making npuc allocate without bound.
public enum ImageLimits {
    /// 200 megapixels (600 MB of RGB).
    public static let maxPixels = 200_000_000

    static func check(width: Int, height: Int) -> Bool {
        guard width > 0, height > 0 else { return false }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        return !overflow && pixels <= maxPixels
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = String(byte, radix: 16)
        self = digits.count == 1 ? "0x0" + digits : "0x" + digits
    }
}
