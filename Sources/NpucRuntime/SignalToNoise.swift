// Signal-to-noise ratio of a tensor against a reference, in dB:
//   SNR = 10·log10( Σ ref² / Σ (ref − x)² ), sums in Double.
// +∞ when the two are equal; −∞ when the reference is all zeros and the other is not.

import Foundation
import NpucGraph

public enum SignalToNoise {
    public static func decibels(reference: [Float], actual: [Float], name: String = "tensor") throws(PostprocessError) -> Double {
        guard reference.count == actual.count else {
            throw PostprocessError(.sizeMismatch(name: name, reference: reference.count, actual: actual.count))
        }
        var signal = 0.0, noise = 0.0
        for i in reference.indices {
            let r = Double(reference[i])
            let d = r - Double(actual[i])
            signal += r * r
            noise += d * d
        }
        return decibels(signal: signal, noise: noise)
    }

    public static func decibels(reference: Tensor, actual: Tensor, name: String = "tensor") throws(PostprocessError) -> Double {
        try decibels(reference: reference.floats, actual: actual.floats, name: name)
    }

    /// 10·log10(signal / noise) from the two energies.
    public static func decibels(signal: Double, noise: Double) -> Double {
        if noise == 0 { return .infinity }
        if signal == 0 { return -.infinity }
        return 10 * log10(signal / noise)
    }
}
