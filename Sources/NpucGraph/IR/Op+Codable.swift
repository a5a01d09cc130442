// graph.json encoding of ops: {"kind": "conv", "attributes": {…}} with the typed attributes.

extension Op: Codable {
    private enum CodingKeys: String, CodingKey { case kind, attributes }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(definition, forKey: .attributes)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(OpKind.self, forKey: .kind)
        switch kind {
        case .conv: self = .conv(try c.decode(Convolution.self, forKey: .attributes))
        case .convTranspose: self = .convTranspose(try c.decode(ConvTranspose.self, forKey: .attributes))
        case .dense: self = .dense(try c.decode(Dense.self, forKey: .attributes))
        case .maxPool: self = .maxPool(try c.decode(Pooling.self, forKey: .attributes))
        case .averagePool: self = .averagePool(try c.decode(Pooling.self, forKey: .attributes))
        case .globalAveragePool: self = .globalAveragePool(try c.decode(GlobalPooling.self, forKey: .attributes))
        case .globalMaxPool: self = .globalMaxPool(try c.decode(GlobalPooling.self, forKey: .attributes))
        case .elementwise: self = .elementwise(try c.decode(Elementwise.self, forKey: .attributes))
        case .activation: self = .activation(try c.decode(Activation.self, forKey: .attributes))
        case .prelu: self = .prelu(try c.decode(PRelu.self, forKey: .attributes))
        case .batchNorm: self = .batchNorm(try c.decode(BatchNorm.self, forKey: .attributes))
        case .concat: self = .concat(try c.decode(Concat.self, forKey: .attributes))
        case .slice: self = .slice(try c.decode(Slice.self, forKey: .attributes))
        case .split: self = .split(try c.decode(Split.self, forKey: .attributes))
        case .resize: self = .resize(try c.decode(Resize.self, forKey: .attributes))
        case .pad: self = .pad(try c.decode(Pad.self, forKey: .attributes))
        case .depthToSpace: self = .depthToSpace(try c.decode(DepthToSpace.self, forKey: .attributes))
        case .spaceToDepth: self = .spaceToDepth(try c.decode(SpaceToDepth.self, forKey: .attributes))
        case .reshape: self = .reshape(try c.decode(Reshape.self, forKey: .attributes))
        case .transpose: self = .transpose(try c.decode(Transpose.self, forKey: .attributes))
        case .softmax: self = .softmax(try c.decode(Softmax.self, forKey: .attributes))
        case .reduce: self = .reduce(try c.decode(Reduce.self, forKey: .attributes))
        }
    }
}
