// `runner.analyze_noise(data)`: per-layer SNR of the held optimized network's integer layers
// against the float network they were quantized from (the archive's graph prepared with its own
// model script), on calibration-style data. See NpucOptimize's NoiseAnalyzer.

import Foundation
import NpucGraph
import NpucOptimize

extension ClientRunner {
    /// Analyzes the held optimized archive on at most `samples` samples of `data`.
    public func analyzeNoise(_ data: CalibrationData, samples: Int = 16, thresholds: NoiseThresholds = NoiseThresholds(),
                             progress: ((NoiseAnalysisProgress) -> Void)? = nil) throws -> NoiseReport {
        let network = try storedNetwork(for: "analyze-noise")
        let graph = try preparedGraph()
        return try NoiseAnalyzer.analyze(network, float: graph, data: data, samples: samples, thresholds: thresholds,
                                         progress: progress)
    }
}
