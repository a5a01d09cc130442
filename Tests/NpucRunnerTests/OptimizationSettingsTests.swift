// OptimizationSettings: every model-script command it maps gives the expected OptimizationOptions
// (levels → algorithms, compression, precision and forced ranges, clipping, equalization, bias
// correction, calibration sizes, normalization and input conversion), and commands npuc cannot
// apply are refused naming the script line.

import Foundation
import NpucGraph
import NpucOptimize
import NpucRunner
import NpucScript
import Testing

@Suite("OptimizationSettings: model script → optimization options")
struct OptimizationSettingsTests {
    let graph: Graph

    init() throws {
        graph = try #require(try tinyDetectorRunner().archive).graph
    }

    func options(_ text: String, metadata: [String: String] = [:]) throws -> (options: OptimizationOptions, expectation: CalibrationExpectation) {
        let script = try ModelScript.parse(text, fileName: "tiny.alls")
        return try OptimizationSettings.from(script, graph: graph, metadata: metadata)
    }

    func refusal(_ text: String) throws -> String {
        let script = try ModelScript.parse(text, fileName: "tiny.alls")
        do {
            _ = try OptimizationSettings.from(script, graph: graph)
        } catch {
            return error.description
        }
        Issue.record("expected the script to be refused:\n\(text)")
        return ""
    }

    @Test("no script: level 2, compression 0, 64 calibration samples in batches of 8, nothing per layer")
    func defaults() throws {
        let (o, e) = try OptimizationSettings.from(nil, graph: graph)
        #expect(o.level == 2)
        #expect(o.compressionLevel == 0)
        #expect(o.calibrationSize == 64)
        #expect(o.batchSize == 8)
        #expect(o.layerPrecision.isEmpty && o.forcedOutputRanges.isEmpty && o.forcedInputRanges.isEmpty && o.layerRangeMethods.isEmpty)
        #expect(o.activationRangeMethod == nil && o.weightClipping == nil && o.equalization == nil && o.biasCorrection == nil)
        #expect(e.normalizationMean == nil && e.channelOrder == nil)
        #expect(e.rawPixelsExpected)
    }

