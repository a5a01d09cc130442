// SNR in dB: 10·log10(Σref² / Σ(ref − x)²), with the edge cases spelled out.

import Testing
import NpucGraph
@testable import NpucRuntime

struct SignalToNoiseTests {
    @Test func byHand() throws {
        // Σref² = 1 + 4 + 9 + 16 = 30, noise 1 → 10·log10(30) = 14.771212547196624 dB.
        let snr = try SignalToNoise.decibels(reference: [1, 2, 3, 4], actual: [1, 2, 3, 3])
        #expect(abs(snr - 14.771212547196624) < 1e-12)
        // Noise one tenth of the signal energy → exactly 10 dB: ref (3, 1), error (1, 0) → 10 / 1.
        #expect(try SignalToNoise.decibels(reference: [3, 1], actual: [2, 1]) == 10)
    }

    @Test func tensorsAndEdgeCases() throws {
        let a = Tensor(shape: [1, 2, 1, 1], float32: [0.5, -2])
        #expect(try SignalToNoise.decibels(reference: a, actual: a) == .infinity)
        #expect(try SignalToNoise.decibels(reference: [0, 0], actual: [0, 1]) == -.infinity)
        #expect(throws: PostprocessError.self) { try SignalToNoise.decibels(reference: [1, 2], actual: [1], name: "out") }
        do {
            _ = try SignalToNoise.decibels(reference: [1, 2], actual: [1], name: "/model.22/cv2.0/cv2.0.2/Conv")
        } catch {
            #expect(error.description.contains("/model.22/cv2.0/cv2.0.2/Conv"))
            #expect(error.description.contains("2 elements"))
        }
    }
}
