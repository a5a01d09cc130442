// `resources_param(max_utilization=, max_compute_utilization=, max_control_utilization=,
// max_memory_utilization=, …)`: upper limits, as fractions of the device, that the compiler's
// resource allocation must respect. `max_utilization` sets every limit at once; 0 leaves a limit
// unset (the model zoo writes `max_utilization=0.0` next to the individual limits).

public struct ResourcesParam: CommandDefinition {
    public static let name = "resources_param"
    public static let keywords = ["max_utilization", "max_compute_utilization", "max_control_utilization",
                                  "max_memory_utilization", "max_apu_utilization", "max_compute_16bit_utilization",
                                  "max_input_aligner_utilization"]
    /// The model zoo oversubscribes some limits (1.2); beyond 2 a value is surely a typo.
    public static let allowedRange: ClosedRange<Double> = 0...2

    public var maxUtilization: Double?
    public var maxComputeUtilization: Double?
    public var maxControlUtilization: Double?
    public var maxMemoryUtilization: Double?
    public var maxApuUtilization: Double?
    public var maxCompute16bitUtilization: Double?
    public var maxInputAlignerUtilization: Double?

    public init(maxUtilization: Double? = nil, maxComputeUtilization: Double? = nil, maxControlUtilization: Double? = nil,
                maxMemoryUtilization: Double? = nil, maxApuUtilization: Double? = nil,
                maxCompute16bitUtilization: Double? = nil, maxInputAlignerUtilization: Double? = nil) {
        self.maxUtilization = maxUtilization
        self.maxComputeUtilization = maxComputeUtilization
        self.maxControlUtilization = maxControlUtilization
        self.maxMemoryUtilization = maxMemoryUtilization
        self.maxApuUtilization = maxApuUtilization
        self.maxCompute16bitUtilization = maxCompute16bitUtilization
        self.maxInputAlignerUtilization = maxInputAlignerUtilization
    }

    /// The limit for one resource: its own value, else `max_utilization`, else nil (no limit);
    /// a value of 0 counts as unset.
    public func limit(_ specific: KeyPath<ResourcesParam, Double?>) -> Double? {
        if let v = self[keyPath: specific], v > 0 { return v }
        if let v = maxUtilization, v > 0 { return v }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case maxUtilization = "max_utilization", maxComputeUtilization = "max_compute_utilization"
        case maxControlUtilization = "max_control_utilization", maxMemoryUtilization = "max_memory_utilization"
        case maxApuUtilization = "max_apu_utilization", maxCompute16bitUtilization = "max_compute_16bit_utilization"
        case maxInputAlignerUtilization = "max_input_aligner_utilization"
    }

    static var fields: [(String, WritableKeyPath<ResourcesParam, Double?>)] { [
        ("max_utilization", \.maxUtilization), ("max_compute_utilization", \.maxComputeUtilization),
        ("max_control_utilization", \.maxControlUtilization), ("max_memory_utilization", \.maxMemoryUtilization),
        ("max_apu_utilization", \.maxApuUtilization), ("max_compute_16bit_utilization", \.maxCompute16bitUtilization),
        ("max_input_aligner_utilization", \.maxInputAlignerUtilization),
    ] }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<ResourcesParam> {
        var values: [(WritableKeyPath<ResourcesParam, Double?>, String, ValueSyntax)] = []
        for (key, path) in fields { if let v = a.keyword(key) { values.append((path, key, v)) } }
        a.finish(known: keywords, &bag)
        var command = ResourcesParam()
        var ok = true
        for (path, key, v) in values {
            if let x = a.double(v, key, in: allowedRange, &bag) { command[keyPath: path] = x } else { ok = false }
        }
        guard ok else { return .invalid }
        if values.isEmpty {
            if !a.refusedKeywords.isEmpty { return .unsupported(what: "", at: nil) }
            bag.error(.argument, "resources_param sets nothing; give max_utilization= or a max_…_utilization=",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        return .command(command)
    }

    var printedArguments: [PrintedArgument] {
        Self.fields.flatMap { key, path in optionalArgument(key, self[keyPath: path], ScriptValue.number) }
    }
}
