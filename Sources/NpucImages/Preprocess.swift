// Preprocessing of a decoded image into a model input row: plain resize, Ultralytics letterbox
// or center crop; RGB or BGR; uint8 or float32 (the same 0–255 values). docs/IMAGES.md describes
// each mode.

import NpucGraph

/// How an image is fitted to the model's input size.
public enum FitMode: String, Sendable, Hashable, CaseIterable {
    /// Resize to exactly the target size, ignoring the aspect ratio (cv2.resize(img, (W, H))).
    case resize
    /// Keep the aspect ratio, scale to fit, pad the rest with 114, centered (Ultralytics' LetterBox).
    case letterbox
    /// Keep the aspect ratio, scale so the shorter side fits, cut the middle (torchvision's
    /// Resize(shorter side) + CenterCrop).
    case crop
}

public enum ChannelOrder: String, Sendable, Hashable, CaseIterable {
    case rgb, bgr
}

public struct PreprocessOptions: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var fit: FitMode
    public var channelOrder: ChannelOrder
    /// `.uint8` or `.float32`.
    public var dataType: DataType
    /// The letterbox padding value.
    public var padValue: UInt8

    public init(width: Int, height: Int, fit: FitMode = .resize, channelOrder: ChannelOrder = .rgb,
                dataType: DataType = .uint8, padValue: UInt8 = 114) {
        precondition(width > 0 && height > 0, "preprocessing needs a positive size")
        precondition(dataType == .uint8 || dataType == .float32, "preprocessing writes uint8 or float32")
        self.width = width
        self.height = height
        self.fit = fit
        self.channelOrder = channelOrder
        self.dataType = dataType
        self.padValue = padValue
    }

    /// Shape of one row: [height, width, 3].
    public var rowShape: [Int] { [height, width, 3] }
    /// Bytes of one row.
    public var rowByteCount: Int { height * width * 3 * dataType.byteWidth }
}

/// Where a letterboxed image sits in its canvas (Ultralytics' arithmetic, including Python's
/// round-half-to-even), so detections can be mapped back to the original image.
public struct LetterboxGeometry: Sendable, Hashable {
    public let scale: Double
    public let resizedWidth: Int
    public let resizedHeight: Int
    public let top: Int, bottom: Int, left: Int, right: Int

    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int) {
        let r = min(Double(targetHeight) / Double(sourceHeight), Double(targetWidth) / Double(sourceWidth))
        scale = r
        resizedWidth = Int((Double(sourceWidth) * r).rounded(.toNearestOrEven))
        resizedHeight = Int((Double(sourceHeight) * r).rounded(.toNearestOrEven))
        let dw = Double(targetWidth - resizedWidth) / 2
        let dh = Double(targetHeight - resizedHeight) / 2
        top = Int((dh - 0.1).rounded(.toNearestOrEven))
        bottom = Int((dh + 0.1).rounded(.toNearestOrEven))
        left = Int((dw - 0.1).rounded(.toNearestOrEven))
        right = Int((dw + 0.1).rounded(.toNearestOrEven))
    }
}

/// The resize-then-cut arithmetic of the crop mode.
public struct CenterCropGeometry: Sendable, Hashable {
    public let resizedWidth: Int
    public let resizedHeight: Int
    public let top: Int, left: Int

    public init(sourceWidth: Int, sourceHeight: Int, targetWidth: Int, targetHeight: Int) {
        // Scale so both sides cover the target (for a square target: the shorter side fits).
        let r = max(Double(targetWidth) / Double(sourceWidth), Double(targetHeight) / Double(sourceHeight))
        resizedWidth = max(targetWidth, Int((Double(sourceWidth) * r).rounded(.toNearestOrEven)))
        resizedHeight = max(targetHeight, Int((Double(sourceHeight) * r).rounded(.toNearestOrEven)))
        top = Int((Double(resizedHeight - targetHeight) / 2).rounded(.toNearestOrEven))
        left = Int((Double(resizedWidth - targetWidth) / 2).rounded(.toNearestOrEven))
    }
}

