// `performance_param(fps=, compiler_optimization_level=0|1|2|max, optimize_for_batch=)`: the
// compiler's throughput target and effort. The model zoo's older spelling
// `optimization_level=` is read as `compiler_optimization_level=`.

public struct PerformanceParam: CommandDefinition {
    public static let name = "performance_param"
    public static let keywords = ["fps", "compiler_optimization_level", "optimize_for_batch"]

    public enum CompilerOptimizationLevel: String, ScriptKeyword {
        case zero = "0", one = "1", two = "2", max
        public static let noun = "compiler optimization level"
    }

    /// Frames per second the compiler should reach (it reports when it cannot).
    public var fps: Double?
    public var compilerOptimizationLevel: CompilerOptimizationLevel?
    /// The batch size to optimize the allocation for.
    public var optimizeForBatch: Int?

    public init(fps: Double? = nil, compilerOptimizationLevel: CompilerOptimizationLevel? = nil, optimizeForBatch: Int? = nil) {
        self.fps = fps
        self.compilerOptimizationLevel = compilerOptimizationLevel
        self.optimizeForBatch = optimizeForBatch
    }

    enum CodingKeys: String, CodingKey {
        case fps, compilerOptimizationLevel = "compiler_optimization_level", optimizeForBatch = "optimize_for_batch"
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<PerformanceParam> {
        let fpsValue = a.keyword("fps")
        var levelValue = a.keyword("compiler_optimization_level")
        if a.has("optimization_level") {
            let alias = a.keyword("optimization_level")
            if levelValue != nil, let alias {
                bag.error(.argument, "optimization_level repeats compiler_optimization_level; give one of them",
                          at: alias.location, length: alias.length)
                return .invalid
            }
            levelValue = alias
        }
        let batchValue = a.keyword("optimize_for_batch")
        a.finish(known: keywords, &bag)
        var ok = true
        var command = PerformanceParam()
        if let fpsValue {
            command.fps = a.positiveDouble(fpsValue, "fps", &bag)
            if command.fps == nil { ok = false }
        }
        if let levelValue {
            switch levelValue.kind {
            case .number(let x, let text):
                if let level = CompilerOptimizationLevel(rawValue: x == x.rounded() && abs(x) < 10 ? String(Int(x)) : text) {
                    command.compilerOptimizationLevel = level
                } else {
                    bag.error(.argument, "compiler_optimization_level=\(text) is out of range; it must be 0, 1, 2 or max",
                              at: levelValue.location, length: levelValue.length)
                    ok = false
                }
            default:
                command.compilerOptimizationLevel = a.keywordValue(levelValue, "compiler_optimization_level",
                                                                   as: CompilerOptimizationLevel.self, &bag)
                if command.compilerOptimizationLevel == nil { ok = false }
            }
        }
        if let batchValue {
            command.optimizeForBatch = a.int(batchValue, "optimize_for_batch", in: 1...Int.max, &bag)
            if command.optimizeForBatch == nil { ok = false }
        }
        guard ok else { return .invalid }
        if fpsValue == nil, levelValue == nil, batchValue == nil {
            if !a.refusedKeywords.isEmpty { return .unsupported(what: "", at: nil) }
            bag.error(.argument, "performance_param sets nothing; give fps=, compiler_optimization_level= or optimize_for_batch=",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        return .command(command)
    }

    var printedArguments: [PrintedArgument] {
        optionalArgument("fps", fps, ScriptValue.number)
            + optionalArgument("compiler_optimization_level", compilerOptimizationLevel) { level in
                level == .max ? .name("max") : .integer(Int(level.rawValue)!)
            }
            + optionalArgument("optimize_for_batch", optimizeForBatch, ScriptValue.integer)
    }
}
