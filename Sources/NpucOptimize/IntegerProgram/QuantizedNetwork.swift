// The quantized network: what the quantizer produces, the emulator runs and the compiler lowers.
// Values are named like the float graph's (a fused layer's output is its activation's output);
// every value has a static shape and a domain; layers are in topological order.

import NpucGraph

public struct QuantizedValueInfo: Hashable, Sendable, Codable {
    public var shape: [Int]
    public var domain: QuantDomain

    public init(shape: [Int], domain: QuantDomain) {
        self.shape = shape
        self.domain = domain
    }
}

public struct QuantizedLayer: Hashable, Sendable {
    /// npuc's layer name (the first fused node's name, e.g. `conv12`); unique.
    public var name: String
    /// The original framework node names of every fused node, for messages and reports.
    public var sourceNames: [String]
    /// Value names read, in the op's order.
    public var inputs: [String]
    /// Value names written.
    public var outputs: [String]
    public var op: IntegerOp

    public init(name: String, sourceNames: [String], inputs: [String], outputs: [String], op: IntegerOp) {
        self.name = name
        self.sourceNames = sourceNames
        self.inputs = inputs
        self.outputs = outputs
        self.op = op
    }
}

public struct QuantizedNetwork: Hashable, Sendable {
    public var name: String
    /// Network input value names (the host quantizes these).
    public var inputs: [String]
    /// Network output value names (the host dequantizes these).
    public var outputs: [String]
    /// Shape and domain of every value (inputs, outputs, intermediates).
    public var values: [String: QuantizedValueInfo]
    /// In a topological order.
    public var layers: [QuantizedLayer]

    public init(name: String, inputs: [String], outputs: [String], values: [String: QuantizedValueInfo], layers: [QuantizedLayer]) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.values = values
        self.layers = layers
    }

    public func domain(of value: String) -> QuantDomain? { values[value]?.domain }

    public func layer(named name: String) -> QuantizedLayer? { layers.first { $0.name == name } }

    /// Quantizes float inputs (keyed by input name) into their domains: uint8 or uint16 tensors.
    public func quantizeInputs(_ inputs: [String: Tensor]) throws(QuantizedNetworkError) -> [String: Tensor] {
        var result = [String: Tensor]()
        for (name, tensor) in inputs {
            guard let info = values[name], self.inputs.contains(name) else {
                throw QuantizedNetworkError("'\(name)' is not an input of the quantized network (its inputs: \(self.inputs.joined(separator: ", ")))")
            }
            guard tensor.dataType.isFloatingPoint else {
                throw QuantizedNetworkError("input '\(name)' is \(tensor.dataType.rawValue); pass floating-point values to quantize, or pass integers to the emulator directly")
            }
            guard tensor.shape == info.shape else {
                throw QuantizedNetworkError("input '\(name)' has shape \(ShapeArithmetic.describe(tensor.shape)), expected \(ShapeArithmetic.describe(info.shape))")
            }
            result[name] = info.domain.quantize(tensor)
        }
        return result
    }

    /// Dequantizes integer tensors (keyed by value name) to float32 with their domains.
    public func dequantize(_ tensors: [String: Tensor]) throws(QuantizedNetworkError) -> [String: Tensor] {
        var result = [String: Tensor]()
        for (name, tensor) in tensors {
            guard let info = values[name] else { throw QuantizedNetworkError("'\(name)' is not a value of the quantized network") }
            result[name] = info.domain.dequantize(tensor)
        }
        return result
    }
}

/// A quantized network that is malformed (a damaged archive, or a bug in whatever built it).
public struct QuantizedNetworkError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
