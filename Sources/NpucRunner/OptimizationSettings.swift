// Turns a checked model script into what `optimize` runs: the typed commands become
// OptimizationOptions (level, compression, calibration sizes, normalization, input conversion,
// output activations, per-layer precision and ranges, clipping, equalization, bias correction)
// and the expectation the calibration data is checked against. A command npuc parses but cannot
// apply is refused with its file:line, never skipped.

import Foundation
import NpucGraph
import NpucOptimize
import NpucScript

public struct ScriptApplicationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum OptimizationSettings {
    /// Options and input expectation for `graph` under `script` (nil: the defaults).
    public static func from(_ script: ModelScript?, graph: Graph, metadata: [String: String] = [:]) throws(ScriptApplicationError)
        -> (options: OptimizationOptions, expectation: CalibrationExpectation) {
        var options = OptimizationOptions()
        var expectation = CalibrationExpectation()
        guard let script else {
            expectation.rawPixelsExpected = !expectsUnitRange(metadata)
            if expectsUnitRange(metadata) { expectation.channelOrder = .rgb }
            return (options, expectation)
        }
        let catalog = LayerCatalog(graph: graph)
        let flavor = script.optimizationFlavor
        options.level = flavor.effectiveOptimizationLevel
        options.compressionLevel = flavor.effectiveCompressionLevel
        let calibration = script.calibration
        options.calibrationSize = calibration.effectiveCalibsetSize
        // The calibration section's batch_size wins; the flavor's applies when it is the only one.
        options.batchSize = calibration.batchSize ?? flavor.batchSize ?? calibration.effectiveBatchSize
        let inputs = graph.inputs.map { graph[$0].name }

        for statement in script.statements {
            let at = "\(script.fileName):\(statement.location.map { "\($0.line):\($0.column)" } ?? "?")"
            func layers(_ selector: LayerSelector?) throws(ScriptApplicationError) -> [String]? {
                guard let selector else { return nil }
                let resolution = catalog.resolve(selector)
                if let problem = resolution.problems.first { throw ScriptApplicationError("\(at): \(problem.message)") }
                return resolution.layers
            }
            func range(_ values: [Double]?) -> ClosedRange<Double>? {
                guard let values, values.count == 2, values[0] <= values[1] else { return nil }
                return values[0]...values[1]
            }
            switch statement.command {
            case .normalization(let n):
                let input = try inputName(n.inputLayer, inputs: inputs, at: at)
                let layerName = statement.targets.names.first ?? "normalization\(options.preparation.normalizations.count + 1)"
                options.preparation.normalizations.append(.init(mean: n.mean, std: n.std, input: input, layerName: layerName))
                expectation.normalizationMean = n.mean
                expectation.normalizationStd = n.std
            case .inputConversion(let c):
                guard c.conversion == .bgrToRgb else {
                    throw ScriptApplicationError("\(at): input_conversion(\(c.conversion.rawValue)) is not applied by npuc's optimizer")
                }
                options.preparation.bgrInputs.append(try inputName(c.inputLayer, inputs: inputs, at: at))
                expectation.channelOrder = .bgr
            case .changeOutputActivation(let c):
                options.preparation.outputActivations.append(
                    NpucOptimize.ChangeOutputActivation(layers: try layers(c.layers), activation: activationFunction(c.activation)))
            case .quantizationParam(let q):
                // Without layers=: every node of the network (not the input/output pseudo-layers).
                let named = try layers(q.layers) ?? graph.nodes.map(\.name)
                if q.biasMode == .doubleScaleInitialization {
                    throw ScriptApplicationError("\(at): bias_mode=double_scale_initialization is not implemented by npuc; remove it (npuc's biases are 32-bit integers in the accumulator's scale)")
                }
                for layer in named {
                    if let p = q.precisionMode {
                        guard let mode = PrecisionMode(rawValue: p.rawValue) else {
                            throw ScriptApplicationError("\(at): precision_mode=\(p.rawValue) is not implemented by npuc's quantizer; use one of \(PrecisionMode.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        options.layerPrecision[layer] = mode
                    }
                    if let r = range(q.forceRangeOut) { options.forcedOutputRanges[layer] = r }
                    if let r = range(q.forceRangeIn) { options.forcedInputRanges[layer] = r }
                }
            case .preQuantizationOptimization(let p):
                try applyPre(p, layers: try layers(p.layers), to: &options, at: at)
            case .postQuantizationOptimization(let p):
                switch p.algorithm {
                case .biasCorrection:
                    guard p.layers == nil else {
                        throw ScriptApplicationError("\(at): per-layer bias_correction is not implemented by npuc; apply it to all layers (no layers=)")
                    }
                    options.biasCorrection = p.policy != .disabled
                case .adaround:
                    // npuc's data-driven rounding is a one-shot solve: epochs and batch_size have no
                    // training loop to steer.
                    guard p.layers == nil else {
                        throw ScriptApplicationError("\(at): per-layer adaround is not implemented by npuc; apply it to all layers (no layers=)")
                    }
                    if let n = p.datasetSize, n < 1 {
                        throw ScriptApplicationError("\(at): dataset_size=\(n) must be at least 1")
                    }
                    options.weightRounding = p.policy != .disabled
                    if p.policy != .disabled, let n = p.datasetSize { options.weightRoundingSamples = n }
                case .finetune:
                    if p.policy == .disabled { continue }
                    throw ScriptApplicationError("\(at): post_quantization_optimization(finetune) is not implemented by npuc yet; remove the line or set policy=disabled (optimization levels 0–4 choose npuc's own algorithms)")
                }
            case .modelOptimizationFlavor, .modelOptimizationConfig, .nmsPostprocess, .resourcesParam, .performanceParam,
                 .contextSwitchParam, .unsupported:
                continue
            }
        }
        if expectation.normalizationMean == nil { expectation.rawPixelsExpected = !expectsUnitRange(metadata) }
        // Ultralytics exports take RGB; with no input_conversion the data should be RGB too.
        if expectation.channelOrder == nil, expectsUnitRange(metadata) { expectation.channelOrder = .rgb }
        return (options, expectation)
    }

    /// Ultralytics exports expect RGB scaled to 0…1; with no normalization in the script, raw
    /// 0…255 calibration data is a mistake worth a warning.
    static func expectsUnitRange(_ metadata: [String: String]) -> Bool {
        metadata["onnx.metadata.author"]?.lowercased().contains("ultralytics") == true
    }

    static func inputName(_ selector: LayerSelector?, inputs: [String], at: String) throws(ScriptApplicationError) -> String? {
        guard let selector else {
            guard inputs.count <= 1 else {
                throw ScriptApplicationError("\(at): the network has \(inputs.count) inputs (\(inputs.joined(separator: ", "))); name the input layer")
            }
            return nil
        }
        if case .name(let n) = selector {
            let bare = n.split(separator: "/").last.map(String.init) ?? n
            if inputs.contains(bare) { return bare }
            if bare.hasPrefix("input_layer"), let i = Int(bare.dropFirst("input_layer".count)), i >= 1, i <= inputs.count {
                return inputs[i - 1]
            }
        }
        throw ScriptApplicationError("\(at): '\(selector.scriptText)' is not an input of the network; its inputs are \(inputs.map { "'\($0)'" }.joined(separator: ", ")) (or input_layer1…)")
    }

    static func activationFunction(_ a: NpucScript.ChangeOutputActivation.OutputActivation) -> Activation.Function? {
        switch a {
        case .linear: return nil
        case .relu: return .relu
        case .relu6: return .clip(min: 0, max: 6)
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .silu: return .silu
        }
    }

    static func applyPre(_ p: PreQuantizationOptimization, layers: [String]?, to options: inout OptimizationOptions,
                         at: String) throws(ScriptApplicationError) {
        switch p.algorithm {
        case .equalization:
            if p.isEnabled {
                options.equalization = true
                options.preparation.equalization = CrossLayerEqualization(layers: layers.map(Set.init))
            } else {
                options.equalization = false
            }
        case .activationClipping:
            let method: RangeMethod?
            // policy=disabled turns the algorithm off whatever the mode says.
            let mode: PreQuantizationOptimization.ClippingMode = p.policy == .disabled ? .disabled : (p.mode ?? .disabled)
            switch mode {
            case .disabled: method = .minMax
            case .mmse, .mmseIf4b: method = .mse
            case .percentile:
                guard let v = p.clippingValues, v.count == 2 else {
                    throw ScriptApplicationError("\(at): activation_clipping mode=percentile needs clipping_values=[low, high] (percentiles)")
                }
                method = .percentile(lower: v[0], upper: v[1])
            case .manual:
                guard let v = p.clippingValues, v.count == 2, v[0] <= v[1], let layers else {
                    throw ScriptApplicationError("\(at): activation_clipping mode=manual needs layers and clipping_values=[low, high]")
                }
                for layer in layers { options.forcedOutputRanges[layer] = v[0]...v[1] }
                method = nil
            }
            if let method {
                if let layers { for layer in layers { options.layerRangeMethods[layer] = method } } else { options.activationRangeMethod = method }
            }
        case .weightsClipping:
            guard layers == nil else {
                throw ScriptApplicationError("\(at): per-layer weights_clipping is not implemented by npuc; apply it to all layers (no layers=)")
            }
            let mode: PreQuantizationOptimization.ClippingMode = p.policy == .disabled ? .disabled : (p.mode ?? .disabled)
            switch mode {
            case .disabled: options.weightClipping = false
            case .mmse, .mmseIf4b: options.weightClipping = true
            case .percentile, .manual:
                throw ScriptApplicationError("\(at): weights_clipping mode=\(mode.rawValue) is not implemented by npuc; use mode=mmse")
            }
        }
    }
}
