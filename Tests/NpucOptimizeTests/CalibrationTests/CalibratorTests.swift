// The calibrator: its statistics equal a brute-force recomputation from every observed tensor,
// do not depend on how many samples run at once, histograms (built in the same single pass) equal
// binning every observed element at once, progress is reported per batch, and NaN produced by the
// model is reported with the value, node and sample.

import Foundation
import NpucExecutor
import NpucGraph
import NpucOptimize
import Testing

@Suite("Calibrator")
struct CalibratorTests {
    /// conv → SiLU → conv → ReLU (outputs the ReLU) over a 1×3×8×8 input.
    static func network() throws -> Graph {
        var b = NetBuilder(seed: 77)
        let x = b.input("images", [1, 3, 8, 8])
        let c1 = try b.conv("conv1", x, out: 4)
        let s = try b.activation("silu1", .silu, c1)
        let c2 = try b.conv("conv2", s, out: 3, stride: 2)
        b.output(try b.activation("relu1", .relu, c2))
        return b.graph
    }

    static let data = CalibrationData.random(count: 7, seed: 5, range: 0...255)

    @Test("min, max, count and sums equal a brute-force pass over every observed tensor")
    func bruteForce() throws {
        let graph = try Self.network()
        let samples = try Self.data.open(for: graph)
        let result = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: 1)).collect(samples)
        var expected: [String: (min: Float, max: Float, sum: Double, count: Int)] = [:]
        let executor = try FloatExecutor(graph)
        for i in 0..<samples.count {
            _ = try executor.run(["images": try samples.input(i)]) { id, tensor in
                let f = tensor.floats
                var e = expected[graph[id].name] ?? (.infinity, -.infinity, 0, 0)
                e.min = min(e.min, f.min()!)
                e.max = max(e.max, f.max()!)
                e.sum += f.reduce(0.0) { $0 + Double($1) }
                e.count += f.count
                expected[graph[id].name] = e
            }
        }
        #expect(Set(result.statistics.keys) == Set(expected.keys))
        #expect(result.statistics.keys.sorted() == ["conv1_out", "conv2_out", "images", "relu1_out", "silu1_out"])
        for (name, e) in expected {
            let s = try #require(result.statistics[name])
            #expect(s.min == Double(e.min) && s.max == Double(e.max) && s.count == e.count, "\(name)")
            #expect(abs(s.sum - e.sum) <= 1e-5 * max(abs(e.sum), 1), "\(name): \(s.sum) vs \(e.sum)")
        }
        #expect(result.samples == 7)
        #expect(result.statistics["relu1_out"]!.min == 0)
        #expect(result.ranges["images"] == result.statistics["images"]!.min...result.statistics["images"]!.max)
    }

    @Test("the same statistics and histograms whatever the number of samples in flight and the batch size")
    func deterministic() throws {
        let graph = try Self.network()
        let samples = try Self.data.open(for: graph)
        var results: [[String: ValueStatistics]] = []
        for (parallel, batch) in [(1, 8), (2, 8), (3, 2), (2, 1), (7, 7)] {
            let calibrator = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: parallel, batchSize: batch, histogramBins: 64))
            results.append(try calibrator.collect(samples, histograms: nil).statistics)
        }
        #expect(results[0].values.allSatisfy { $0.histogram != nil })
        for r in results.dropFirst() { #expect(r == results[0]) }
    }

    @Test("one pass: histograms enclose [min, max], count every element and equal binning all the observed values at once; only the values asked for get one")
    func histograms() throws {
        let graph = try Self.network()
        let samples = try Self.data.open(for: graph)
        var observed: [String: [Float]] = [:]
        let executor = try FloatExecutor(graph)
        for i in 0..<samples.count {
            _ = try executor.run(["images": try samples.input(i)]) { id, tensor in observed[graph[id].name, default: []] += tensor.floats }
        }
        for parallel in [1, 2] {
            var runs = 0
            let calibrator = try Calibrator(graph: graph, options: CalibrationOptions(parallelSamples: parallel, batchSize: 2, histogramBins: 100))
            let result = try calibrator.collect(samples, histograms: ["silu1_out", "images", "conv2_out"]) { runs = $0.done }
            #expect(runs == samples.count)
            for name in ["silu1_out", "images", "conv2_out"] {
                let stats = try #require(result.statistics[name])
                let h = try #require(stats.histogram, "\(name)")
                #expect(h.total == stats.count && h.binCount <= 200 && h.binCount > 100, "\(name): \(h.binCount) bins")
                #expect(h.lowerBound <= stats.min && stats.min < h.lowerBound + h.binWidth, "\(name)")
                #expect(h.upperBound > stats.max && stats.max >= h.upperBound - h.binWidth, "\(name)")
                // Binning every observed element in one go, at the width of [min, max].
                let values = try #require(observed[name])
                let e = GrowingHistogram.widthExponent(min: values.min()!, max: values.max()!, maxBins: 200)
                var direct = GrowingHistogram(maxBins: 200)
                direct.add(values)
                #expect(h.binWidth == Foundation.pow(2.0, Double(e)))
                #expect(direct.histogram == h, "\(name), \(parallel) in flight")
                var counts = [Int](repeating: 0, count: h.binCount)
                for v in values { counts[Int((Double(v) / h.binWidth).rounded(.down) - h.lowerBound / h.binWidth)] += 1 }
                #expect(counts == h.counts, "\(name)")
            }
            #expect(result.statistics["conv1_out"]?.histogram == nil)
            #expect(result.statistics["relu1_out"]?.histogram == nil)
        }
    }

    @Test("progress is reported after every batch, on the calling thread; histograms add no second pass")
    func progress() throws {
        let graph = try Self.network()
        let samples = try Self.data.open(for: graph)
        var steps: [CalibrationStep] = []
        _ = try Calibrator(graph: graph, options: CalibrationOptions(batchSize: 3)).collect(samples, histograms: nil) { steps.append($0) }
        #expect(steps.map(\.done) == [3, 6, 7])
        #expect(steps.allSatisfy { $0.total == 7 })
    }

    @Test("only the values asked for are tracked")
    func selectedValues() throws {
        let graph = try Self.network()
        let samples = try Self.data.open(for: graph)
        let result = try Calibrator(graph: graph, options: CalibrationOptions(values: ["conv1_out", "relu1_out"])).collect(samples)
        #expect(result.statistics.keys.sorted() == ["conv1_out", "relu1_out"])
    }

    @Test("NaN computed by the model names the value, the node and the first sample, whatever the parallelism")
    func nonFiniteActivation() throws {
        var b = NetBuilder()
        let x = b.input("x", [1, 1, 2, 2])
        b.output(try b.activation("sqrt1", .sqrt, x))
        var values = [Float](repeating: 4, count: 5 * 4)
        values[3 * 4 + 1] = -1
        values[4 * 4] = -2
        let samples = try CalibrationData.tensor(Tensor(shape: [5, 1, 2, 2], float32: values)).open(for: b.graph)
        for parallel in [1, 2] {
            #expect(throws: CalibrationError.nonFiniteActivation(value: "sqrt1_out", node: "onnx/sqrt1", sample: 3)) {
                try Calibrator(graph: b.graph, options: CalibrationOptions(parallelSamples: parallel, batchSize: 8)).collect(samples)
            }
        }
    }

    @Test("NaN in the data stops calibration naming the source and sample")
    func nonFiniteData() throws {
        let graph = try Self.network()
        var values = [Float](repeating: 1, count: 4 * 192)
        values[2 * 192 + 5] = .infinity
        let samples = try CalibrationData.tensor(Tensor(shape: [4, 3, 8, 8], float32: values), name: "pages").open(for: graph)
        #expect(throws: CalibrationError.nonFiniteSample(source: "pages", sample: 2)) { try Calibrator(graph: graph).collect(samples) }
    }

    @Test("the input summary holds each channel's min, max and mean")
    func inputSummary() throws {
        let graph = try Self.network()
        var values: [Float] = []
        for sample in 0..<2 { for c in 0..<3 { for p in 0..<64 { values.append(Float(c * 100 + (p % 8) + sample)) } } }
        let samples = try CalibrationData.tensor(Tensor(shape: [2, 3, 8, 8], float32: values)).open(for: graph)
        let summary = try Calibrator(graph: graph).collect(samples).input
        #expect(summary.channels.map(\.min) == [0, 100, 200])
        #expect(summary.channels.map(\.max) == [8, 108, 208])
        #expect(summary.channels.map(\.mean) == [4, 104, 204])
    }
}

