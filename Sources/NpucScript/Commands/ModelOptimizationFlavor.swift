// `model_optimization_flavor(optimization_level=0..4, compression_level=0..5, batch_size=N)`:
// how hard the optimizer works (levels add bias correction, fine-tuning, …) and how many layers
// get 4-bit weights. Unset values take npuc's defaults below.

public struct ModelOptimizationFlavor: CommandDefinition {
    public static let name = "model_optimization_flavor"
    public static let keywords = ["optimization_level", "compression_level", "batch_size"]

    public static let defaultOptimizationLevel = 2
    public static let defaultCompressionLevel = 0
    public static let defaultBatchSize = 8

    public var optimizationLevel: Int?
    public var compressionLevel: Int?
    public var batchSize: Int?

    public init(optimizationLevel: Int? = nil, compressionLevel: Int? = nil, batchSize: Int? = nil) {
        self.optimizationLevel = optimizationLevel
        self.compressionLevel = compressionLevel
        self.batchSize = batchSize
    }

    public var effectiveOptimizationLevel: Int { optimizationLevel ?? Self.defaultOptimizationLevel }
    public var effectiveCompressionLevel: Int { compressionLevel ?? Self.defaultCompressionLevel }
    public var effectiveBatchSize: Int { batchSize ?? Self.defaultBatchSize }

    enum CodingKeys: String, CodingKey {
        case optimizationLevel = "optimization_level", compressionLevel = "compression_level", batchSize = "batch_size"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<ModelOptimizationFlavor> {
        let o = a.keyword("optimization_level"), c = a.keyword("compression_level"), b = a.keyword("batch_size")
        a.finish(known: keywords, &bag)
        var ok = true
        func int(_ v: ValueSyntax?, _ what: String, _ range: ClosedRange<Int>) -> Int? {
            guard let v else { return nil }
            let r = a.int(v, what, in: range, &bag)
            if r == nil { ok = false }
            return r
        }
        let flavor = ModelOptimizationFlavor(optimizationLevel: int(o, "optimization_level", 0...4),
                                             compressionLevel: int(c, "compression_level", 0...5),
                                             batchSize: int(b, "batch_size", 1...Int.max))
        guard ok else { return .invalid }
        if o == nil, c == nil, b == nil {
            if !a.refusedKeywords.isEmpty { return .unsupported(what: "", at: nil) }
            bag.error(.argument, "model_optimization_flavor sets nothing; give optimization_level=, compression_level= or batch_size=",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        return .command(flavor)
    }

    var printedArguments: [PrintedArgument] {
        optionalArgument("optimization_level", optimizationLevel, ScriptValue.integer)
            + optionalArgument("compression_level", compressionLevel, ScriptValue.integer)
            + optionalArgument("batch_size", batchSize, ScriptValue.integer)
    }
}
