// The float preparation pipeline in its one correct order, built from plain values (what the
// model script's normalization, input_conversion, change_output_activation and
// pre_quantization_optimization(equalization) commands say):
//   1. fold batch norms (so later passes see plain convolutions),
//   2. fold normalization (mean/std are in the model's channel order),
//   3. input conversion (after 2, or the mean/std would apply to swapped channels),
//   4. output activations, in script order,
//   5. cross-layer equalization (on the final float weights).

import NpucGraph

public struct FloatPreparation: Sendable {
    public struct Normalization: Sendable, Hashable {
        public var mean: [Double]
        public var std: [Double]
        public var input: String?
        public var layerName: String

        public init(mean: [Double], std: [Double], input: String? = nil, layerName: String = "normalization1") {
            self.mean = mean
            self.std = std
            self.input = input
            self.layerName = layerName
        }
    }

    public var normalizations: [Normalization]
    /// Inputs that receive BGR data (`input_conversion(bgr_to_rgb)`); nil in the list means the
    /// model's only input.
    public var bgrInputs: [String?]
    public var outputActivations: [ChangeOutputActivation]
    /// Nil: no equalization.
    public var equalization: CrossLayerEqualization?

    public init(normalizations: [Normalization] = [], bgrInputs: [String?] = [], outputActivations: [ChangeOutputActivation] = [],
                equalization: CrossLayerEqualization? = nil) {
        self.normalizations = normalizations
        self.bgrInputs = bgrInputs
        self.outputActivations = outputActivations
        self.equalization = equalization
    }

    /// The passes in order.
    public var passes: [any GraphPass] {
        var passes: [any GraphPass] = [FoldBatchNorm()]
        passes += normalizations.map { FoldNormalization(mean: $0.mean, std: $0.std, input: $0.input, layerName: $0.layerName) }
        passes += bgrInputs.map { InputConversion(.bgrToRgb, input: $0) }
        passes += outputActivations as [any GraphPass]
        if let equalization { passes.append(equalization) }
        return passes
    }

    /// `graph` with every pass applied.
    public func apply(to graph: Graph) throws(PreparationError) -> Graph {
        try graph.applying(passes)
    }
}
