// Mapping boxes from network-input pixels back to the original image (letterbox, resize, crop).

import Testing
@testable import NpucRuntime

struct InputGeometryTests {
    @Test func letterbox() {
        // 1280×960 into 640×640: scale 0.5, resized 640×480, 80 rows of padding on top.
        let g = InputGeometry.letterbox(sourceWidth: 1280, sourceHeight: 960, resizedWidth: 640, resizedHeight: 480, padLeft: 0, padTop: 80)
        #expect(g.toSource(box(100, 180, 300, 280)) == box(200, 200, 600, 400))
        // Parts in the padding or beyond the image are clipped to it.
        #expect(g.toSource(box(-10, 40, 700, 600)) == box(0, 0, 1280, 960))
    }

    @Test func resizeScalesEachAxis() {
        // 1280×320 stretched to 640×640: x halves, y doubles.
        let g = InputGeometry.resize(sourceWidth: 1280, sourceHeight: 320, inputWidth: 640, inputHeight: 640)
        #expect(g.toSource(box(64, 64, 320, 128)) == box(128, 32, 640, 64))
        let d = g.toSource(detection(box(64, 64, 320, 128), 0.7, class: 3, anchor: 9))
        #expect(d == detection(box(128, 32, 640, 64), 0.7, class: 3, anchor: 9))
    }

    @Test func centerCropAddsTheCutOffset() {
        // 800×600 → resized 853×640, 640×640 cut starting at column 106.
        let g = InputGeometry.centerCrop(sourceWidth: 800, sourceHeight: 600, resizedWidth: 853, resizedHeight: 640, cropLeft: 106, cropTop: 0)
        let b = g.toSource(box(0, 0, 640, 640))
        #expect(abs(b.x1 - 106 * 800.0 / 853) < 1e-9 && abs(b.x2 - 746 * 800.0 / 853) < 1e-9)
        #expect(b.y1 == 0 && b.y2 == 600)
    }
}
