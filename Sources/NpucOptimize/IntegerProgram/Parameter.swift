// Integer parameter tensors of quantized layers (weights, biases, tables, quantized constants).
// In memory they are plain `Tensor`s (the `@Parameter` wrapper is invisible to users); in the
// archive's "quantization" JSON each one is the key of a tensor stored beside it in
// `Archive.tensors`: "quantized/<layer>/<path>", where <path> is the parameter's place in the
// layer's attributes ("weights", "epilogue.table", "operands.1.values").

import Foundation
import NpucGraph

@propertyWrapper
public struct Parameter: Hashable, Sendable {
    public var wrappedValue: Tensor
    public init(wrappedValue: Tensor) { self.wrappedValue = wrappedValue }
}

/// Collects the tensors of the layers being encoded (one encoding pass, one thread).
final class ParameterCollector: @unchecked Sendable {
    static let key = CodingUserInfoKey(rawValue: "npuc.quantized.parameters")!
    var layer = ""
    var tensors: [String: Tensor] = [:]
}

/// The tensors a decoding pass reads parameters from.
final class ParameterSource: @unchecked Sendable {
    static let key = CodingUserInfoKey(rawValue: "npuc.quantized.source")!
    let tensors: [String: Tensor]
    init(tensors: [String: Tensor]) { self.tensors = tensors }
}

extension Parameter: Codable {
    /// The parameter's path inside its layer's attributes, from the coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        let start = (codingPath.lastIndex { $0.stringValue == QuantizedLayer.attributesKey }).map { $0 + 1 } ?? 0
        return codingPath[start...].map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    public func encode(to encoder: any Encoder) throws {
        guard let collector = encoder.userInfo[ParameterCollector.key] as? ParameterCollector else {
            throw EncodingError.invalidValue(wrappedValue, .init(codingPath: encoder.codingPath,
                                                                 debugDescription: "integer parameters are encoded only as part of a QuantizedNetwork"))
        }
        let name = "quantized/\(collector.layer)/\(Self.path(encoder.codingPath))"
        guard collector.tensors[name] == nil else {
            throw EncodingError.invalidValue(wrappedValue, .init(codingPath: encoder.codingPath,
                                                                 debugDescription: "two parameters are named '\(name)'; layer names must be unique"))
        }
        collector.tensors[name] = wrappedValue
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let source = decoder.userInfo[ParameterSource.key] as? ParameterSource else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "integer parameters are decoded only as part of a QuantizedNetwork")
        }
        guard let tensor = source.tensors[name] else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "the tensor '\(name)' is missing from the archive")
        }
        wrappedValue = tensor
    }
}
