// JPEG decoding through libjpeg-turbo (baseline, progressive, arithmetic; gray, YCbCr, RGB, CMYK
// and YCCK), to RGB, with EXIF orientation applied. The library runs on an isolated thread with
// an error handler that never returns to it (IsolatedDecode.swift).

import CJPEG
import Foundation

enum JPEGDecoder {
    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(ImageError) -> (RGBImage, warnings: [String]) {
        let structure: JPEGStructure
        do {
            structure = try JPEGStructure.scan(bytes)
        } catch {
            throw ImageError(source: source, problem: error.unsupported
                ? .unsupported(format: .jpeg, message: error.message)
                : .corrupt(format: .jpeg, message: error.message))
        }
        guard ImageLimits.check(width: structure.width, height: structure.height) else {
            throw ImageError(source: source, problem: .badDimensions(width: structure.width, height: structure.height))
        }
        let cmyk = structure.components == 4
        let channels = cmyk ? 4 : 3
        var started = true
        var job: JPEGJob?
        // libjpeg writes straight into the pixel array (no copy afterwards).
        var pixels = [UInt8](unsafeUninitializedCapacity: structure.width * structure.height * channels) { buffer, count in
            let decodeJob = JPEGJob(input: bytes, width: structure.width, height: structure.height, channels: channels,
                                    output: buffer.baseAddress!)
            job = decodeJob
            started = IsolatedDecode.run(decodeJob.context, { decodeJob.run() })
            if !started || decodeJob.context.fatalMessage != nil || decodeJob.mismatch != nil {
                buffer.initialize(repeating: 0)  // the array must be fully initialized even on failure
            }
            count = buffer.count
        }
        guard let job else { preconditionFailure("the JPEG job was not created") }
        defer { job.release() }
        guard started else {
            throw ImageError(source: source, problem: .io("cannot start a decoder thread (or too many corrupt JPEG "
                + "files were met in this run: \(IsolatedDecode.parkedCount))"))
        }
        if let message = job.context.fatalMessage {
            throw ImageError(source: source, problem: .corrupt(format: .jpeg, message: message))
        }
        if let mismatch = job.mismatch {
            throw ImageError(source: source, problem: .corrupt(format: .jpeg, message: mismatch))
        }
        if cmyk { pixels = convertCMYK(pixels, inverted: job.adobeInverted) }
        let image = RGBImage(width: structure.width, height: structure.height, pixels: pixels)
        return (ExifOrientation.apply(structure.orientation, to: image), job.context.warnings)
    }

    /// CMYK (inverted as Adobe writes it, or plain) to RGB with Pillow's arithmetic:
    /// R = (255 − K) − round((255 − K) · C / 255), with C, K the non-inverted ink amounts.
    static func convertCMYK(_ cmyk: [UInt8], inverted: Bool) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        @inline(__always) func mulDiv255(_ a: Int, _ b: Int) -> Int {
            let t = a * b + 128
            return ((t >> 8) + t) >> 8
        }
        for i in 0..<count {
            let ink = (0..<4).map { k in inverted ? 255 - Int(cmyk[4 * i + k]) : Int(cmyk[4 * i + k]) }
            let nk = 255 - ink[3]
            for k in 0..<3 { rgb[3 * i + k] = UInt8(clamping: nk - mulDiv255(ink[k], nk)) }
        }
        return rgb
    }
}

/// Everything the decoding thread touches, kept alive and at fixed addresses by the caller.
private final class JPEGJob: @unchecked Sendable {
    let context = DecodeContext()
    let input: UnsafeRawBufferPointer
    let width: Int, height: Int, channels: Int
    let output: UnsafeMutablePointer<UInt8>
    let info = UnsafeMutablePointer<jpeg_decompress_struct>.allocate(capacity: 1)
    let errors = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
    var created = false
    var adobeInverted = false
    var mismatch: String?

    init(input: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, output: UnsafeMutablePointer<UInt8>) {
        self.input = input
        self.width = width
        self.height = height
        self.channels = channels
        self.output = output
    }

    /// Runs on the decoding thread.
    func run() {
        info.initialize(to: jpeg_decompress_struct())
        errors.initialize(to: jpeg_error_mgr())
        info.pointee.err = jpeg_std_error(errors)
        errors.pointee.error_exit = { common in
            let context = Unmanaged<DecodeContext>.fromOpaque(common!.pointee.client_data).takeUnretainedValue()
            context.failAndPark(JPEGJob.message(common!))
        }
        errors.pointee.emit_message = { common, level in
            guard level < 0, let common else { return }  // traces are ignored; warnings are kept
            let context = Unmanaged<DecodeContext>.fromOpaque(common.pointee.client_data).takeUnretainedValue()
            common.pointee.err.pointee.num_warnings += 1
            if context.warnings.count < 8 { context.warnings.append(JPEGJob.message(common)) }
        }
        errors.pointee.output_message = { _ in }
        jpeg_CreateDecompress(info, JPEG_LIB_VERSION, MemoryLayout<jpeg_decompress_struct>.size)
        // CreateDecompress clears the struct but keeps `err`; client_data is set after it.
        info.pointee.client_data = Unmanaged.passUnretained(context).toOpaque()
        created = true
        jpeg_mem_src(info, input.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(input.count))
        _ = jpeg_read_header(info, 1)
        if channels == 4 {
            info.pointee.out_color_space = JCS_CMYK
            adobeInverted = info.pointee.saw_Adobe_marker != 0
        } else {
            info.pointee.out_color_space = JCS_RGB
        }
        info.pointee.dct_method = JDCT_ISLOW
        _ = jpeg_start_decompress(info)
        guard Int(info.pointee.output_width) == width, Int(info.pointee.output_height) == height,
              Int(info.pointee.output_components) == channels else {
            mismatch = "libjpeg reports \(info.pointee.output_width)×\(info.pointee.output_height)×"
                + "\(info.pointee.output_components), the header \(width)×\(height)×\(channels)"
            return
        }
        let stride = width * channels
        var row: UnsafeMutablePointer<UInt8>? = nil
        while info.pointee.output_scanline < info.pointee.output_height {
            row = output + Int(info.pointee.output_scanline) * stride
            _ = jpeg_read_scanlines(info, &row, 1)
        }
        _ = jpeg_finish_decompress(info)
    }

    static func message(_ common: j_common_ptr) -> String {
        var buffer = [CChar](repeating: 0, count: Int(JMSG_LENGTH_MAX) + 1)
        common.pointee.err.pointee.format_message(common, &buffer)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs on the caller's thread after the decoding thread finished or parked.
    func release() {
        if created { jpeg_destroy_decompress(info) }
        info.deallocate()
        errors.deallocate()
    }
}
