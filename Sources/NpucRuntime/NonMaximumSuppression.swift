// Per-class greedy non-maximum suppression, deterministic. Within each class, candidates are
// visited by score descending (ties: smaller anchor index first); a candidate is kept unless its
// IoU with an already kept box of the same class is > the IoU threshold; at most
// `maxPerClass` are kept per class. The kept boxes of all classes are then ordered by score
// descending (ties: smaller class, then smaller anchor index) and cut to `maxTotal`.

public enum NonMaximumSuppression {
    public static func perClass(_ candidates: [Detection], iouThreshold: Double, maxPerClass: Int,
                                maxTotal: Int? = nil) -> [Detection] {
        var byClass: [Int: [Detection]] = [:]
        for candidate in candidates { byClass[candidate.classIndex, default: []].append(candidate) }
        var kept: [Detection] = []
        for classIndex in byClass.keys.sorted() {
            let ordered = byClass[classIndex]!.sorted(by: Detection.nmsOrder)
            var keptHere: [Detection] = []
            for candidate in ordered {
                if keptHere.count >= maxPerClass { break }
                let suppressed = keptHere.contains { $0.box.intersectionOverUnion(candidate.box) > iouThreshold }
                if !suppressed { keptHere.append(candidate) }
            }
            kept += keptHere
        }
        kept.sort(by: Detection.outputOrder)
        if let total = maxTotal, kept.count > total { kept.removeLast(kept.count - total) }
        return kept
    }
}