    @Test("optimization_level=k selects the level's algorithms", arguments: [
        (0, OptimizationAlgorithms(activationRanges: .minMax, weightClipping: false, equalization: false, biasCorrection: false)),
        (1, OptimizationAlgorithms(activationRanges: .percentile(lower: 0.001, upper: 99.999), weightClipping: false, equalization: false,
                                   biasCorrection: false)),
        (2, OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true)),
        (3, OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true,
                                   weightRounding: WeightRoundingSettings(samples: 16, patchesPerSample: 1024))),
        (4, OptimizationAlgorithms(activationRanges: .mse, weightClipping: true, equalization: true, biasCorrection: true,
                                   weightRounding: WeightRoundingSettings(samples: 64, patchesPerSample: 1024))),
    ])
    func levels(level: Int, expected: OptimizationAlgorithms) throws {
        let (o, _) = try options("model_optimization_flavor(optimization_level=\(level))")
        #expect(o.level == level)
        #expect(o.compressionLevel == 0)
        #expect(o.algorithms == expected)
    }

    @Test("compression_level is passed through; a later flavor line overrides an earlier one value by value")
    func compression() throws {
        let (o, _) = try options("""
            model_optimization_flavor(optimization_level=1, compression_level=2)
            model_optimization_flavor(compression_level=4)
            """)
        #expect(o.level == 1)
        #expect(o.compressionLevel == 4)
    }

    @Test("calibset_size and batch_size; the flavor's batch_size applies when the calibration section gives none")
    func calibrationSizes() throws {
        let (a, _) = try options("model_optimization_config(calibration, batch_size=4, calibset_size=32)")
        #expect(a.calibrationSize == 32)
        #expect(a.batchSize == 4)
        let (b, _) = try options("model_optimization_flavor(batch_size=2)")
        #expect(b.batchSize == 2)
        #expect(b.calibrationSize == 64)
        let (c, _) = try options("""
            model_optimization_flavor(batch_size=2)
            model_optimization_config(calibration, batch_size=16)
            """)
        #expect(c.batchSize == 16)
    }

    @Test("quantization_param: precision_mode, force_range_in/out per named layer")
    func quantizationParam() throws {
        let (o, _) = try options("""
            quantization_param(conv3, precision_mode=a16_w16)
            quantization_param([conv4, conv5], precision_mode=a8_w4)
            quantization_param(conv6, force_range_out=[0.0, 6.0])
            quantization_param(conv7, force_range_in=[-1.5, 2.5])
            quantization_param(conv8, bias_mode=single_scale_decomposition)
            """)
        #expect(o.layerPrecision == ["conv3": .a16_w16, "conv4": .a8_w4, "conv5": .a8_w4])
        #expect(o.forcedOutputRanges == ["conv6": 0.0...6.0])
        #expect(o.forcedInputRanges == ["conv7": -1.5...2.5])
    }

    @Test("quantization_param without layers applies to every node, never to the input/output pseudo-layers")
    func quantizationParamEverywhere() throws {
        let (o, _) = try options("quantization_param(precision_mode=a16_w16)")
        #expect(Set(o.layerPrecision.keys) == Set(graph.nodes.map(\.name)))
        #expect(Set(o.layerPrecision.values) == [.a16_w16])
        #expect(o.layerPrecision["input_layer1"] == nil && o.layerPrecision["output_layer1"] == nil)
    }

    @Test("bias_mode=double_scale_initialization is refused naming the line")
    func biasMode() throws {
        let message = try refusal("""
            model_optimization_flavor(optimization_level=0)
            quantization_param(conv3, bias_mode=double_scale_initialization)
            """)
        #expect(message.hasPrefix("tiny.alls:2:"))
        #expect(message.contains("double_scale_initialization"))
    }

    @Test("pre_quantization_optimization weights_clipping: mmse on, disabled (by mode or by policy) off, other modes refused")
    func weightsClipping() throws {
        #expect(try options("pre_quantization_optimization(weights_clipping, mode=mmse)").options.weightClipping == true)
        #expect(try options("pre_quantization_optimization(weights_clipping, mode=mmse_if4b)").options.weightClipping == true)
        #expect(try options("pre_quantization_optimization(weights_clipping, mode=disabled)").options.weightClipping == false)
        #expect(try options("pre_quantization_optimization(weights_clipping, policy=disabled, mode=mmse)").options.weightClipping == false)
        let message = try refusal("pre_quantization_optimization(weights_clipping, mode=percentile, clipping_values=[1, 99])")
        #expect(message.hasPrefix("tiny.alls:1:"))
        #expect(message.contains("mode=percentile"))
        let perLayer = try refusal("pre_quantization_optimization(weights_clipping, layers=[conv3], mode=mmse)")
        #expect(perLayer.contains("per-layer weights_clipping"))
    }

    @Test("pre_quantization_optimization equalization: on (optionally for some layers) or off")
    func equalization() throws {
        let on = try options("pre_quantization_optimization(equalization, policy=enabled)").options
        #expect(on.equalization == true)
        #expect(on.preparation.equalization?.layers == nil)
        let some = try options("pre_quantization_optimization(equalization, layers=[conv3, conv4], policy=enabled)").options
        #expect(some.preparation.equalization?.layers == ["conv3", "conv4"])
        let off = try options("pre_quantization_optimization(equalization, policy=disabled)").options
        #expect(off.equalization == false)
        #expect(off.algorithms.equalization == false)
    }

    @Test("pre_quantization_optimization activation_clipping: percentile for all or some layers, manual ranges, policy=disabled")
    func activationClipping() throws {
        let percentile = try options("pre_quantization_optimization(activation_clipping, mode=percentile, clipping_values=[0.01, 99.99])").options
        #expect(percentile.activationRangeMethod == .percentile(lower: 0.01, upper: 99.99))
        let perLayer = try options("pre_quantization_optimization(activation_clipping, layers=[conv3], mode=percentile, clipping_values=[1, 99])").options
        #expect(perLayer.layerRangeMethods == ["conv3": .percentile(lower: 1, upper: 99)])
        #expect(perLayer.activationRangeMethod == nil)
        let manual = try options("pre_quantization_optimization(activation_clipping, layers=[conv9], mode=manual, clipping_values=[0, 4])").options
        #expect(manual.forcedOutputRanges == ["conv9": 0...4])
        let disabled = try options("pre_quantization_optimization(activation_clipping, policy=disabled, mode=percentile, clipping_values=[1, 99])").options
        #expect(disabled.activationRangeMethod == .minMax)
        let incomplete = try refusal("pre_quantization_optimization(activation_clipping, mode=manual, clipping_values=[0, 4])")
        #expect(incomplete.contains("mode=manual needs layers"))
    }

    @Test("post_quantization_optimization bias_correction turns bias correction on or off, overriding the level")
    func biasCorrection() throws {
        let on = try options("""
            model_optimization_flavor(optimization_level=0)
            post_quantization_optimization(bias_correction, policy=enabled)
            """).options
        #expect(on.biasCorrection == true)
        #expect(on.algorithms.biasCorrection == true)
        #expect(on.algorithms.activationRanges == .minMax)
        let off = try options("""
            model_optimization_flavor(optimization_level=3)
            post_quantization_optimization(bias_correction, policy=disabled)
            """).options
        #expect(off.algorithms.biasCorrection == false)
        #expect(off.algorithms.weightClipping == true)
    }

    @Test("finetune enabled is refused naming the line; disabled it is accepted")
    func finetuneNotImplemented() throws {
        let message = try refusal("""
            model_optimization_flavor(optimization_level=2)

            post_quantization_optimization(finetune, policy=enabled)
            """)
        #expect(message.hasPrefix("tiny.alls:3:1"))
        #expect(message.contains("post_quantization_optimization(finetune) is not implemented"))
        #expect(message.contains("policy=disabled"))
        let (o, _) = try options("post_quantization_optimization(finetune, policy=disabled)")
        #expect(o.level == 2)
    }

    @Test("adaround turns data-driven weight rounding on (with its dataset_size) or off, whatever the level")
    func adaround() throws {
        let (on, _) = try options("""
            model_optimization_flavor(optimization_level=2)
            post_quantization_optimization(adaround, policy=enabled, dataset_size=8, epochs=4)
            """)
        #expect(on.algorithms.weightRounding == WeightRoundingSettings(samples: 8, patchesPerSample: 1024))
        #expect(on.algorithms.biasCorrection)
        let (plain, _) = try options("post_quantization_optimization(adaround, policy=enabled)")
        #expect(plain.algorithms.weightRounding == OptimizationAlgorithms.forLevel(3).weightRounding)
        let (off, _) = try options("""
            model_optimization_flavor(optimization_level=4)
            post_quantization_optimization(adaround, policy=disabled)
            """)
        #expect(off.algorithms.weightRounding == nil)
        #expect(off.algorithms.weightClipping)
        let perLayer = try refusal("post_quantization_optimization(adaround, policy=enabled, layers=[conv1])")
        #expect(perLayer.contains("per-layer adaround is not implemented"))
    }

    @Test("normalization and input_conversion become preparation steps and the data expectation")
    func normalizationAndConversion() throws {
        let (o, e) = try options("""
            norm1 = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
            input_conversion(bgr_to_rgb)
            """)
        #expect(o.preparation.normalizations.count == 1)
        #expect(o.preparation.normalizations.first?.mean == [0, 0, 0])
        #expect(o.preparation.normalizations.first?.std == [255, 255, 255])
        #expect(o.preparation.normalizations.first?.layerName == "norm1")
        #expect(o.preparation.bgrInputs == [nil])
        #expect(e.normalizationStd == [255, 255, 255])
        #expect(e.channelOrder == .bgr)
        #expect(!e.rawPixelsExpected)
    }

    @Test("an Ultralytics export expects RGB data in 0..1 unless the script says otherwise")
    func ultralyticsExpectation() throws {
        let metadata = ["onnx.metadata.author": "Ultralytics"]
        let (_, plain) = try OptimizationSettings.from(nil, graph: graph, metadata: metadata)
        #expect(plain.channelOrder == .rgb)
        #expect(!plain.rawPixelsExpected)
        let (_, scripted) = try options("model_optimization_flavor(optimization_level=0)", metadata: metadata)
        #expect(scripted.channelOrder == .rgb)
        let (_, bgr) = try options("input_conversion(bgr_to_rgb)", metadata: metadata)
        #expect(bgr.channelOrder == .bgr)
    }

    @Test("a script naming an unknown layer is refused with the closest names, both when checked and when applied")
    func unknownLayer() throws {
        let text = """
            model_optimization_flavor(optimization_level=0)
            quantization_param(conv99, precision_mode=a16_w16)
            """
        let applied = try refusal(text)
        #expect(applied.hasPrefix("tiny.alls:2:"))
        #expect(applied.contains("conv99"))
        #expect(applied.contains("conv9"))
        let runner = try tinyDetectorRunner()
        let checked = #expect(throws: ModelScriptError.self) { try runner.loadModelScript(text, fileName: "tiny.alls") }
        let described = checked?.description ?? ""
        #expect(described.contains("conv99"))
        #expect(described.contains("conv9"))
        #expect(described.contains("tiny.alls:2"))
    }
}
