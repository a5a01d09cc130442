// An axis-aligned box in pixel coordinates (corners x1 ≤ x2, y1 ≤ y2, continuous coordinates as
// in COCO: no +1 on widths) and the intersection-over-union that NMS and mAP matching use.

public struct BoundingBox: Hashable, Sendable, Codable {
    public var x1: Double
    public var y1: Double
    public var x2: Double
    public var y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// A box from its center and size.
    public init(centerX: Double, centerY: Double, width: Double, height: Double) {
        self.init(x1: centerX - width / 2, y1: centerY - height / 2, x2: centerX + width / 2, y2: centerY + height / 2)
    }

    public var width: Double { max(0, x2 - x1) }
    public var height: Double { max(0, y2 - y1) }
    public var area: Double { width * height }

    /// Intersection over union; 0 when the union is empty (two degenerate boxes).
    public func intersectionOverUnion(_ other: BoundingBox) -> Double {
        let w = min(x2, other.x2) - max(x1, other.x1)
        let h = min(y2, other.y2) - max(y1, other.y1)
        guard w > 0, h > 0 else { return 0 }
        let intersection = w * h
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }

    /// The box cut to [0, width] × [0, height].
    public func clipped(width: Double, height: Double) -> BoundingBox {
        BoundingBox(x1: min(max(x1, 0), width), y1: min(max(y1, 0), height),
                    x2: min(max(x2, 0), width), y2: min(max(y2, 0), height))
    }
}
