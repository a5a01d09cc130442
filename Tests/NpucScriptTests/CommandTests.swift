// Typed commands from scripts written for these tests that use every command and construct the
// model zoo's scripts use (yolov8n, yolov5s, yolox_s_leaky, ssd_mobilenet_v1, resnet_v1_50,
// mobilenet_v1, efficientnet_lite0, the hailo8 / hailo8l / hailo15h variants), with the exact
// typed values they must yield; and the argument errors with their messages.

import Testing
@testable import NpucScript

@Suite struct CommandTests {
    @Test func detectorScriptYieldsTypedCommands() throws {
        let script = try parsed("""
        norm_in = normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])
        change_output_activation(conv7, sigmoid)
        change_output_activation([conv9, conv11], sigmoid)
        change_output_activation(sigmoid)
        nms_postprocess("cfg/my_nms.json", meta_arch=yolov8, engine=cpu)
        nms_postprocess("$MY_DATA/other.json", yolov5, nms_scores_th=0.25, image_dims=[320, 480])
        nms_postprocess(meta_arch=ssd)
        model_optimization_config(calibration, batch_size=3)
        """)
        #expect(script.statements[0].targets == .names(["norm_in"]))
        #expect(script.commands == [
            .normalization(Normalization(mean: [0, 0, 0], std: [255, 255, 255])),
            .changeOutputActivation(ChangeOutputActivation(layers: .name("conv7"), activation: .sigmoid)),
            .changeOutputActivation(ChangeOutputActivation(layers: .list([.name("conv9"), .name("conv11")]), activation: .sigmoid)),
            .changeOutputActivation(ChangeOutputActivation(layers: nil, activation: .sigmoid)),
            .nmsPostprocess(NMSPostprocess(configPath: "cfg/my_nms.json", metaArch: .yolov8, engine: .cpu)),
            .nmsPostprocess(NMSPostprocess(configPath: "$MY_DATA/other.json", metaArch: .yolov5, scoresThreshold: 0.25,
                                           imageDims: [320, 480])),
            .nmsPostprocess(NMSPostprocess(metaArch: .ssd)),
            .modelOptimizationConfig(ModelOptimizationConfig(section: .calibration, batchSize: 3)),
        ])
        guard case .modelOptimizationConfig(let config) = script.commands[7] else { return }
        #expect(config.effectiveBatchSize == 3)
        #expect(config.effectiveCalibsetSize == ModelOptimizationConfig.defaultCalibsetSize)
    }

    @Test func optimizationCommandsWithListsGlobsAndMultiLineCalls() throws {
        let script = try parsed("""
        in_conv = input_conversion(bgr_to_rgb)
        rgb2 = input_conversion(net/input_layer1, bgr_to_rgb, emulator_support = True)
        post_quantization_optimization(finetune, policy=enabled, dataset_size=500, epochs=3, learning_rate=1e-5,
                                       loss_layer_names=[head_a, head_b, head_c],
                                       loss_factors=[0.5, 2, 1.0],
                                       loss_types=[l2, l2rel, l2])
        post_quantization_optimization(bias_correction, policy=disabled)
        post_quantization_optimization(adaround, policy=enabled, epochs=2, batch_size=4)
        quantization_param({conv[0-9]*}, precision_mode=a8_w4)
        quantization_param({my_net/ew_add*}, bias_mode=single_scale_decomposition)
        quantization_param([out_a, out_b], precision_mode=a16_w16, force_range_out=[0.0, 1.0], force_range_in=[-1, 1])
        pre_quantization_optimization(equalization, policy=disabled)
        pre_quantization_optimization(activation_clipping, layers={*}, mode=percentile, clipping_values=[0, 99.9])
        pre_quantization_optimization(activation_clipping, layers=[p1,p2], mode=disabled)
        pre_quantization_optimization(weights_clipping, layers=[c1], mode=mmse)
        model_optimization_flavor(optimization_level=1, compression_level=3, batch_size=2)
        model_optimization_flavor(compression_level=0)
        """)
        #expect(script.commands == [
            .inputConversion(InputConversion(conversion: .bgrToRgb)),
            .inputConversion(InputConversion(inputLayer: .name("net/input_layer1"), conversion: .bgrToRgb, emulatorSupport: true)),
            .postQuantizationOptimization(PostQuantizationOptimization(
                algorithm: .finetune, policy: .enabled, learningRate: 1e-5, epochs: 3, datasetSize: 500,
                lossLayerNames: ["head_a", "head_b", "head_c"], lossFactors: [0.5, 2, 1], lossTypes: [.l2, .l2rel, .l2])),
            .postQuantizationOptimization(PostQuantizationOptimization(algorithm: .biasCorrection, policy: .disabled)),
            .postQuantizationOptimization(PostQuantizationOptimization(algorithm: .adaround, policy: .enabled, epochs: 2, batchSize: 4)),
            .quantizationParam(QuantizationParam(layers: .glob("conv[0-9]*"), precisionMode: .a8w4)),
            .quantizationParam(QuantizationParam(layers: .glob("my_net/ew_add*"), biasMode: .singleScaleDecomposition)),
            .quantizationParam(QuantizationParam(layers: .list([.name("out_a"), .name("out_b")]), precisionMode: .a16w16,
                                                 forceRangeIn: [-1, 1], forceRangeOut: [0, 1])),
            .preQuantizationOptimization(PreQuantizationOptimization(algorithm: .equalization, policy: .disabled)),
            .preQuantizationOptimization(PreQuantizationOptimization(algorithm: .activationClipping, layers: .all,
                                                                     mode: .percentile, clippingValues: [0, 99.9])),
            .preQuantizationOptimization(PreQuantizationOptimization(algorithm: .activationClipping,
                                                                     layers: .list([.name("p1"), .name("p2")]), mode: .disabled)),
            .preQuantizationOptimization(PreQuantizationOptimization(algorithm: .weightsClipping, layers: .list([.name("c1")]), mode: .mmse)),
            .modelOptimizationFlavor(ModelOptimizationFlavor(optimizationLevel: 1, compressionLevel: 3, batchSize: 2)),
            .modelOptimizationFlavor(ModelOptimizationFlavor(compressionLevel: 0)),
        ])
        guard case .modelOptimizationFlavor(let flavor) = script.commands[13],
              case .preQuantizationOptimization(let eq) = script.commands[8],
              case .preQuantizationOptimization(let clip) = script.commands[10] else { return }
        #expect(flavor.effectiveOptimizationLevel == 2 && flavor.effectiveCompressionLevel == 0 && flavor.effectiveBatchSize == 8)
        #expect(!eq.isEnabled)
        #expect(!clip.isEnabled)
    }

    @Test func compilerCommands() throws {
        let script = try parsed("""
        resources_param(max_utilization=0.8)
        resources_param(max_apu_utilization=1.0, max_compute_16bit_utilization=1.0, max_compute_utilization=0.75, max_control_utilization=1.2, max_input_aligner_utilization=1.0, max_memory_utilization=0.9, max_utilization=0.0)
        performance_param(fps=375)
        performance_param(compiler_optimization_level=max)
        performance_param(optimization_level=max)
        performance_param(compiler_optimization_level=1, optimize_for_batch=1)
        context_switch_param(mode=disabled)
        """)
        #expect(script.commands == [
            .resourcesParam(ResourcesParam(maxUtilization: 0.8)),
            .resourcesParam(ResourcesParam(maxUtilization: 0, maxComputeUtilization: 0.75, maxControlUtilization: 1.2,
                                           maxMemoryUtilization: 0.9, maxApuUtilization: 1, maxCompute16bitUtilization: 1,
                                           maxInputAlignerUtilization: 1)),
            .performanceParam(PerformanceParam(fps: 375)),
            .performanceParam(PerformanceParam(compilerOptimizationLevel: .max)),
            .performanceParam(PerformanceParam(compilerOptimizationLevel: .max)),
            .performanceParam(PerformanceParam(compilerOptimizationLevel: .one, optimizeForBatch: 1)),
            .contextSwitchParam(ContextSwitchParam(mode: .disabled)),
        ])
        guard case .resourcesParam(let all) = script.commands[0], case .resourcesParam(let each) = script.commands[1] else { return }
        #expect(all.limit(\.maxMemoryUtilization) == 0.8)
        #expect(each.limit(\.maxControlUtilization) == 1.2)
        #expect(each.limit(\.maxCompute16bitUtilization) == 1.0)
        #expect(ResourcesParam(maxUtilization: 0).limit(\.maxComputeUtilization) == nil)
    }

    @Test func normalizationWithAnInputLayerAndSeveralTargets() throws {
        let script = try parsed("""
        net/normalization1 = normalization([119.85, 113.985, 104.04], [70.89, 69.87, 73.695], net/input_layer1)
        n1, n2 = normalization([127, 127, 127], [128, 128, 128])
        half = normalization([0., 0. , 0.], [255., 255., 255.])
        """)
        #expect(script.statements.map(\.targets) == [.names(["net/normalization1"]), .names(["n1", "n2"]), .names(["half"])])
        #expect(script.commands == [
            .normalization(Normalization(mean: [119.85, 113.985, 104.04], std: [70.89, 69.87, 73.695], inputLayer: .name("net/input_layer1"))),
            .normalization(Normalization(mean: [127, 127, 127], std: [128, 128, 128])),
            .normalization(Normalization(mean: [0, 0, 0], std: [255, 255, 255])),
        ])
    }

    @Test func unsupportedCommandsAreRefusedByNameOrWarnedAndKept() throws {
        let text = """
        normalization1 = normalization([0.0], [1.0])
        allocator_param(width_splitter_defuse=disabled)
        c_d0, c_d1, c_dc = defuse(conv4, 2)
        performance_param(fps=30, optimize_for_power=True)
        pre_quantization_optimization(ew_add_fusing, policy=disabled)
        model_optimization_config(checker_cfg, policy=enabled, batch_size=1)
        input_conversion(input_layer1, nv12_to_hailo_yuv, emulator_support=True)
        nms_postprocess("x.json", ssd, engine=nn_core)
        quantization_param({*}, max_elementwise_feed_repeat=1)
        make_it_fast(now=True)
        """
        let found = errors(text)
        #expect(found.allSatisfy { $0.kind == .unsupported })
        #expect(found.map(\.message) == [
            "not supported by npuc: allocator_param (line 2)",
            "not supported by npuc: defuse (line 3)",
            "not supported by npuc: performance_param(optimize_for_power) (line 4)",
            "not supported by npuc: pre_quantization_optimization(ew_add_fusing) (line 5)",
            "not supported by npuc: model_optimization_config(checker_cfg) (line 6)",
            "not supported by npuc: input_conversion(nv12_to_hailo_yuv) (line 7)",
            "not supported by npuc: nms_postprocess(engine=nn_core) (line 8)",
            "not supported by npuc: quantization_param(max_elementwise_feed_repeat) (line 9)",
            "not supported by npuc: make_it_fast (line 10)",
        ])
        #expect(found[8].notes.first == "npuc does not know this command")

        let script = try parsed(text, ignoreUnsupported: true)
        #expect(script.warnings.count == 9)
        #expect(script.warnings.allSatisfy { $0.severity == .warning })
        #expect(script.commands == [
            .normalization(Normalization(mean: [0], std: [1])),
            .performanceParam(PerformanceParam(fps: 30)),
        ])
        #expect(script.statements.count == 10)
        #expect(script.statements[2].targets == .names(["c_d0", "c_d1", "c_dc"]))
        guard case .unsupported(let defuse) = script.statements[2].command else {
            Issue.record("defuse must be kept as unsupported")
            return
        }
        #expect(defuse.name == "defuse")
        #expect(defuse.arguments == [PrintedArgument(nil, .name("conv4")), PrintedArgument(nil, .number(2, text: "2"))])
    }

    @Test func argumentErrorsNameTheArgumentAndTheRange() {
        let cases: [(String, String)] = [
            ("model_optimization_flavor(optimization_level=7)", "optimization_level=7 is out of range; it must be between 0 and 4"),
            ("model_optimization_flavor(optimization_level=1.5)", "optimization_level must be a whole number, found 1.5"),
            ("model_optimization_flavor(optimization_level=high)", "optimization_level must be a number, found name 'high'"),
            ("model_optimization_config(calibration, calibset_size=0)", "calibset_size=0 is out of range; it must be at least 1"),
            ("normalization([0.0, 0.0], [1.0])", "mean has 2 values but std has 1; give one of each per input channel"),
            ("normalization([0.0], [0.0])", "std must not contain 0 (the input is divided by it)"),
            ("normalization([0.0, x], [1.0, 1.0])", "each value of mean must be a number, found name 'x'"),
            ("quantization_param(conv1, precision_mode=a8_w3)", "'a8_w3' is not a valid precision mode; expected one of a8_w8, a8_w4, a16_w16, a16_w8"),
            ("quantization_param(conv1, force_range_out=[1.0, 0.0])", "force_range_out must be [low, high] with low < high, found [1.0, 0.0]"),
            ("quantization_param(conv1)", "quantization_param sets nothing; give precision_mode=, bias_mode=, force_range_in= or force_range_out="),
            ("quantization_param(7, precision_mode=a8_w8)", "layers must be a layer name, a {glob} or a list of them, found number 7"),
            ("quantization_param({conv[0-9*}, precision_mode=a8_w8)", "'[' in the glob {conv[0-9*} is not closed by ']'"),
            ("resources_param(max_utilization=3)", "max_utilization=3 is out of range; it must be between 0.0 and 2.0"),
            ("performance_param(compiler_optimization_level=3)", "compiler_optimization_level=3 is out of range; it must be 0, 1, 2 or max"),
            ("context_switch_param(mode=sometimes)", "'sometimes' is not a valid context switch mode; expected one of enabled, disabled, allowed"),
            ("post_quantization_optimization(finetune, loss_layer_names=[a, b], loss_factors=[1.0])",
             "loss_factors has 1 values but loss_layer_names has 2; give one per loss layer"),
            ("post_quantization_optimization(finetune, learning_rate=-1)", "learning_rate=-1 is out of range; it must be greater than 0"),
            ("pre_quantization_optimization(activation_clipping, mode=percentile)", "mode=percentile needs clipping_values=[low, high]"),
            ("pre_quantization_optimization(activation_clipping, mode=percentile, clipping_values=[0, 101])",
             "percentiles in clipping_values must lie between 0 and 100"),
            ("nms_postprocess(\"a.json\", meta_arch=yolov9)", "'yolov9' is not a valid meta architecture; expected one of yolov8, yolov5, yolox, ssd"),
            ("nms_postprocess(meta_arch=yolov8, nms_iou_th=1.5)", "nms_iou_th=1.5 is out of range; it must be between 0.0 and 1.0"),
            ("x = change_output_activation(conv1, sigmoid)", "change_output_activation does not define layers; remove 'x ='"),
            ("model_optimization_flavor(optimization_level=1, optimization_level=2)", "'optimization_level' is given twice in model_optimization_flavor(…)"),
            ("quantization_param(a, b, precision_mode=a8_w8)", "too many positional arguments for quantization_param(…)"),
            ("input_conversion(rgb_to_lab)", "'rgb_to_lab' is not a valid input conversion; expected one of bgr_to_rgb"),
        ]
        for (text, message) in cases {
            let found = errors(text)
            #expect(found.map(\.message) == [message], "\(text)")
            #expect(found.first?.kind == .argument, "\(text)")
        }
    }

    @Test func argumentErrorCarriesFileLineColumnAndCaret() {
        let found = errors("\nmodel_optimization_flavor(optimization_level=7, compression_level=2)\n")
        #expect(found.count == 1)
        #expect(found[0].description == """
        test.alls:2:46: error: optimization_level=7 is out of range; it must be between 0 and 4
        model_optimization_flavor(optimization_level=7, compression_level=2)
                                                     ^
        """)
    }
}
