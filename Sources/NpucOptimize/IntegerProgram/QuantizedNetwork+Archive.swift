// Storing a quantized network in an `.npar` archive: one JSON section "quantization" (sorted keys,
// so the same network is the same bytes) and one tensor per integer parameter under
// "quantized/<layer>/<parameter>". Decoding validates the network and names what is wrong.

import Foundation
import NpucGraph
import NpucIO

/// The "quantization" section's schema.
struct QuantizationManifest: Codable {
    var format: String
    var formatVersion: Int
    var name: String
    var inputs: [String]
    var outputs: [String]
    var values: [String: QuantizedValueInfo]
    var layers: [QuantizedLayer]
}

extension QuantizedLayer: Codable {
    static let attributesKey = "attributes"
    private enum CodingKeys: String, CodingKey { case name, source, inputs, outputs, kind, attributes }

    public func encode(to encoder: any Encoder) throws {
        (encoder.userInfo[ParameterCollector.key] as? ParameterCollector)?.layer = name
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(sourceNames, forKey: .source)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(op.kind, forKey: .kind)
        switch op {
        case .conv(let a): try c.encode(a, forKey: .attributes)
        case .convTranspose(let a): try c.encode(a, forKey: .attributes)
        case .dense(let a): try c.encode(a, forKey: .attributes)
        case .addSub(let a): try c.encode(a, forKey: .attributes)
        case .mul(let a): try c.encode(a, forKey: .attributes)
        case .scale(let a): try c.encode(a, forKey: .attributes)
        case .maxMin(let a): try c.encode(a, forKey: .attributes)
        case .concat(let a): try c.encode(a, forKey: .attributes)
        case .maxPool(let a): try c.encode(a, forKey: .attributes)
        case .averagePool(let a): try c.encode(a, forKey: .attributes)
        case .globalMaxPool(let a): try c.encode(a, forKey: .attributes)
        case .globalAveragePool(let a): try c.encode(a, forKey: .attributes)
        case .reduceMean(let a): try c.encode(a, forKey: .attributes)
        case .resizeNearest(let a): try c.encode(a, forKey: .attributes)
        case .resizeBilinear(let a): try c.encode(a, forKey: .attributes)
        case .slice(let a): try c.encode(a, forKey: .attributes)
        case .split(let a): try c.encode(a, forKey: .attributes)
        case .reshape(let a): try c.encode(a, forKey: .attributes)
        case .transpose(let a): try c.encode(a, forKey: .attributes)
        case .depthToSpace(let a): try c.encode(a, forKey: .attributes)
        case .spaceToDepth(let a): try c.encode(a, forKey: .attributes)
        case .pad(let a): try c.encode(a, forKey: .attributes)
        case .activation(let a): try c.encode(a, forKey: .attributes)
        case .prelu(let a): try c.encode(a, forKey: .attributes)
        case .softmax(let a): try c.encode(a, forKey: .attributes)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        sourceNames = try c.decode([String].self, forKey: .source)
        inputs = try c.decode([String].self, forKey: .inputs)
        outputs = try c.decode([String].self, forKey: .outputs)
        func a<T: Decodable>(_ type: T.Type) throws -> T { try c.decode(type, forKey: .attributes) }
        switch try c.decode(IntegerOpKind.self, forKey: .kind) {
        case .conv: op = .conv(try a(IntegerConvolution.self))
        case .convTranspose: op = .convTranspose(try a(IntegerConvTranspose.self))
        case .dense: op = .dense(try a(IntegerDense.self))
        case .addSub: op = .addSub(try a(IntegerAddSub.self))
        case .mul: op = .mul(try a(IntegerMul.self))
        case .scale: op = .scale(try a(IntegerScale.self))
        case .maxMin: op = .maxMin(try a(IntegerMaxMin.self))
        case .concat: op = .concat(try a(IntegerConcat.self))
        case .maxPool: op = .maxPool(try a(Pooling.self))
        case .averagePool: op = .averagePool(try a(IntegerAveragePool.self))
        case .globalMaxPool: op = .globalMaxPool(try a(GlobalPooling.self))
        case .globalAveragePool: op = .globalAveragePool(try a(IntegerGlobalAveragePool.self))
        case .reduceMean: op = .reduceMean(try a(IntegerReduceMean.self))
        case .resizeNearest: op = .resizeNearest(try a(Resize.self))
        case .resizeBilinear: op = .resizeBilinear(try a(IntegerResizeBilinear.self))
        case .slice: op = .slice(try a(Slice.self))
        case .split: op = .split(try a(Split.self))
        case .reshape: op = .reshape(try a(Reshape.self))
        case .transpose: op = .transpose(try a(Transpose.self))
        case .depthToSpace: op = .depthToSpace(try a(DepthToSpace.self))
        case .spaceToDepth: op = .spaceToDepth(try a(SpaceToDepth.self))
        case .pad: op = .pad(try a(IntegerPad.self))
        case .activation: op = .activation(try a(IntegerActivation.self))
        case .prelu: op = .prelu(try a(IntegerPRelu.self))
        case .softmax: op = .softmax(try a(IntegerSoftmax.self))
        }
    }
}

extension QuantizedNetwork {
    /// The archive section holding the network.
    public static let sectionName = "quantization"
    /// The prefix of the parameter tensors' keys in `Archive.tensors`.
    public static let tensorPrefix = "quantized/"
    public static let formatName = "npuc-quantization"
    public static let formatVersion = 1

