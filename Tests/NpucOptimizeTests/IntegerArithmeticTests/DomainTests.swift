// Domains from ranges, quantizing and dequantizing, weights, biases and lookup tables, checked
// against the formulas of docs/QUANTIZATION.md on hand-computed values.

import Foundation
import NpucGraph
import NpucOptimize
import Testing

@Suite("Domains, weights, biases and tables")
struct DomainTests {
    @Test("domains from ranges: zero is included and representable, degenerate ranges widen")
    func domainsFromRanges() throws {
        let unit = try QuantDomain(range: 0...1, bits: 8)
        #expect(unit.scale == 1.0 / 255 && unit.zeroPoint == 0)
        let symmetric = try QuantDomain(range: -1...1, bits: 8)
        #expect(symmetric.scale == 2.0 / 255 && symmetric.zeroPoint == 128)  // 127.5 rounds away from zero
        let positive = try QuantDomain(range: 2...5, bits: 8)
        #expect(positive.scale == 5.0 / 255 && positive.zeroPoint == 0)
        let negative = try QuantDomain(range: -3 ... -1, bits: 8)
        #expect(negative.scale == 3.0 / 255 && negative.zeroPoint == 255)
        let negative16 = try QuantDomain(range: -3 ... -1, bits: 16)
        #expect(negative16.scale == 3.0 / 65535 && negative16.zeroPoint == 65535)
        let flat = try QuantDomain(range: 0...0, bits: 8)
        #expect(flat.scale == 1e-8 / 255 && flat.zeroPoint == 0)
        #expect(throws: QuantizationError.self) { try QuantDomain(range: -Double.infinity...0, bits: 8) }
        #expect(throws: QuantizationError.self) { try QuantDomain(range: 0...1, bits: 12) }
        for d in [unit, symmetric, positive, negative, negative16, flat] {
            #expect(d.dequantize(d.zeroPoint) == 0)
            #expect(d.isValid)
        }
    }

    @Test("quantize is Clamp(Z + RoundHalfAway(x / S), 0, Q); NaN maps to Z")
    func quantize() {
        let d = QuantDomain(bits: 8, scale: 0.5, zeroPoint: 10)
        #expect(d.quantize(1.25) == 13)      // 2.5 → 3
        #expect(d.quantize(-1.25) == 7)      // −2.5 → −3
        #expect(d.quantize(-100) == 0)
        #expect(d.quantize(1000) == 255)
        #expect(d.quantize(.nan) == 10)
        #expect(d.quantize(.infinity) == 255)
        let pixels = QuantDomain(bits: 8, scale: 1.0 / 255, zeroPoint: 0)
        for p in 0...255 { #expect(pixels.quantize(Double(Float(p) / 255)) == p) }
        let t = pixels.quantize(Tensor(shape: [2], float32: [0.5, 2]))
        #expect(t.dataType == .uint8 && t.int64s == [128, 255])
        #expect(pixels.dequantize(t).floats == [Float(128.0 / 255), 1])
    }

    @Test("weights: per-channel symmetric, an all-zero channel has scale 1, 4/8/16 bits, transposed-convolution channels")
    func weights() throws {
        let w = Tensor(shape: [3, 2], float32: [1, -0.5, 0, 0, 0.25, -0.1])
        let q8 = try WeightQuantization.quantize(w, layout: .outputChannelsFirst, bits: 8, what: "w")
        #expect(q8.scales == [1.0 / 127, 1, 0.25 / 127])
        #expect(q8.values == [127, -64, 0, 0, 127, Int32((-0.1 * 127 / 0.25).rounded(.toNearestOrAwayFromZero))])
        let q4 = try WeightQuantization.quantize(w, layout: .outputChannelsFirst, bits: 4, what: "w")
        #expect(q4.values == [7, -4, 0, 0, 7, -3])   // −0.5·7 = −3.5 → −4; −0.1·7/0.25 = −2.8 → −3
        let q16 = try WeightQuantization.quantize(w, layout: .outputChannelsFirst, bits: 16, what: "w")
        #expect(q16.values[0] == 32767 && q16.tensor.dataType == .int16)
        let clipped = try WeightQuantization.quantize(w, layout: .outputChannelsFirst, bits: 8, clip: [0.5, 0, 0.25], what: "w")
        #expect(clipped.values[0] == 127 && clipped.values[1] == -127 && clipped.scales[1] == 1)
        // ConvTranspose [C=2, M/g=1, k=2] with 2 groups: output channel = group.
        let t = Tensor(shape: [2, 1, 2], float32: [1, 2, -8, 4])
        let qt = try WeightQuantization.quantize(t, layout: .convTranspose(group: 2), bits: 8, what: "t")
        #expect(qt.scales == [2.0 / 127, 8.0 / 127])
        #expect(throws: QuantizationError.self) {
            try WeightQuantization.quantize(Tensor(shape: [1], float32: [.nan]), layout: .outputChannelsFirst, bits: 8, what: "bad")
        }
    }

