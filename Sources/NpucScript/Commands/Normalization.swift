// `normalization(mean, std [, input_layer])`: folds (x - mean) / std per channel into the model's
// input; the assigned name (`normalization1 = …`) names the layer it adds.

public struct Normalization: CommandDefinition {
    public static let name = "normalization"
    public static let keywords = ["mean", "std", "input_layer"]
    static let definesLayers = true

    /// Per-channel mean, subtracted first.
    public var mean: [Double]
    /// Per-channel standard deviation, divided by; never zero.
    public var std: [Double]
    /// The input it applies to; nil means the model's only input.
    public var inputLayer: LayerSelector?

    public init(mean: [Double], std: [Double], inputLayer: LayerSelector? = nil) {
        self.mean = mean
        self.std = std
        self.inputLayer = inputLayer
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<Normalization> {
        let meanValue = a.value("mean", positionalAllowed: true)
        let stdValue = a.value("std", positionalAllowed: true)
        let inputValue = a.value("input_layer", positionalAllowed: true)
        a.finish(known: keywords, &bag)
        guard let meanValue, let stdValue else {
            bag.error(.argument, "normalization needs a mean and a std list, e.g. normalization([0.0, 0.0, 0.0], [255.0, 255.0, 255.0])",
                      at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        let mean = a.doubleList(meanValue, "mean", &bag)
        let std = a.doubleList(stdValue, "std", &bag)
        var input: LayerSelector?
        if let inputValue { input = a.selector(inputValue, "input_layer", &bag) }
        guard let mean, let std, inputValue == nil || input != nil else { return .invalid }
        if mean.isEmpty {
            bag.error(.argument, "mean must have one value per input channel, found an empty list",
                      at: meanValue.location, length: meanValue.length)
            return .invalid
        }
        if mean.count != std.count {
            bag.error(.argument, "mean has \(mean.count) values but std has \(std.count); give one of each per input channel",
                      at: stdValue.location, length: stdValue.length)
            return .invalid
        }
        if std.contains(0) {
            bag.error(.argument, "std must not contain 0 (the input is divided by it)", at: stdValue.location, length: stdValue.length)
            return .invalid
        }
        return .command(Normalization(mean: mean, std: std, inputLayer: input))
    }

    var printedArguments: [PrintedArgument] {
        [PrintedArgument(nil, .numbers(mean)), PrintedArgument(nil, .numbers(std))]
            + (inputLayer.map { [PrintedArgument(nil, .selector($0))] } ?? [])
    }

    var layerReferences: [LayerReference] {
        inputLayer.map { [LayerReference(role: "input_layer", selector: $0)] } ?? []
    }
}