@Suite("InputChecks")
struct InputChecksTests {
    static func summary(_ ranges: [(Double, Double, Double)]) -> InputSummary {
        InputSummary(channels: ranges.map { InputSummary.Channel(min: $0.0, max: $0.1, mean: $0.2) })
    }

    static let pixels = summary([(0, 255, 120), (0, 255, 118), (0, 255, 110)])
    static let unit = summary([(0, 1, 0.47), (0, 1, 0.46), (0, 1, 0.43)])

    @Test("0..255 data with a normalization meant for 0..1 data, or without any normalization, is flagged")
    func pixelsIntoUnitModel() {
        let imagenet = CalibrationExpectation(normalizationMean: [0.485, 0.456, 0.406], normalizationStd: [0.229, 0.224, 0.225])
        let w = InputChecks.warnings(Self.pixels, expecting: imagenet, source: "calib.npy")
        #expect(w.count == 1 && w[0].contains("calib.npy") && w[0].contains("0..255") && w[0].contains("0..1"))
        let none = InputChecks.warnings(Self.pixels, expecting: CalibrationExpectation(), source: "calib.npy")
        #expect(none.count == 1 && none[0].contains("normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])"))
        #expect(InputChecks.warnings(Self.pixels, expecting: CalibrationExpectation(rawPixelsExpected: true), source: "s").isEmpty)
    }

