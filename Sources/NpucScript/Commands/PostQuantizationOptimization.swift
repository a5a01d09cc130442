// `post_quantization_optimization(bias_correction|finetune|adaround, policy=enabled|disabled, …)`:
// corrections after quantization: bias correction, fine-tuning by distillation from the float
// model (with per-output loss layers, factors and types), and adaptive rounding. Other
// algorithms are recognized and refused by name.

public struct PostQuantizationOptimization: CommandDefinition {
    public static let name = "post_quantization_optimization"
    public static let keywords = ["policy", "layers", "learning_rate", "epochs", "dataset_size", "batch_size",
                                  "loss_layer_names", "loss_factors", "loss_types"]

    public enum Algorithm: String, ScriptKeyword {
        case biasCorrection = "bias_correction", finetune, adaround
        public static let noun = "post-quantization algorithm"
    }

    public enum LossType: String, ScriptKeyword {
        case l2, l2rel, ce
        public static let noun = "loss type"
    }

    public var algorithm: Algorithm
    public var policy: Policy?
    /// bias_correction and adaround: the layers it applies to (nil: all).
    public var layers: LayerSelector?
    public var learningRate: Double?
    public var epochs: Int?
    public var datasetSize: Int?
    public var batchSize: Int?
    /// finetune: the layers whose outputs the distillation loss compares.
    public var lossLayerNames: [String]?
    /// finetune: one weight per loss layer (default 1 each).
    public var lossFactors: [Double]?
    /// finetune: one loss per loss layer (default l2 each).
    public var lossTypes: [LossType]?

    public init(algorithm: Algorithm, policy: Policy? = nil, layers: LayerSelector? = nil, learningRate: Double? = nil,
                epochs: Int? = nil, datasetSize: Int? = nil, batchSize: Int? = nil, lossLayerNames: [String]? = nil,
                lossFactors: [Double]? = nil, lossTypes: [LossType]? = nil) {
        self.algorithm = algorithm
        self.policy = policy
        self.layers = layers
        self.learningRate = learningRate
        self.epochs = epochs
        self.datasetSize = datasetSize
        self.batchSize = batchSize
        self.lossLayerNames = lossLayerNames
        self.lossFactors = lossFactors
        self.lossTypes = lossTypes
    }

    enum CodingKeys: String, CodingKey {
        case algorithm, policy, layers, learningRate = "learning_rate", epochs, datasetSize = "dataset_size"
        case batchSize = "batch_size", lossLayerNames = "loss_layer_names", lossFactors = "loss_factors", lossTypes = "loss_types"
    }

