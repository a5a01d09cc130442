// `change_output_activation([layers,] activation)`: replaces the activation of output layers
// (the YOLO class convolutions get `sigmoid`). Without layers it applies to every output layer.

public struct ChangeOutputActivation: CommandDefinition {
    public static let name = "change_output_activation"
    public static let keywords = ["layers", "activation"]

    public enum OutputActivation: String, ScriptKeyword {
        case linear, relu, relu6, sigmoid, tanh, silu
        public static let noun = "activation"
    }

    /// The layers to change; nil means every output layer.
    public var layers: LayerSelector?
    public var activation: OutputActivation

    public init(layers: LayerSelector? = nil, activation: OutputActivation) {
        self.layers = layers
        self.activation = activation
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<ChangeOutputActivation> {
        var layersValue: ValueSyntax?
        if a.positionalCount >= 2 { layersValue = a.nextPositionalValue() }
        if let k = a.keyword("layers") { layersValue = k }
        let activationValue = a.value("activation", positionalAllowed: true)
        a.finish(known: keywords, &bag)
        guard let activationValue else {
            bag.error(.argument, "change_output_activation needs an activation, e.g. change_output_activation(conv42, sigmoid)", at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        let activation = a.keywordValue(activationValue, "the activation", as: OutputActivation.self, &bag)
        let layers = layersValue.flatMap { a.selector($0, "layers", &bag) }
        guard let activation, (layersValue == nil) == (layers == nil) else { return .invalid }
        return .command(ChangeOutputActivation(layers: layers, activation: activation))
    }

    var printedArguments: [PrintedArgument] {
        (layers.map { [PrintedArgument(nil, .selector($0))] } ?? []) + [PrintedArgument(nil, .word(activation))]
    }

    var layerReferences: [LayerReference] {
        layers.map { [LayerReference(role: "layers", selector: $0)] } ?? []
    }
}
