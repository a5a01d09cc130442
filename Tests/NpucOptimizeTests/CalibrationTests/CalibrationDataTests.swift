// Calibration data sources: tensors, .npy files (NHWC and NCHW, uint8/float32/float64), image
// folders and seeded random data reach the graph input in its layout and type; wrong shapes, NaN,
// empty sets and ambiguous inputs are refused with the file, the shapes or the sample index.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import Testing

/// A one-conv graph over an N×C×H×W input.
func inputGraph(_ shape: [Int], seed: UInt64 = 1) throws -> Graph {
    var b = NetBuilder(seed: seed)
    let x = b.input("images", shape)
    b.output(try b.conv("conv1", x, out: 2))
    return b.graph
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appending(path: "npuc-calib-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func writeNpy(_ tensor: Tensor, to url: URL) throws {
    let writer = try NpyStreamWriter(destination: url, dataType: tensor.dataType, rowShape: Array(tensor.shape.dropFirst()))
    try writer.append(tensor)
    try writer.finish()
}

/// N×H×W×C values → N×C×H×W order.
func nhwcToNCHW(_ v: [Float], n: Int, h: Int, w: Int, c: Int) -> [Float] {
    var out = [Float](repeating: 0, count: v.count)
    for i in 0..<n { for y in 0..<h { for x in 0..<w { for k in 0..<c {
        out[((i * c + k) * h + y) * w + x] = v[((i * h + y) * w + x) * c + k]
    } } } }
    return out
}

@Suite("CalibrationData")
struct CalibrationDataTests {
    static let pixels: [UInt8] = (0..<360).map { (i: Int) -> UInt8 in
        let v: Int = (i * 37 + 11) % 256
        return UInt8(v)
    }

    @Test("a uint8 NHWC tensor reaches an N×3×5×6 input transposed to NCHW and converted to float32")
    func tensorNHWC() throws {
        let graph = try inputGraph([1, 3, 5, 6])
        let data = Tensor(shape: [4, 5, 6, 3], storage: .uint8(Self.pixels))
        let samples = try CalibrationData.tensor(data).open(for: graph)
        #expect(samples.count == 4 && samples.inputName == "images" && samples.warnings.isEmpty)
        let expected = nhwcToNCHW(Self.pixels.map(Float.init), n: 4, h: 5, w: 6, c: 3)
        for i in 0..<4 {
            let t = try samples.input(i)
            #expect(t.shape == [1, 3, 5, 6] && t.dataType == .float32)
            #expect(t.floats == Array(expected[(i * 90)..<((i + 1) * 90)]))
        }
    }

    @Test("NCHW tensors are taken as they are; C = H = W is read as NHWC unless NCHW is asked for")
    func layouts() throws {
        let values = (0..<(2 * 3 * 5 * 6)).map { Float($0) }
        let nchw = try CalibrationData.tensor(Tensor(shape: [2, 3, 5, 6], float32: values)).open(for: try inputGraph([1, 3, 5, 6]))
        #expect(try nchw.input(1).floats == Array(values[90...]))
        let cube = (0..<(2 * 27)).map { Float($0) }
        let graph = try inputGraph([1, 3, 3, 3])
        let automatic = try CalibrationData.tensor(Tensor(shape: [2, 3, 3, 3], float32: cube)).open(for: graph)
        #expect(try automatic.input(0).floats == Array(nhwcToNCHW(cube, n: 2, h: 3, w: 3, c: 3)[0..<27]))
        let asked = try CalibrationData.tensor(Tensor(shape: [2, 3, 3, 3], float32: cube), layout: .nchw).open(for: graph)
        #expect(try asked.input(0).floats == Array(cube[0..<27]))
    }

    @Test(".npy files: uint8 NHWC (npuc calib-set), float32 NCHW and the walkthrough's float64 NHWC give the same samples")
    func npyFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let graph = try inputGraph([1, 3, 5, 6])
        let floats = Self.pixels.map(Float.init)
        let expected = nhwcToNCHW(floats, n: 4, h: 5, w: 6, c: 3)
        let u8 = folder.appending(path: "u8.npy"), f32 = folder.appending(path: "f32.npy"), f64 = folder.appending(path: "f64.npy")
        try writeNpy(Tensor(shape: [4, 5, 6, 3], storage: .uint8(Self.pixels)), to: u8)
        try writeNpy(Tensor(shape: [4, 3, 5, 6], float32: expected), to: f32)
        try writeNpy(Tensor(shape: [4, 5, 6, 3], storage: .float64(floats.map(Double.init))), to: f64)
        for url in [u8, f32, f64] {
            let samples = try CalibrationData.npy(url).open(for: graph)
            #expect(samples.count == 4 && samples.source == url.path)
            for i in 0..<4 { #expect(try samples.input(i).floats == Array(expected[(i * 90)..<((i + 1) * 90)]), "\(url.lastPathComponent) sample \(i)") }
        }
        let limited = try CalibrationData.npy(u8).open(for: graph, limit: 2)
        #expect(limited.count == 2)
    }

    @Test("rows of the wrong size are refused naming the file, the input and the shapes accepted")
    func shapeMismatch() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "calib.npy")
        try writeNpy(Tensor(shape: [2, 4, 6, 3], storage: .uint8(Array(repeating: 1, count: 144))), to: url)
        let graph = try inputGraph([1, 3, 5, 6])
        #expect(throws: CalibrationError.shapeMismatch(source: url.path, input: "images", inputShape: [1, 3, 5, 6],
                                                       expected: [[5, 6, 3], [3, 5, 6]], got: [4, 6, 3])) {
            try CalibrationData.npy(url).open(for: graph)
        }
        let message = CalibrationError.shapeMismatch(source: url.path, input: "images", inputShape: [1, 3, 5, 6],
                                                     expected: [[5, 6, 3], [3, 5, 6]], got: [4, 6, 3]).description
        #expect(message.contains("calib.npy") && message.contains("4×6×3") && message.contains("5×6×3 or 3×5×6"))
        #expect(throws: CalibrationError.self) {
            try CalibrationData.tensor(Tensor(shape: [2, 3, 5, 6], float32: Array(repeating: 0, count: 180)), layout: .nhwc).open(for: graph)
        }
    }

    @Test("NaN or infinity is refused naming the file and the sample")
    func nonFinite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "nan.npy")
        var values = [Float](repeating: 0.5, count: 3 * 90)
        values[2 * 90 + 17] = .nan
        try writeNpy(Tensor(shape: [3, 3, 5, 6], float32: values), to: url)
        let samples = try CalibrationData.npy(url).open(for: try inputGraph([1, 3, 5, 6]))
        _ = try samples.input(1)
        #expect(throws: CalibrationError.nonFiniteSample(source: url.path, sample: 2)) { try samples.input(2) }
        var infinite = values
        infinite[2 * 90 + 17] = 1
        infinite[5] = -.infinity
        let t = try CalibrationData.tensor(Tensor(shape: [3, 3, 5, 6], float32: infinite), name: "calib_dataset").open(for: try inputGraph([1, 3, 5, 6]))
        #expect(throws: CalibrationError.nonFiniteSample(source: "calib_dataset", sample: 0)) { try t.input(0) }
    }

    @Test("an empty set, a zero limit and a model with two inputs are refused")
    func emptyAndInputs() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appending(path: "empty.npy")
        let writer = try NpyStreamWriter(destination: url, dataType: .uint8, rowShape: [5, 6, 3])
        try writer.finish()
        let graph = try inputGraph([1, 3, 5, 6])
        #expect(throws: CalibrationError.empty(source: url.path)) { try CalibrationData.npy(url).open(for: graph) }
        #expect(throws: CalibrationError.self) { try CalibrationData.random(count: 0).open(for: graph) }
        #expect(throws: CalibrationError.self) { try CalibrationData.random(count: 3).open(for: graph, limit: 0) }
        var b = NetBuilder()
        _ = b.input("a", [1, 3, 4, 4])
        let second = b.input("b", [1, 3, 4, 4])
        b.output(try b.conv("conv1", second, out: 2))
        #expect(throws: CalibrationError.self) { try CalibrationData.random(count: 2).open(for: b.graph) }
        #expect(try CalibrationData.random(count: 2).open(for: b.graph, input: "b").count == 2)
    }

    @Test("random data is seeded per sample and lies in its range")
    func random() throws {
        let graph = try inputGraph([1, 3, 5, 6])
        let a = try CalibrationData.random(count: 3, seed: 9, range: 0...255).open(for: graph)
        let b = try CalibrationData.random(count: 3, seed: 9, range: 0...255).open(for: graph)
        let c = try CalibrationData.random(count: 3, seed: 10, range: 0...255).open(for: graph)
        #expect(try a.input(2) == b.input(2))
        #expect(try a.input(2) != a.input(1))
        #expect(try a.input(0) != c.input(0))
        let values = try a.input(1).floats
        #expect(values.allSatisfy { $0 >= 0 && $0 <= 255 } && Set(values).count > 80)
    }

    @Test("an input with a batch of 2 takes two samples per run; a leftover sample is reported")
    func batchedInput() throws {
        let graph = try inputGraph([2, 3, 5, 6])
        let values = (0..<(5 * 90)).map { Float($0 % 251) }
        let samples = try CalibrationData.tensor(Tensor(shape: [5, 3, 5, 6], float32: values)).open(for: graph)
        #expect(samples.count == 2 && samples.rowsPerRun == 2 && samples.sampleCount == 4)
        #expect(samples.warnings.count == 1 && samples.warnings[0].contains("last 1 of 5"))
        #expect(try samples.input(1).floats == Array(values[180..<360]))
    }

    @Test("a folder of images becomes samples at the input's size; unusable files are reported, not fatal")
    func imageFolder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fixtures = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Fixtures/images")
        for name in ["document.jpg", "photo-444.jpg", "rgb8.png", "bad-text.jpg"] {
            try FileManager.default.copyItem(at: fixtures.appending(path: name), to: folder.appending(path: name))
        }
        let graph = try inputGraph([1, 3, 16, 24])
        let samples = try CalibrationData.imageFolder(folder).open(for: graph)
        #expect(samples.count == 3)
        #expect(samples.warnings.count == 1 && samples.warnings[0].contains("bad-text.jpg"))
        let first = try samples.input(0)
        #expect(first.shape == [1, 3, 16, 24])
        #expect(first.floats.allSatisfy { $0 >= 0 && $0 <= 255 && $0 == $0.rounded() })
        #expect(Set(first.floats).count > 10)
        let capped = try CalibrationData.imageFolder(folder, maxImages: 2).open(for: graph)
        #expect(capped.count == 2)
    }
}
