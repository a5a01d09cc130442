// Property test of the printer: random scripts (from a seeded generator) of every command with
// random valid arguments print to text that parses back to the same statements, and printing
// is idempotent. Also: each model-zoo-style script printed and re-parsed stays the same.

import Testing
@testable import NpucScript

/// SplitMix64: a small deterministic generator so failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct ScriptGenerator {
    var rng: SeededGenerator

    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...xs.count - 1)] }
    mutating func maybe<T>(_ make: (inout ScriptGenerator) -> T) -> T? { bool() ? make(&self) : nil }

    /// Numbers of many shapes: whole, fractional, tiny, huge, negative.
    mutating func double(_ range: ClosedRange<Double>) -> Double {
        switch int(0...3) {
        case 0: return Double(int(Int(range.lowerBound.rounded(.up))...Int(range.upperBound.rounded(.down))))
        case 1: return Double.random(in: range, using: &rng)
        case 2: return max(range.lowerBound, min(range.upperBound, Double(int(1...999)) * 1e-7))
        default: return (Double.random(in: range, using: &rng) * 1000).rounded() / 1000
        }
    }

    mutating func layerName() -> String {
        pick(["conv\(int(1...99))", "net/conv\(int(1...99))", "concat_from_conv36_d0-2_to_conv36_dc",
              "/model.\(int(0...22))/cv2.0/cv2.0.2/Conv", "centerpose_regnetx_1.6gf_fpn/conv\(int(1...9))",
              "\(int(100...999))", "name with space", "quote\"d", "ew_add\(int(1...9))"])
    }

    mutating func selector(depth: Int = 0) -> LayerSelector {
        switch int(0...(depth == 0 ? 2 : 1)) {
        case 0: return .name(layerName())
        case 1: return .glob(pick(["*", "conv*", "conv[0-9]*", "net/ew_add?", "[!c]*", "/model.22/*"]))
        default: return .list((0..<int(1...4)).map { _ in selector(depth: 1) })
        }
    }

    mutating func statement() -> ScriptStatement {
        switch int(0...12) {
        case 0:
            let n = int(1...4)
            let command = Normalization(mean: (0..<n).map { _ in double(-300...300) },
                                        std: (0..<n).map { _ in double(0.5...300) }, inputLayer: maybe { $0.selector() })
            return ScriptStatement(targets: .names(bool() ? ["normalization\(int(1...9))"] : []), command: .normalization(command))
        case 1:
            let command = InputConversion(inputLayer: maybe { $0.selector() }, conversion: .bgrToRgb, emulatorSupport: maybe { $0.bool() })
            return ScriptStatement(targets: .names(bool() ? ["in_conv"] : []), command: .inputConversion(command))
        case 2:
            var g = self
            let command = ChangeOutputActivation(layers: g.maybe { $0.selector() }, activation: g.pick(Array(ChangeOutputActivation.OutputActivation.allCases)))
            self = g
            return ScriptStatement(command: .changeOutputActivation(command))
        case 3:
            var c = NMSPostprocess()
            c.configPath = maybe { $0.pick(["a.json", "../../postprocess_config/yolov8n_nms_config.json", "$HMZ_DATA/x y.json"]) }
            c.metaArch = maybe { $0.pick(Array(NMSPostprocess.MetaArch.allCases)) }
            c.engine = maybe { _ in .cpu }
            c.scoresThreshold = maybe { $0.double(0...1) }
            c.iouThreshold = maybe { $0.double(0...1) }
            c.classes = maybe { $0.int(1...1000) }
            c.imageDims = maybe { [$0.int(1...2000), $0.int(1...2000)] }
            c.maxProposalsPerClass = maybe { $0.int(1...500) }
            c.maxTotalOutputProposals = maybe { $0.int(1...500) }
            return ScriptStatement(command: .nmsPostprocess(c))
        case 4:
            var c = ModelOptimizationFlavor(optimizationLevel: maybe { $0.int(0...4) }, compressionLevel: maybe { $0.int(0...5) },
                                            batchSize: maybe { $0.int(1...64) })
            if c.optimizationLevel == nil, c.compressionLevel == nil, c.batchSize == nil { c.optimizationLevel = 0 }
            return ScriptStatement(command: .modelOptimizationFlavor(c))
        case 5:
            let c = ModelOptimizationConfig(section: .calibration, batchSize: maybe { $0.int(1...64) }, calibsetSize: maybe { $0.int(1...4096) })
            return ScriptStatement(command: .modelOptimizationConfig(c))
        case 6:
            var c = QuantizationParam(layers: maybe { $0.selector() })
            c.precisionMode = maybe { $0.pick(Array(QuantizationParam.PrecisionMode.allCases)) }
            c.biasMode = maybe { $0.pick(Array(QuantizationParam.BiasMode.allCases)) }
            c.forceRangeIn = maybe { g in let lo = g.double(-100...0); return [lo, lo + g.double(0.001...100)] }
            c.forceRangeOut = maybe { g in let lo = g.double(-100...0); return [lo, lo + g.double(0.001...100)] }
            if c.precisionMode == nil, c.biasMode == nil, c.forceRangeIn == nil, c.forceRangeOut == nil { c.precisionMode = .a16w16 }
            return ScriptStatement(command: .quantizationParam(c))
        case 7:
            var c = PreQuantizationOptimization(algorithm: pick(Array(PreQuantizationOptimization.Algorithm.allCases)))
            c.policy = maybe { $0.pick(Array(Policy.allCases)) }
            c.layers = maybe { $0.selector() }
            if c.algorithm != .equalization {
                let modes: [PreQuantizationOptimization.ClippingMode] = c.algorithm == .weightsClipping
                    ? Array(PreQuantizationOptimization.ClippingMode.allCases) : [.disabled, .manual, .percentile]
                c.mode = maybe { $0.pick(modes) }
                if c.mode == .manual { c.clippingValues = [double(-10...0), double(0.5...10)] }
                if c.mode == .percentile { c.clippingValues = [double(0...10), double(90...100)] }
            }
            return ScriptStatement(command: .preQuantizationOptimization(c))
        case 8:
            var c = PostQuantizationOptimization(algorithm: pick(Array(PostQuantizationOptimization.Algorithm.allCases)))
            c.policy = maybe { $0.pick(Array(Policy.allCases)) }
            if c.algorithm != .finetune { c.layers = maybe { $0.selector() } }
            if c.algorithm != .biasCorrection {
                c.epochs = maybe { $0.int(1...10) }
                c.datasetSize = maybe { $0.int(1...5000) }
                c.batchSize = maybe { $0.int(1...32) }
            }
            if c.algorithm == .finetune {
                c.learningRate = maybe { $0.double(0.000001...1) }
                if c.learningRate == 0 { c.learningRate = 1e-4 }
                if bool() {
                    let n = int(1...4)
                    c.lossLayerNames = (0..<n).map { _ in layerName() }
                    c.lossFactors = maybe { g in (0..<n).map { _ in g.double(0...10) } }
                    c.lossTypes = maybe { g in (0..<n).map { _ in g.pick(Array(PostQuantizationOptimization.LossType.allCases)) } }
                }
            }
            return ScriptStatement(command: .postQuantizationOptimization(c))
        case 9:
            var c = ResourcesParam()
            for (_, path) in ResourcesParam.fields where bool() { c[keyPath: path] = double(0...2) }
            if ResourcesParam.fields.allSatisfy({ c[keyPath: $0.1] == nil }) { c.maxUtilization = 0.5 }
            return ScriptStatement(command: .resourcesParam(c))
        case 10:
            var c = PerformanceParam(fps: maybe { $0.double(0.5...5000) },
                                     compilerOptimizationLevel: maybe { $0.pick(Array(PerformanceParam.CompilerOptimizationLevel.allCases)) },
                                     optimizeForBatch: maybe { $0.int(1...16) })
            if c.fps == nil, c.compilerOptimizationLevel == nil, c.optimizeForBatch == nil { c.fps = 30 }
            return ScriptStatement(command: .performanceParam(c))
        case 11:
            return ScriptStatement(command: .contextSwitchParam(ContextSwitchParam(mode: pick(Array(ContextSwitchParam.Mode.allCases)))))
        default:
            let name = pick(ModelScriptCommand.recognizedUnsupportedNames)
            var arguments: [PrintedArgument] = (0..<int(0...3)).map { _ in PrintedArgument(nil, rawValue()) }
            arguments += (0..<int(0...2)).map { i in PrintedArgument("key\(i)", rawValue()) }
            let targets: ScriptTargets = switch int(0...2) {
            case 0: .none
            case 1: .names((0..<int(1...3)).map { "out\($0)" })
            default: .blocks([.init(layer: "net/m1", parts: ["net/m1_d0", "net/m1_dc"])])
            }
            return ScriptStatement(targets: targets, command: .unsupported(UnsupportedCommand(name: name, arguments: arguments, refused: name)))
        }
    }

    mutating func rawValue(depth: Int = 0) -> ScriptValue {
        switch int(0...(depth == 0 ? 4 : 3)) {
        case 0: return .number(double(-1e6...1e6))
        case 1: return .string(pick(["x.json", "with \"quotes\"", "", "back\\slash"]))
        case 2: return .name(pick(["FULL_ROW", "enabled", "True", "conv5", "a/b-c.d"]))
        case 3: return .glob(pick(["*", "conv*"]))
        default: return .list((0..<int(0...3)).map { _ in rawValue(depth: 1) })
        }
    }
}

