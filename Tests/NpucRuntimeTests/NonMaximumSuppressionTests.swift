// Per-class NMS: suppression above (not at) the IoU threshold, classes kept apart, ties broken by
// anchor index whatever the input order, per-class and total caps, and the output order.

import Testing
@testable import NpucRuntime

struct NonMaximumSuppressionTests {
    @Test func intersectionOverUnionByHand() {
        // 10×10 boxes shifted by 1: intersection 9·10 = 90, union 100 + 100 − 90 = 110.
        #expect(box(0, 0, 10, 10).intersectionOverUnion(box(1, 0, 11, 10)) == 90.0 / 110.0)
        #expect(box(0, 0, 10, 10).intersectionOverUnion(box(10, 0, 20, 10)) == 0)   // touching edges
        #expect(box(0, 0, 10, 10).intersectionOverUnion(box(0, 0, 10, 5)) == 0.5)
        #expect(box(3, 3, 3, 3).intersectionOverUnion(box(3, 3, 3, 3)) == 0)          // empty union
    }

    @Test func overlapAboveThresholdIsSuppressed() {
        let a = detection(box(0, 0, 10, 10), 0.9, anchor: 5)
        let b = detection(box(1, 0, 11, 10), 0.8, anchor: 2)   // IoU 0.818 with a
        #expect(NonMaximumSuppression.perClass([b, a], iouThreshold: 0.7, maxPerClass: 10) == [a])
        #expect(NonMaximumSuppression.perClass([b, a], iouThreshold: 0.85, maxPerClass: 10) == [a, b])
    }

    @Test func iouEqualToThresholdIsKept() {
        let a = detection(box(0, 0, 10, 10), 0.9, anchor: 0)
        let b = detection(box(0, 0, 10, 5), 0.8, anchor: 1)    // IoU exactly 0.5
        #expect(NonMaximumSuppression.perClass([a, b], iouThreshold: 0.5, maxPerClass: 10) == [a, b])
        #expect(NonMaximumSuppression.perClass([a, b], iouThreshold: 0.49, maxPerClass: 10) == [a])
    }

    @Test func classesAreSuppressedSeparately() {
        let a = detection(box(0, 0, 10, 10), 0.9, class: 0, anchor: 0)
        let b = detection(box(0, 0, 10, 10), 0.8, class: 1, anchor: 0)
        let c = detection(box(0, 0, 10, 10), 0.7, class: 1, anchor: 1)
        #expect(NonMaximumSuppression.perClass([c, b, a], iouThreshold: 0.5, maxPerClass: 10) == [a, b])
    }

    @Test func equalScoresKeepTheSmallerAnchorIndex() {
        let first = detection(box(0, 0, 10, 10), 0.6, anchor: 3)
        let second = detection(box(0, 1, 10, 11), 0.6, anchor: 7)
        #expect(NonMaximumSuppression.perClass([second, first], iouThreshold: 0.5, maxPerClass: 10) == [first])
        #expect(NonMaximumSuppression.perClass([first, second], iouThreshold: 0.5, maxPerClass: 10) == [first])
    }

    @Test func capsPerClassAndInTotal() {
        // Disjoint boxes: nothing overlaps, only the caps cut.
        let ds: [Detection] = (0..<4).map { (i: Int) -> Detection in
            let left = Double(20 * i)
            return detection(box(left, 0, left + 10, 10), 0.5 + 0.1 * Double(i), class: i % 2, anchor: i)
        }
        // Class 0 holds anchors 0, 2 (0.5, 0.7); class 1 holds 1, 3 (0.6, 0.8).
        let perClass = NonMaximumSuppression.perClass(ds, iouThreshold: 0.5, maxPerClass: 1)
        #expect(perClass.map(\.anchorIndex) == [3, 2])
        let total = NonMaximumSuppression.perClass(ds, iouThreshold: 0.5, maxPerClass: 10, maxTotal: 3)
        #expect(total.map(\.anchorIndex) == [3, 2, 1])
    }

    @Test func outputOrderBreaksScoreTiesByClassThenAnchor() {
        let x = detection(box(0, 0, 1, 1), 0.5, class: 2, anchor: 0)
        let y = detection(box(5, 5, 6, 6), 0.5, class: 1, anchor: 9)
        let z = detection(box(9, 9, 10, 10), 0.5, class: 1, anchor: 4)
        #expect(NonMaximumSuppression.perClass([x, y, z], iouThreshold: 0.5, maxPerClass: 10) == [z, y, x])
    }

    @Test func suppressedBoxDoesNotSuppressOthers() {
        // a suppresses b; b would suppress c, but b is gone and c does not overlap a enough.
        let a = detection(box(0, 0, 10, 10), 0.9, anchor: 0)
        let b = detection(box(4, 0, 14, 10), 0.8, anchor: 1)   // IoU(a, b) = 60/140 = 0.43
        let c = detection(box(8, 0, 18, 10), 0.7, anchor: 2)   // IoU(a, c) = 20/180, IoU(b, c) = 0.43
        #expect(NonMaximumSuppression.perClass([a, b, c], iouThreshold: 0.4, maxPerClass: 10) == [a, c])
    }
}
