// PNG decoding through libpng (1/2/4/8/16-bit, gray, palette, RGB, with or without alpha,
// interlaced) to 8-bit RGB: 16-bit samples keep their high byte and alpha (or tRNS) is dropped, as
// OpenCV's imread does. libpng runs on an isolated thread (IsolatedDecode.swift).

import CPNG
import Foundation

enum PNGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(ImageError) -> (RGBImage, warnings: [String]) {
        let structure: PNGStructure
        do {
            structure = try PNGStructure.scan(bytes)
        } catch {
            throw ImageError(source: source, problem: error.unsupported
                ? .unsupported(format: .png, message: error.message)
                : .corrupt(format: .png, message: error.message))
        }
        guard ImageLimits.check(width: structure.width, height: structure.height) else {
            throw ImageError(source: source, problem: .badDimensions(width: structure.width, height: structure.height))
        }
        let job = PNGJob(input: bytes, structure: structure)
        defer { job.release() }
        guard IsolatedDecode.run(job.context, { job.run() }) else {
            throw ImageError(source: source, problem: .io("cannot start a decoder thread (or too many corrupt PNG "
                + "files were met in this run: \(IsolatedDecode.parkedCount))"))
        }
        if let message = job.context.fatalMessage ?? job.mismatch {
            throw ImageError(source: source, problem: .corrupt(format: .png, message: message))
        }
        let count = structure.width * structure.height
        let pixels = [UInt8](unsafeUninitializedCapacity: count * 3) { rgb, initialized in
            for i in 0..<count {
                rgb[3 * i] = job.output[4 * i]
                rgb[3 * i + 1] = job.output[4 * i + 1]
                rgb[3 * i + 2] = job.output[4 * i + 2]
            }
            initialized = count * 3
        }
        return (RGBImage(width: structure.width, height: structure.height, pixels: pixels), job.context.warnings)
    }
}

private final class PNGJob: @unchecked Sendable {
    let context = DecodeContext()
    let input: UnsafeRawBufferPointer
    let structure: PNGStructure
    let output: UnsafeMutablePointer<UInt8>
    var readOffset = 0
    var png: png_structp?
    var info: png_infop?
    var mismatch: String?

    init(input: UnsafeRawBufferPointer, structure: PNGStructure) {
        self.input = input
        self.structure = structure
        output = .allocate(capacity: structure.width * structure.height * 4)
    }

    /// Runs on the decoding thread.
    func run() {
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        png = png_create_read_struct(PNG_LIBPNG_VER_STRING, contextPointer, { png, message in
            let context = Unmanaged<DecodeContext>.fromOpaque(png_get_error_ptr(png)!).takeUnretainedValue()
            context.failAndPark(message.map { String(cString: $0) } ?? "libpng error")
        }, { png, message in
            let context = Unmanaged<DecodeContext>.fromOpaque(png_get_error_ptr(png)!).takeUnretainedValue()
            if context.warnings.count < 8 { context.warnings.append(message.map { String(cString: $0) } ?? "libpng warning") }
        })
        guard let png else {
            mismatch = "libpng could not start"
            return
        }
        info = png_create_info_struct(png)
        guard let info else {
            mismatch = "libpng could not start"
            return
        }
        png_set_read_fn(png, Unmanaged.passUnretained(self).toOpaque(), { png, data, length in
            let job = Unmanaged<PNGJob>.fromOpaque(png_get_io_ptr(png)!).takeUnretainedValue()
            guard length <= job.input.count - job.readOffset else {
                png_error(png, "the file ends early (truncated)")
            }
            memcpy(data!, job.input.baseAddress! + job.readOffset, length)
            job.readOffset += length
        })
        png_set_user_limits(png, 0x7FFF_FFFF, 0x7FFF_FFFF)
        png_read_info(png, info)
        let colorType = Int(png_get_color_type(png, info))
        let bitDepth = Int(png_get_bit_depth(png, info))
        if bitDepth == 16 { png_set_strip_16(png) }
        if colorType == 3 { png_set_palette_to_rgb(png) }
        if (colorType == 0 || colorType == 4) && bitDepth < 8 { png_set_expand_gray_1_2_4_to_8(png) }
        if colorType == 0 || colorType == 4 { png_set_gray_to_rgb(png) }
        // Everything becomes RGBA (transparency chunks expand to alpha, opaque images get a filler),
        // and the alpha byte is dropped below: one layout whatever the file holds.
        if png_get_valid(png, info, 0x0010 /* PNG_INFO_tRNS */) != 0 { png_set_tRNS_to_alpha(png) }
        if colorType & 4 == 0 { png_set_filler(png, 0xFF, 1 /* PNG_FILLER_AFTER */) }
        _ = png_set_interlace_handling(png)
        png_read_update_info(png, info)
        let width = structure.width, height = structure.height
        guard Int(png_get_rowbytes(png, info)) == width * 4, Int(png_get_image_height(png, info)) == height else {
            mismatch = "libpng reports \(png_get_rowbytes(png, info)) bytes per row, expected \(width * 4)"
            return
        }
        var rows = (0..<height).map { Optional(output + $0 * width * 4) }
        rows.withUnsafeMutableBufferPointer { png_read_image(png, $0.baseAddress) }
        png_read_end(png, nil)
    }

    /// Runs on the caller's thread after the decoding thread finished or parked.
    func release() {
        if png != nil { png_destroy_read_struct(&png, &info, nil) }
        output.deallocate()
    }
}