    /// The section's JSON bytes and the parameter tensors, keyed "quantized/<layer>/<parameter>".
    /// The same network always gives the same bytes and keys. Validates first.
    public func encoded() throws(QuantizedNetworkError) -> (json: [UInt8], tensors: [String: Tensor]) {
        try validate()
        let manifest = QuantizationManifest(format: Self.formatName, formatVersion: Self.formatVersion, name: name,
                                            inputs: inputs, outputs: outputs, values: values, layers: layers)
        let collector = ParameterCollector()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.userInfo[ParameterCollector.key] = collector
        do {
            let json = try encoder.encode(manifest)
            return (Array(json), collector.tensors)
        } catch {
            throw QuantizedNetworkError("the quantized network '\(name)' does not encode: \(Self.describe(error))")
        }
    }

    /// Decodes and validates a network from its section bytes and the archive's tensors.
    public static func decode(json: [UInt8], tensors: [String: Tensor]) throws(QuantizedNetworkError) -> QuantizedNetwork {
        let decoder = JSONDecoder()
        decoder.userInfo[ParameterSource.key] = ParameterSource(tensors: tensors)
        let manifest: QuantizationManifest
        do {
            manifest = try decoder.decode(QuantizationManifest.self, from: Data(json))
        } catch {
            throw QuantizedNetworkError("the '\(sectionName)' section does not decode: \(describe(error)); the archive is damaged or from an incompatible npuc — run `npuc optimize` again")
        }
        guard manifest.format == formatName else {
            throw QuantizedNetworkError("the '\(sectionName)' section is not a quantized network (format '\(manifest.format)')")
        }
        guard manifest.formatVersion <= formatVersion else {
            throw QuantizedNetworkError("the quantized network's format version \(manifest.formatVersion) is newer than this npuc reads (\(formatVersion)); upgrade npuc")
        }
        let network = QuantizedNetwork(name: manifest.name, inputs: manifest.inputs, outputs: manifest.outputs,
                                       values: manifest.values, layers: manifest.layers)
        try network.validate()
        return network
    }

    /// Writes the network into `archive`: the "quantization" section and the parameter tensors
    /// (replacing every tensor a previous network stored there).
    public func store(in archive: inout Archive) throws(QuantizedNetworkError) {
        let (json, tensors) = try encoded()
        for key in archive.tensors.keys where key.hasPrefix(Self.tensorPrefix) { archive.tensors[key] = nil }
        archive.tensors.merge(tensors) { _, new in new }
        archive.sections[Self.sectionName] = json
    }

    /// The network stored in `archive`, or nil when it has none.
    public static func stored(in archive: Archive) throws(QuantizedNetworkError) -> QuantizedNetwork? {
        guard let json = archive.sections[sectionName] else { return nil }
        return try decode(json: json, tensors: archive.tensors)
    }

    /// A decoding or encoding error as a sentence with the JSON path.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case DecodingError.dataCorrupted(let c): return "\(c.debugDescription) at \(path(c.codingPath))"
        case DecodingError.keyNotFound(let key, let c): return "'\(key.stringValue)' is missing at \(path(c.codingPath))"
        case DecodingError.typeMismatch(_, let c): return "\(c.debugDescription) at \(path(c.codingPath))"
        case DecodingError.valueNotFound(_, let c): return "\(c.debugDescription) at \(path(c.codingPath))"
        case EncodingError.invalidValue(_, let c): return "\(c.debugDescription) at \(path(c.codingPath))"
        default: return "\(error)"
        }
    }
}
