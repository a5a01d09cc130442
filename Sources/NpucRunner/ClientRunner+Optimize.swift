// `runner.optimize(calib_dataset)`: model script → options, calibration data → the integer
// network; the optimized archive keeps the float network and adds the integer one, the script
// and the quality summary.

import Foundation
import NpucGraph
import NpucIO
import NpucOptimize
import NpucScript

extension ClientRunner {
    /// The archive section holding the model script the optimization used.
    public static let modelScriptSection = "model_script"

    /// Parses and checks a model script against the held network (layer names resolve against
    /// its layers); every error at once, with file:line:column.
    public func loadModelScript(_ text: String, fileName: String, ignoreUnsupported: Bool = false) throws -> ModelScript {
        guard let archive else { throw RunnerError.noNetwork("load a model script") }
        let report = ModelScript.check(text, fileName: fileName,
                                       options: ScriptCheckOptions(script: ModelScriptOptions(ignoreUnsupported: ignoreUnsupported),
                                                                   scriptDirectory: URL(fileURLWithPath: fileName).deletingLastPathComponent().path,
                                                                   catalog: LayerCatalog(graph: archive.graph),
                                                                   detectionHead: archive.head, loadNMSConfigs: false))
        if report.hasErrors { throw ModelScriptError(diagnostics: report.diagnostics) }
        return report.script
    }

    /// Quantizes the held network (`optimize`). The runner then holds the optimized archive.
    @discardableResult
    public func optimize(_ data: CalibrationData, script: ModelScript? = nil,
                         progress: ((OptimizationProgress) -> Void)? = nil) throws -> OptimizationResult {
        guard let archive else { throw RunnerError.noNetwork("optimize") }
        let (options, expectation) = try OptimizationSettings.from(script, graph: archive.graph, metadata: archive.metadata)
        var result = try Optimizer.optimize(archive, data: data, options: options, expectation: expectation, progress: progress)
        if let script {
            result.archive.sections[Self.modelScriptSection] = Array(script.text.utf8)
        } else {
            result.archive.sections[Self.modelScriptSection] = nil
        }
        self.archive = result.archive
        return result
    }
}
