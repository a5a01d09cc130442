// Maps boxes from network-input pixels back to the original image, for the three ways an image is
// brought to the input size: plain resize (stretch), letterbox (uniform scale + padding) and
// center crop (uniform scale, then cut). Per axis: original = (input − offset) / scale, then
// clipped to the original image. Takes plain numbers (e.g. NpucImages' LetterboxGeometry fields).

public struct InputGeometry: Hashable, Sendable, Codable {
    /// Input pixels per original pixel, per axis.
    public var scaleX: Double
    public var scaleY: Double
    /// Where the original image's origin lands in the input (padding > 0, crop < 0).
    public var offsetX: Double
    public var offsetY: Double
    public var sourceWidth: Int
    public var sourceHeight: Int

    public init(scaleX: Double, scaleY: Double, offsetX: Double, offsetY: Double, sourceWidth: Int, sourceHeight: Int) {
        self.scaleX = scaleX
        self.scaleY = scaleY
        self.offsetX = offsetX
        self.offsetY = offsetY
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
    }

    /// The image was resized to exactly the input size (aspect ratio not kept).
    public static func resize(sourceWidth: Int, sourceHeight: Int, inputWidth: Int, inputHeight: Int) -> InputGeometry {
        InputGeometry(scaleX: Double(inputWidth) / Double(max(sourceWidth, 1)),
                      scaleY: Double(inputHeight) / Double(max(sourceHeight, 1)),
                      offsetX: 0, offsetY: 0, sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }

    /// The image was resized to `resizedWidth`×`resizedHeight` and placed at (`padLeft`, `padTop`)
    /// on the input canvas (LetterboxGeometry's resizedWidth, resizedHeight, left, top).
    public static func letterbox(sourceWidth: Int, sourceHeight: Int, resizedWidth: Int, resizedHeight: Int,
                                 padLeft: Int, padTop: Int) -> InputGeometry {
        InputGeometry(scaleX: Double(resizedWidth) / Double(max(sourceWidth, 1)),
                      scaleY: Double(resizedHeight) / Double(max(sourceHeight, 1)),
                      offsetX: Double(padLeft), offsetY: Double(padTop),
                      sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }

    /// The image was resized to `resizedWidth`×`resizedHeight` and the input cut from it starting
    /// at (`cropLeft`, `cropTop`) (CenterCropGeometry's fields).
    public static func centerCrop(sourceWidth: Int, sourceHeight: Int, resizedWidth: Int, resizedHeight: Int,
                                  cropLeft: Int, cropTop: Int) -> InputGeometry {
        InputGeometry(scaleX: Double(resizedWidth) / Double(max(sourceWidth, 1)),
                      scaleY: Double(resizedHeight) / Double(max(sourceHeight, 1)),
                      offsetX: -Double(cropLeft), offsetY: -Double(cropTop),
                      sourceWidth: sourceWidth, sourceHeight: sourceHeight)
    }

    /// `box` (input pixels) in original-image pixels, clipped to the original image.
    public func toSource(_ box: BoundingBox) -> BoundingBox {
        BoundingBox(x1: (box.x1 - offsetX) / scaleX, y1: (box.y1 - offsetY) / scaleY,
                    x2: (box.x2 - offsetX) / scaleX, y2: (box.y2 - offsetY) / scaleY)
            .clipped(width: Double(sourceWidth), height: Double(sourceHeight))
    }

    /// `detection` with its box in original-image pixels.
    public func toSource(_ detection: Detection) -> Detection {
        var mapped = detection
        mapped.box = toSource(detection.box)
        return mapped
    }
}
