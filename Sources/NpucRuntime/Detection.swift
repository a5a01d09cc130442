// One detected object: box in network-input pixels, score, class, and the anchor it came from
// (which makes every ordering in decoding, NMS and evaluation deterministic).

public struct Detection: Hashable, Sendable, Codable {
    public var box: BoundingBox
    /// Class confidence in [0, 1] (YOLOv8: sigmoid of the class logit; YOLOv5/YOLOX: objectness × class).
    public var score: Double
    public var classIndex: Int
    /// Position of the anchor in decoding order: branch by branch (the head's order), then row,
    /// column and anchor within the cell. Ties in score are broken by the smaller index.
    public var anchorIndex: Int

    public init(box: BoundingBox, score: Double, classIndex: Int, anchorIndex: Int) {
        self.box = box
        self.score = score
        self.classIndex = classIndex
        self.anchorIndex = anchorIndex
    }

    /// Score descending, then anchor index ascending: the order NMS visits candidates in.
    static func nmsOrder(_ a: Detection, _ b: Detection) -> Bool {
        if a.score != b.score { return a.score > b.score }
        return a.anchorIndex < b.anchorIndex
    }

    /// Score descending, then class ascending, then anchor index ascending: the order of a
    /// post-processed detection list.
    static func outputOrder(_ a: Detection, _ b: Detection) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.classIndex != b.classIndex { return a.classIndex < b.classIndex }
        return a.anchorIndex < b.anchorIndex
    }
}
