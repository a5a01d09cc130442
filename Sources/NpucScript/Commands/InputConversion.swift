// `input_conversion([input_layer,] conversion [, emulator_support=bool])`: a conversion of the
// input's color format done on the device. npuc implements `bgr_to_rgb` (channel order swap);
// the YUV and RGBX conversions of the model zoo are recognized and refused by name.

public struct InputConversion: CommandDefinition {
    public static let name = "input_conversion"
    public static let keywords = ["input_layer", "conversion_type", "emulator_support"]
    static let definesLayers = true

    public enum Conversion: String, ScriptKeyword {
        case bgrToRgb = "bgr_to_rgb"
        public static let noun = "input conversion"
    }

    /// Conversions of the DFC that npuc recognizes but does not implement.
    public static let unsupportedConversions = [
        "yuv_to_rgb", "yuv_full_range_to_rgb", "nv12_to_hailo_yuv", "nv21_to_hailo_yuv", "i420_to_hailo_yuv",
        "yuy2_to_hailo_yuv", "tf_rgbx_to_hailo_rgb",
    ]

    public var inputLayer: LayerSelector?
    public var conversion: Conversion
    /// Whether the float emulator applies the conversion too (accepted; npuc's emulator always does).
    public var emulatorSupport: Bool?

    public init(inputLayer: LayerSelector? = nil, conversion: Conversion, emulatorSupport: Bool? = nil) {
        self.inputLayer = inputLayer
        self.conversion = conversion
        self.emulatorSupport = emulatorSupport
    }

    static func read(_ a: inout Arguments, _ bag: inout DiagnosticBag) -> ReadOutcome<InputConversion> {
        var layerValue: ValueSyntax?
        if a.positionalCount >= 2 { layerValue = a.nextPositionalValue() }
        if let k = a.keyword("input_layer") { layerValue = k }
        let conversionValue = a.value("conversion_type", positionalAllowed: true)
        let emulatorValue = a.keyword("emulator_support")
        a.finish(known: keywords, &bag)
        guard let conversionValue else {
            bag.error(.argument, "input_conversion needs a conversion, e.g. input_conversion(bgr_to_rgb)", at: a.commandLocation, length: a.command.count)
            return .invalid
        }
        if case .name(let word) = conversionValue.kind, unsupportedConversions.contains(word) {
            return .unsupported(what: "input_conversion(\(word))", at: conversionValue)
        }
        let conversion = a.keywordValue(conversionValue, "the conversion", as: Conversion.self, &bag)
        let layer = layerValue.flatMap { a.selector($0, "input_layer", &bag) }
        let emulator = emulatorValue.flatMap { a.bool($0, "emulator_support", &bag) }
        guard let conversion, (layerValue == nil) == (layer == nil), (emulatorValue == nil) == (emulator == nil) else {
            return .invalid
        }
        return .command(InputConversion(inputLayer: layer, conversion: conversion, emulatorSupport: emulator))
    }

    var printedArguments: [PrintedArgument] {
        (inputLayer.map { [PrintedArgument(nil, .selector($0))] } ?? [])
            + [PrintedArgument(nil, .word(conversion))]
            + optionalArgument("emulator_support", emulatorSupport, ScriptValue.bool)
    }

    var layerReferences: [LayerReference] {
        inputLayer.map { [LayerReference(role: "input_layer", selector: $0)] } ?? []
    }
}
