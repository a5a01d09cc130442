// An operand of an elementwise integer layer: one of the layer's inputs, or a constant tensor
// quantized like an activation (its own domain), broadcast by NumPy rules like an input.

import NpucGraph

public struct IntegerConstant: Hashable, Sendable, Codable {
    public var domain: QuantDomain
    /// uint8 (or uint16) integers of `domain`, in the constant's own shape.
    @Parameter public var values: Tensor

    public init(domain: QuantDomain, values: Tensor) {
        self.domain = domain
        self.values = values
    }
}

public enum IntegerOperand: Hashable, Sendable {
    /// The layer input at this index of `QuantizedLayer.inputs`.
    case input(Int)
    case constant(IntegerConstant)
}

extension IntegerOperand: Codable {
    private enum CodingKeys: String, CodingKey { case input, domain, values }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .input(let i):
            try c.encode(i, forKey: .input)
        case .constant(let k):
            try c.encode(k.domain, forKey: .domain)
            try c.encode(Parameter(wrappedValue: k.values), forKey: .values)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let i = try c.decodeIfPresent(Int.self, forKey: .input) {
            self = .input(i)
        } else {
            self = .constant(IntegerConstant(domain: try c.decode(QuantDomain.self, forKey: .domain),
                                             values: try c.decode(Parameter.self, forKey: .values).wrappedValue))
        }
    }
}