    @Test("data matching the normalization passes; 0..1 data divided by 255 is flagged")
    func matching() {
        let yolo = CalibrationExpectation(normalizationMean: [0, 0, 0], normalizationStd: [255, 255, 255])
        #expect(InputChecks.warnings(Self.pixels, expecting: yolo, source: "s").isEmpty)
        let scaled = InputChecks.warnings(Self.unit, expecting: yolo, source: "s")
        #expect(scaled.count == 1 && scaled[0].contains("0..255 pixels"))
        #expect(InputChecks.warnings(Self.unit, expecting: CalibrationExpectation(), source: "s").isEmpty)
    }

    @Test("blue clearly above red is flagged when the expected channel order is known")
    func channelOrder() {
        // Natural images: red averages above blue. In RGB order red is channel 0, in BGR channel 2.
        let rgbData = Self.summary([(0, 255, 160), (0, 255, 120), (0, 255, 100)])
        let bgrData = Self.summary([(0, 255, 100), (0, 255, 120), (0, 255, 160)])
        var expectation = CalibrationExpectation(normalizationMean: [0, 0, 0], normalizationStd: [255, 255, 255], channelOrder: .rgb)
        #expect(InputChecks.warnings(rgbData, expecting: expectation, source: "s").isEmpty)
        let w = InputChecks.warnings(bgrData, expecting: expectation, source: "s")
        #expect(w.count == 1 && w[0].contains("suggests BGR") && w[0].contains("expects RGB"))
        expectation.channelOrder = .bgr
        #expect(InputChecks.warnings(bgrData, expecting: expectation, source: "s").isEmpty)
        #expect(InputChecks.warnings(rgbData, expecting: expectation, source: "s").first?.contains("suggests RGB") == true)
        // Gray-ish data (document pages) and an unknown order give no warning.
        #expect(InputChecks.warnings(Self.pixels, expecting: expectation, source: "s").isEmpty)
        #expect(InputChecks.warnings(bgrData, expecting: CalibrationExpectation(normalizationMean: [0], normalizationStd: [255]), source: "s").isEmpty)
    }

    @Test("constant data is flagged")
    func constant() {
        let flat = Self.summary([(7, 7, 7), (7, 7, 7), (7, 7, 7)])
        #expect(InputChecks.warnings(flat, expecting: CalibrationExpectation(), source: "s").first?.contains("constant") == true)
    }
}