public enum Preprocess {
    /// The image fitted to the options' size, still RGB uint8.
    public static func fit(_ image: RGBImage, _ options: PreprocessOptions) -> RGBImage {
        let w = options.width, h = options.height
        switch options.fit {
        case .resize:
            return BilinearResize.resize(image, width: w, height: h)
        case .letterbox:
            let g = LetterboxGeometry(sourceWidth: image.width, sourceHeight: image.height, targetWidth: w, targetHeight: h)
            // A canvas of the padding color; the top-left rounding may leave it larger than the
            // target by a pixel only if the target itself is odd-padded, which the rule avoids.
            let canvasW = g.resizedWidth + g.left + g.right, canvasH = g.resizedHeight + g.top + g.bottom
            precondition(canvasW == w && canvasH == h, "letterbox geometry does not add up")
            var canvas = [UInt8](repeating: options.padValue, count: w * h * 3)
            canvas.withUnsafeMutableBufferPointer { dst in
                let inner = UnsafeMutableBufferPointer(rebasing: dst[((g.top * w + g.left) * 3)...])
                if g.resizedWidth == image.width && g.resizedHeight == image.height {
                    image.pixels.withUnsafeBufferPointer { src in
                        let rowBytes = g.resizedWidth * 3
                        for y in 0..<g.resizedHeight {
                            UnsafeMutableBufferPointer(rebasing: inner[(y * w * 3)..<(y * w * 3 + rowBytes)])
                                .update(fromContentsOf: src[(y * rowBytes)..<((y + 1) * rowBytes)])
                        }
                    }
                } else {
                    // Resize straight into the canvas.
                    image.pixels.withUnsafeBufferPointer { src in
                        BilinearResize.resize(src, width: image.width, height: image.height, into: inner,
                                              width: g.resizedWidth, height: g.resizedHeight, rowStride: w * 3)
                    }
                }
            }
            return RGBImage(width: w, height: h, pixels: canvas)
        case .crop:
            let g = CenterCropGeometry(sourceWidth: image.width, sourceHeight: image.height, targetWidth: w, targetHeight: h)
            let resized = BilinearResize.resize(image, width: g.resizedWidth, height: g.resizedHeight)
            var out = [UInt8](repeating: 0, count: w * h * 3)
            for y in 0..<h {
                let from = ((g.top + y) * g.resizedWidth + g.left) * 3
                out.replaceSubrange((y * w * 3)..<((y + 1) * w * 3), with: resized.pixels[from..<(from + w * 3)])
            }
            return RGBImage(width: w, height: h, pixels: out)
        }
    }

    /// The row bytes the options call for (channel order applied; float32 little-endian).
    public static func rowBytes(_ fitted: RGBImage, _ options: PreprocessOptions) -> [UInt8] {
        precondition(fitted.width == options.width && fitted.height == options.height, "image not fitted")
        var pixels = fitted.pixels
        if options.channelOrder == .bgr {
            pixels.withUnsafeMutableBufferPointer { p in
                var i = 0
                while i < p.count { p.swapAt(i, i + 2); i += 3 }
            }
        }
        switch options.dataType {
        case .float32:
            var out = [UInt8](repeating: 0, count: pixels.count * 4)
            out.withUnsafeMutableBytes { raw in
                for (i, v) in pixels.enumerated() {
                    raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
            return out
        default:
            return pixels
        }
    }

    /// One model input row as a [height, width, 3] tensor.
    public static func tensor(_ image: RGBImage, _ options: PreprocessOptions) -> Tensor {
        let fitted = fit(image, options)
        var pixels = fitted.pixels
        if options.channelOrder == .bgr {
            var i = 0
            while i < pixels.count { pixels.swapAt(i, i + 2); i += 3 }
        }
        if options.dataType == .float32 {
            return Tensor(shape: options.rowShape, storage: .float32(pixels.map { Float($0) }))
        }
        return Tensor(shape: options.rowShape, storage: .uint8(pixels))
    }
}