    @Test("biases are RoundHalfAway(b / (Sx · Sw)); one that overflows the accumulator is refused naming the layer")
    func biases() throws {
        let b = Tensor(shape: [2], float32: [1.5, -0.75])
        let q = try WeightQuantization.quantizeBias(b, inputScale: 0.5, weightScales: [1, 0.25], accumulatorBits: 32, layer: "conv1")
        #expect(q == [3, -6])
        #expect(try WeightQuantization.quantizeBias(nil, inputScale: 1, weightScales: [1, 1, 1], accumulatorBits: 32, layer: "x") == [0, 0, 0])
        do {
            _ = try WeightQuantization.quantizeBias(Tensor(shape: [1], float32: [1e6]), inputScale: 1e-4, weightScales: [1e-4],
                                                    accumulatorBits: 32, layer: "conv7")
            Issue.record("an overflowing bias was accepted")
        } catch {
            #expect(error.message.contains("conv7") && error.message.contains("32-bit"))
        }
        #expect(try WeightQuantization.quantizeBias(Tensor(shape: [1], float32: [1e6]), inputScale: 1e-4, weightScales: [1e-4],
                                                    accumulatorBits: 64, layer: "conv7") == [100_000_000_000_000])
    }

    @Test("lookup tables follow the doc's formulas entry by entry")
    func tables() throws {
        let silu = Activation(.silu)
        let out = QuantDomain(bits: 8, scale: 0.05, zeroPoint: 20)
        let sPre = try LookupTables.preActivationScale(range: -3...5, what: "v")
        #expect(sPre == 5.0 / 32767)
        let table = LookupTables.epilogueTable(silu, preActivationScale: sPre, output: out)
        #expect(table.shape == [65536] && table.dataType == .uint8)
        let entries = table.int64s
        for i in stride(from: 0, to: 65536, by: 97) {
            let x = sPre * Double(i - 32768)
            let expected = min(max(20 + roundHalfAway(silu.applyDouble(x) / 0.05), 0), 255)
            #expect(entries[i] == Int64(expected), "entry \(i)")
        }
        #expect(try LookupTables.preActivationScale(range: 0...0, what: "v") == 1e-8 / 32767)
        let input = QuantDomain(bits: 8, scale: 0.1, zeroPoint: 100)
        let logTable = LookupTables.activationTable(Activation(.log), input: input, output: out).int64s
        #expect(logTable.count == 256)
        #expect(logTable[100] == 0)          // log 0 = −∞ saturates to 0
        #expect(logTable[50] == 20)          // log of a negative number is NaN, taken as 0 → Z
        #expect(logTable[110] == 20)         // log 1 = 0
        let e = LookupTables.softmaxExponentials(input: input, outputBits: 8).int64s
        #expect(e.count == 256 && e[0] == 65536 && e[10] == Int64(roundHalfAway(exp(-1.0) * 65536)))
        let e24 = LookupTables.softmaxExponentials(input: input, outputBits: 16).int64s
        #expect(e24[0] == 1 << 24 && e24[10] == Int64(roundHalfAway(exp(-1.0) * 0x1p24)))
    }
}