@Suite struct RoundTripTests {
    @Test func printedRandomScriptsParseBackToTheSameStatements() throws {
        var generator = ScriptGenerator(rng: SeededGenerator(seed: 0x5EED_0A11))
        var checked = 0
        for _ in 0..<400 {
            let statements = (0..<generator.int(1...8)).map { _ in generator.statement() }
            let text = ScriptPrinter.print(statements)
            let script: ModelScript
            do {
                script = try parsed(text, ignoreUnsupported: true)
            } catch {
                Issue.record("printed script does not parse:\n\(text)\n\(error)")
                continue
            }
            #expect(script.statements == statements, "\(text)")
            #expect(script.printed == text)
            checked += statements.count
        }
        #expect(checked > 1000)
    }

    @Test func zooStyleScriptSurvivesPrintAndParse() throws {
        let text = """
        normalization1 = normalization([123.68, 116.78, 103.94], [1.0, 1.0, 1.0])
        post_quantization_optimization(finetune, policy=enabled, dataset_size=4000, epochs=8, learning_rate=0.0001,
                                       loss_layer_names=[bbox_decoder13, conv14], loss_factors=[0.1, 1.0], loss_types=[l2, l2rel])
        quantization_param({conv*}, bias_mode=single_scale_decomposition)
        nms_postprocess("../../postprocess_config/yolov8n_nms_config.json", meta_arch=yolov8, engine=cpu)
        performance_param(optimization_level=max)
        conv1_sd0, conv1_sd1, conv1_sdc = defuse(conv1, 2, defuse_type=SPATIAL)
        concat_from_conv36_d0-2_to_conv36_dc = concat([conv36_d0, conv36_d1, conv36_d2], conv36_dc)
        """
        let first = try parsed(text, ignoreUnsupported: true)
        let second = try parsed(first.printed, ignoreUnsupported: true)
        #expect(second.statements == first.statements)
        #expect(first.printed.split(separator: "\n")[4] == "performance_param(compiler_optimization_level=max)")
        #expect(first.printed.split(separator: "\n")[6] == "concat_from_conv36_d0-2_to_conv36_dc = concat([conv36_d0, conv36_d1, conv36_d2], conv36_dc)")
    }
}
