// Lookup tables (docs/QUANTIZATION.md): the 65,536-entry table of a lookup epilogue over the
// signed 16-bit pre-activation domain, the table of a standalone activation over every input
// integer, and the exponential table of softmax. All are built in double precision from the
// activation's definition (`Activation.applyDouble`).

import Foundation
import NpucGraph

public enum LookupTables {
    /// Entries of a lookup epilogue's table (one per int16 pre-activation).
    public static let preActivationEntries = 65536

    /// S_pre = max(|lo_pre|, |hi_pre|) / 32767 for the pre-activation range, with the magnitude
    /// widened to at least 1e-8 (as domains are) so the scale is never zero.
    public static func preActivationScale(range: ClosedRange<Double>, what: @autoclosure () -> String) throws(QuantizationError) -> Double {
        guard range.lowerBound.isFinite, range.upperBound.isFinite else {
            throw QuantizationError("\(what()) has the range [\(range.lowerBound), \(range.upperBound)]; ranges must be finite (NaN or infinity in the calibration data or weights?)")
        }
        let magnitude = Swift.max(range.lowerBound.magnitude, range.upperBound.magnitude, QuantDomain.minimumWidth)
        return magnitude / 32767
    }

    /// Clamp(Z + RoundHalfAway(y / S), 0, Q) for a real activation value y; a NaN value of the
    /// function (log or sqrt of a negative number) is taken as 0, ±∞ saturate.
    public static func quantizeActivationValue(_ y: Double, output: QuantDomain) -> Int {
        output.quantize(y.isNaN ? 0 : y)
    }

    /// LUT[i] = Clamp(Z_out + RoundHalfAway(f(S_pre · (i − 32768)) / S_out), 0, Q) for i in
    /// 0..<65536, as uint8 or uint16 entries by the output's bits.
    public static func epilogueTable(_ activation: Activation, preActivationScale: Double, output: QuantDomain) -> Tensor {
        let values = (0..<preActivationEntries).map { i in
            quantizeActivationValue(activation.applyDouble(preActivationScale * Double(i - 32768)), output: output)
        }
        return QuantDomain.tensor(shape: [preActivationEntries], values: values, bits: output.bits)
    }

    /// LUT[q] = Clamp(Z_out + RoundHalfAway(f(S_in · (q − Z_in)) / S_out), 0, Q) for every input
    /// integer q ∈ [0, Q_in] (256 or 65,536 entries).
    public static func activationTable(_ activation: Activation, input: QuantDomain, output: QuantDomain) -> Tensor {
        let values = (0...input.maxQ).map { q in
            quantizeActivationValue(activation.applyDouble(input.dequantize(q)), output: output)
        }
        return QuantDomain.tensor(shape: [input.maxQ + 1], values: values, bits: output.bits)
    }

    /// F, the fixed-point precision of softmax exponentials: 16 for 8-bit outputs, 24 for
    /// 16-bit outputs (2^16 would leave each exponential half a 16-bit output step off).
    public static func softmaxPrecision(outputBits: Int) -> Int { outputBits == 16 ? 24 : 16 }

    /// E(d) = RoundHalfAway(exp(S_in · d) · 2^F) for d = 0, −1, …, −Q_in, indexed by −d (int32
    /// entries, Q_in + 1 of them), F = `softmaxPrecision(outputBits:)`.
    public static func softmaxExponentials(input: QuantDomain, outputBits: Int) -> Tensor {
        let one = Double(sign: .plus, exponent: softmaxPrecision(outputBits: outputBits), significand: 1)
        let values = (0...input.maxQ).map { k in Int32(Rounding.roundHalfAway(Foundation.exp(-input.scale * Double(k)) * one)) }
        return Tensor(shape: [input.maxQ + 1], storage: .int32(values))
    }

    /// R = RoundHalfAway(2^16 / S_out), the softmax output's reciprocal scale; refused unless
    /// 1 ≤ R < 2^(61 − F), which keeps 2 · E · R inside 64 bits.
    public static func softmaxReciprocal(output: QuantDomain, layer: String) throws(QuantizationError) -> Int64 {
        let r = Rounding.roundHalfAway(65536 / output.scale)
        let limit = Double(sign: .plus, exponent: 61 - softmaxPrecision(outputBits: output.bits), significand: 1)
        guard r.isFinite, r >= 1, r < limit else {
            throw QuantizationError("layer '\(layer)': the softmax output scale \(output.scale) gives a reciprocal \(r) outside [1, \(limit)); its calibrated range is degenerate — force the range [0, 1]")
        }
        return Int64(r)
    }
}