    static func allowedKeywords(_ algorithm: Algorithm) -> [String] {
        switch algorithm {
        case .biasCorrection: return ["policy", "layers"]
        case .adaround: return ["policy", "layers", "epochs", "dataset_size", "batch_size"]
        case .finetune: return ["policy", "learning_rate", "epochs", "dataset_size", "batch_size",
                                "loss_layer_names", "loss_factors", "loss_types"]
        }
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<PostQuantizationOptimization> {
        guard let algorithmValue = a.nextPositionalValue() else {
            a.finish(known: keywords, &bag)
            bag.error(.argument, "post_quantization_optimization needs an algorithm first: \(Arguments.choices(Algorithm.self))",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        if case .name(let word) = algorithmValue.kind, Algorithm(rawValue: word) == nil {
            return .unsupported(what: "post_quantization_optimization(\(word))", at: algorithmValue)
        }
        guard let algorithm = a.keywordValue(algorithmValue, "the algorithm", as: Algorithm.self, &bag) else {
            a.finish(known: keywords, &bag)
            return .invalid
        }
        let allowed = allowedKeywords(algorithm)
        var values: [String: ValueSyntax] = [:]
        for key in allowed { if let v = a.keyword(key) { values[key] = v } }
        a.finish(known: allowed, &bag)
        var ok = true
        func read<T>(_ key: String, _ f: (ValueSyntax) -> T?) -> T? {
            guard let v = values[key] else { return nil }
            let r = f(v)
            if r == nil { ok = false }
            return r
        }
        var command = PostQuantizationOptimization(algorithm: algorithm)
        command.policy = read("policy") { a.keywordValue($0, "policy", as: Policy.self, &bag) }
        command.layers = read("layers") { a.selector($0, "layers", &bag) }
        command.learningRate = read("learning_rate") { a.positiveDouble($0, "learning_rate", &bag) }
        command.epochs = read("epochs") { a.int($0, "epochs", in: 1...Int.max, &bag) }
        command.datasetSize = read("dataset_size") { a.int($0, "dataset_size", in: 1...Int.max, &bag) }
        command.batchSize = read("batch_size") { a.int($0, "batch_size", in: 1...Int.max, &bag) }
        command.lossLayerNames = read("loss_layer_names") { v -> [String]? in
            guard case .list = v.kind, case .list(let names)? = a.selector(v, "loss_layer_names", &bag) else {
                if case .list = v.kind {} else {
                    bag.error(.argument, "loss_layer_names must be a list of layer names", at: v.location, length: v.length)
                }
                return nil
            }
            var result: [String] = []
            for item in names {
                guard case .name(let n) = item else {
                    bag.error(.argument, "loss_layer_names takes layer names, not globs", at: v.location, length: v.length)
                    return nil
                }
                result.append(n)
            }
            return result
        }
        command.lossFactors = read("loss_factors") { v -> [Double]? in
            guard let xs = a.doubleList(v, "loss_factors", &bag) else { return nil }
            guard xs.allSatisfy({ $0 >= 0 }) else {
                bag.error(.argument, "loss_factors must not be negative", at: v.location, length: v.length)
                return nil
            }
            return xs
        }
        command.lossTypes = read("loss_types") { v -> [LossType]? in
            guard case .list(let items) = v.kind else {
                bag.error(.argument, "loss_types must be a list like [l2, l2rel]", at: v.location, length: v.length)
                return nil
            }
            let types = items.map { a.keywordValue($0, "each loss type", as: LossType.self, &bag) }
            return types.contains(where: { $0 == nil }) ? nil : types.compactMap { $0 }
        }
        guard ok else { return .invalid }
        let count = command.lossLayerNames?.count
        for (key, n) in [("loss_factors", command.lossFactors?.count), ("loss_types", command.lossTypes?.count)] {
            guard let n, let v = values[key] else { continue }
            if let count, n != count {
                bag.error(.argument, "\(key) has \(n) values but loss_layer_names has \(count); give one per loss layer",
                          at: v.location, length: v.length)
                ok = false
            } else if count == nil {
                bag.error(.argument, "\(key) needs loss_layer_names=[…] with one layer per value", at: v.location, length: v.length)
                ok = false
            }
        }
        return ok ? .command(command) : .invalid
    }

    var printedArguments: [PrintedArgument] {
        [PrintedArgument(nil, .word(algorithm))]
            + optionalArgument("policy", policy, ScriptValue.word)
            + optionalArgument("layers", layers, ScriptValue.selector)
            + optionalArgument("learning_rate", learningRate, ScriptValue.number)
            + optionalArgument("epochs", epochs, ScriptValue.integer)
            + optionalArgument("dataset_size", datasetSize, ScriptValue.integer)
            + optionalArgument("batch_size", batchSize, ScriptValue.integer)
            + optionalArgument("loss_layer_names", lossLayerNames) { .selector(.list($0.map { .name($0) })) }
            + optionalArgument("loss_factors", lossFactors, ScriptValue.numbers)
            + optionalArgument("loss_types", lossTypes) { .list($0.map(ScriptValue.word)) }
    }

    var layerReferences: [LayerReference] {
        (layers.map { [LayerReference(role: "layers", selector: $0)] } ?? [])
            + (lossLayerNames.map { [LayerReference(role: "loss_layer_names", selector: .list($0.map { .name($0) }))] } ?? [])
    }
}
