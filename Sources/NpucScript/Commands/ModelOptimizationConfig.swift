// `model_optimization_config(calibration, batch_size=N, calibset_size=N)`: how many calibration
// images are used and how many go through the model at once. The DFC's other sections
// (checker_cfg, negative_exponent, globals) are recognized and refused by name.

public struct ModelOptimizationConfig: CommandDefinition {
    public static let name = "model_optimization_config"
    public static let keywords = ["batch_size", "calibset_size"]

    public enum Section: String, ScriptKeyword {
        case calibration
        public static let noun = "model_optimization_config section"
    }

    /// Sections of the DFC that npuc recognizes but does not implement.
    public static let unsupportedSections = ["checker_cfg", "negative_exponent", "globals", "compression_params"]

    public static let defaultBatchSize = 8
    public static let defaultCalibsetSize = 64

    public var section: Section
    public var batchSize: Int?
    public var calibsetSize: Int?

    public init(section: Section = .calibration, batchSize: Int? = nil, calibsetSize: Int? = nil) {
        self.section = section
        self.batchSize = batchSize
        self.calibsetSize = calibsetSize
    }

    public var effectiveBatchSize: Int { batchSize ?? Self.defaultBatchSize }
    public var effectiveCalibsetSize: Int { calibsetSize ?? Self.defaultCalibsetSize }

    enum CodingKeys: String, CodingKey {
        case section, batchSize = "batch_size", calibsetSize = "calibset_size"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<ModelOptimizationConfig> {
        guard let sectionValue = a.nextPositionalValue() else {
            a.finish(known: keywords, &bag)
            bag.error(.argument, "model_optimization_config needs a section first, e.g. model_optimization_config(calibration, batch_size=8)",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        if case .name(let word) = sectionValue.kind, unsupportedSections.contains(word) {
            return .unsupported(what: "model_optimization_config(\(word))", at: sectionValue)
        }
        let b = a.keyword("batch_size"), c = a.keyword("calibset_size")
        a.finish(known: keywords, &bag)
        guard let section = a.keywordValue(sectionValue, "the section", as: Section.self, &bag) else { return .invalid }
        var ok = true
        let batch = b.flatMap { v -> Int? in
            let r = a.int(v, "batch_size", in: 1...Int.max, &bag)
            if r == nil { ok = false }
            return r
        }
        let calib = c.flatMap { v -> Int? in
            let r = a.int(v, "calibset_size", in: 1...Int.max, &bag)
            if r == nil { ok = false }
            return r
        }
        return ok ? .command(ModelOptimizationConfig(section: section, batchSize: batch, calibsetSize: calib)) : .invalid
    }

    var printedArguments: [PrintedArgument] {
        [PrintedArgument(nil, .word(section))]
            + optionalArgument("batch_size", batchSize, ScriptValue.integer)
            + optionalArgument("calibset_size", calibsetSize, ScriptValue.integer)
    }
}
