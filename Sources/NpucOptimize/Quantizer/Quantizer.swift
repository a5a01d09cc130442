// The quantizer: builds a QuantizedNetwork from a prepared float graph (no batch normalization
// left), a calibrated range per value and a precision config, following docs/QUANTIZATION.md.
// Layers come from `Quantizer.plan` (fusion of activations into the preceding accumulating op);
// each value gets its domain here — from its range, or its input's for layers that keep it.

import NpucGraph

public enum Quantizer {
    /// Quantizes `graph`. `ranges` holds the calibrated [min, max] of every value named by
    /// `requiredRanges` (extra entries are ignored).
    public static func quantize(_ graph: Graph, ranges: [String: ClosedRange<Double>],
                                config: QuantizerConfig = QuantizerConfig()) throws(QuantizationError) -> QuantizedNetwork {
        var session = try QuantizerSession(graph: graph, ranges: ranges, config: config)
        return try session.run()
    }
}

/// The state of one quantization: domains assigned so far and layers built.
struct QuantizerSession {
    let graph: Graph
    let ranges: [String: ClosedRange<Double>]
    let config: QuantizerConfig
    let plan: [PlannedLayer]
    let producers: [ValueID: NodeID]
    var domains: [ValueID: QuantDomain] = [:]
    var layers: [QuantizedLayer] = []

    init(graph: Graph, ranges: [String: ClosedRange<Double>], config: QuantizerConfig) throws(QuantizationError) {
        do {
            try graph.verify()
        } catch {
            throw QuantizationError("the graph '\(graph.name)' is inconsistent: \(error.message)")
        }
        for node in graph.nodes {
            if case .batchNorm = node.op {
                throw QuantizationError("node '\(node.name)' (\(node.displayName)) is a batch normalization; the graph must be prepared first (fold batch normalizations into the preceding convolutions)")
            }
        }
        self.graph = graph
        self.ranges = ranges
        self.config = config
        plan = Quantizer.plan(graph)
        producers = graph.producers()
        try checkConfig()
    }

    /// Refuses config entries that name nothing, so a typo is never silently ignored.
    func checkConfig() throws(QuantizationError) {
        let layerNames = Set(plan.map(\.name))
        for name in config.layerPrecision.keys.sorted() where !layerNames.contains(name) {
            throw QuantizationError("a precision is set for '\(name)', which is not a layer of '\(graph.name)' (layers are named after their first node, e.g. \(plan.prefix(3).map(\.name).joined(separator: ", ")))")
        }
        for name in config.weightOverrides.keys.sorted() where !layerNames.contains(name) {
            throw QuantizationError("weights are given for '\(name)', which is not a layer of '\(graph.name)'")
        }
        let valueNames = Set(graph.values.map(\.name))
        for name in config.forcedRanges.keys.sorted() where !valueNames.contains(name) {
            throw QuantizationError("a range is forced for '\(name)', which is not a value of '\(graph.name)'")
        }
        let inputNames = Set(graph.inputs.map { graph[$0].name })
        for name in config.inputDomains.keys.sorted() where !inputNames.contains(name) {
            throw QuantizationError("a domain is given for '\(name)', which is not an input of '\(graph.name)' (inputs: \(inputNames.sorted().joined(separator: ", ")))")
        }
    }

    mutating func run() throws(QuantizationError) -> QuantizedNetwork {
        for id in graph.inputs {
            let name = graph[id].name
            if let given = config.inputDomains[name] {
                guard given.isValid else { throw QuantizationError("the domain given for input '\(name)' is invalid: \(given)") }
                domains[id] = given
            } else {
                domains[id] = try QuantDomain(range: try range(of: id), bits: 8, what: "input '\(name)'")
            }
        }
        for planned in plan { try build(planned) }
        var values = [String: QuantizedValueInfo]()
        for (id, domain) in domains { values[graph[id].name] = QuantizedValueInfo(shape: graph.type(of: id).shape, domain: domain) }
        for id in graph.outputs where domains[id] == nil {
            throw QuantizationError("network output '\(graph[id].name)' is a constant; cut the network before it")
        }
        let network = QuantizedNetwork(name: graph.name, inputs: graph.inputs.map { graph[$0].name },
                                       outputs: graph.outputs.map { graph[$0].name }, values: values, layers: layers)
        do {
            try network.validate()
        } catch {
            throw QuantizationError("internal error: the quantized network is invalid: \(error.message)")
        }
        return network
    }

    // MARK: Values, ranges and domains

    func name(_ v: ValueID) -> String { graph[v].name }

    /// "value 'x' (output of node 'conv3' / '/model.0/conv/Conv')" for messages.
    func describe(_ v: ValueID) -> String {
        guard let p = producers[v] else { return "value '\(name(v))'" }
        let node = graph[p]
        return "value '\(name(v))' (output of node '\(node.name)'\(node.displayName != node.name ? " / '\(node.displayName)'" : ""))"
    }

    /// The forced or calibrated range of `v`.
    func range(of v: ValueID) throws(QuantizationError) -> ClosedRange<Double> {
        if let forced = config.forcedRanges[name(v)] { return forced }
        guard let r = ranges[name(v)] else {
            throw QuantizationError("\(describe(v)) has no calibrated range; calibrate every value `Quantizer.requiredRanges` lists (or force a range for it)")
        }
        return r
    }

    /// The domain already given to a layer input; constants are refused.
    func domain(of v: ValueID, in layer: PlannedLayer) throws(QuantizationError) -> QuantDomain {
        if graph.isConstant(v) {
            throw QuantizationError("layer '\(layer.name)' reads the constant '\(name(v))' where a feature map is expected; such constants must be folded before quantization")
        }
        guard let d = domains[v] else {
            throw QuantizationError("internal error: \(describe(v)) has no domain when layer '\(layer.name)' reads it")
        }
        return d
    }

    /// Gives `v` the domain of its range with `bits`.
    mutating func assignDomain(_ v: ValueID, bits: Int) throws(QuantizationError) -> QuantDomain {
        let d = try QuantDomain(range: try range(of: v), bits: bits, what: describe(v))
        domains[v] = d
        return d
    }

    /// Gives the outputs of a domain-keeping layer the input's domain; refuses a forced range or
    /// a precision that would change it.
    mutating func keepDomain(_ layer: PlannedLayer, from input: QuantDomain) throws(QuantizationError) {
        if let bits = config.layerPrecision[layer.name]?.activationBits, bits != input.bits {
            throw QuantizationError("layer '\(layer.name)' keeps its input's \(input.bits)-bit domain and cannot be made \(bits)-bit; set the precision of the layer producing its input")
        }
        for v in layer.outputs {
            if config.forcedRanges[name(v)] != nil {
                throw QuantizationError("a range is forced for '\(name(v))', but layer '\(layer.name)' keeps its input's domain; force the range of its input instead")
            }
            domains[v] = input
        }
    }

    func constant(_ v: ValueID, of layer: PlannedLayer, role: String) throws(QuantizationError) -> Tensor {
        guard let t = graph.constants[v] else {
            throw QuantizationError("layer '\(layer.name)': the \(role) '\(name(v))' is computed by the graph; it must be a constant")
        }
        guard t.dataType.isFloatingPoint, t.allFinite else {
            throw QuantizationError("layer '\(layer.name)': the \(role) '\(name(v))' holds NaN or infinite values (or is not floating point); fix the model")
        }
        return t
    }

    /// A constant operand quantized like an activation: its own 8-bit domain from its min/max.
    func quantizedConstant(_ tensor: Tensor, name: String, layer: PlannedLayer) throws(QuantizationError) -> IntegerConstant {
        let values = tensor.doubleValues
        let range = (values.min() ?? 0)...(values.max() ?? 0)
        let domain = try QuantDomain(range: range, bits: 8, what: "layer '\(layer.name)': the constant '\(name)'")
        return IntegerConstant(domain: domain, values: QuantDomain.tensor(shape: tensor.shape, values: values.map(domain.quantize), bits: 8))
    }

    mutating func append(_ layer: PlannedLayer, inputs: [ValueID], op: IntegerOp) {
        let node = graph[layer.node]
        var sources = node.sourceNames
        if let a = layer.activation { sources += graph[a].sourceNames }
        layers.append(QuantizedLayer(name: layer.name, sourceNames: sources, inputs: inputs.map(name), outputs: layer.outputs.map(name), op: op))
    }

    // MARK: Epilogues

    /// Where an accumulating layer's result goes: the output domain (no activation, or a
    /// clamping one), or the pre-activation domain of a lookup table.
    enum EpilogueTarget {
        case requantize(scale: Double, lo: Int, hi: Int)
        case lookup(scale: Double, table: Tensor)

        var scale: Double {
            switch self {
            case .requantize(let s, _, _): return s
            case .lookup(let s, _): return s
            }
        }

        func epilogue(_ multipliers: [Multiplier]) -> IntegerEpilogue {
            switch self {
            case .requantize(_, let lo, let hi): return .requantize(RequantizeEpilogue(multipliers: multipliers, lo: lo, hi: hi))
            case .lookup(_, let table): return .lookup(LookupEpilogue(multipliers: multipliers, table: table))
            }
        }
    }

    func epilogueTarget(_ layer: PlannedLayer, output: QuantDomain) throws(QuantizationError) -> EpilogueTarget {
        guard let a = layer.activation, case .activation(let activation) = graph[a].op, let pre = layer.preActivation else {
            return .requantize(scale: output.scale, lo: 0, hi: output.maxQ)
        }
        switch activation.function {
        case .relu:
            return .requantize(scale: output.scale, lo: output.quantize(0), hi: output.maxQ)
        case .clip(let lo, let hi):
            return .requantize(scale: output.scale, lo: output.quantize(Double(lo)), hi: output.quantize(Double(hi)))
        default:
            let scale = try LookupTables.preActivationScale(range: try range(of: pre), what: describe(pre))
            return .lookup(scale: scale, table: LookupTables.epilogueTable(activation, preActivationScale: scale, output: output))
        }
    }

    // MARK: Layers

    mutating func build(_ layer: PlannedLayer) throws(QuantizationError) {
        let node = graph[layer.node]
        let precision = config.precision(of: layer.name)
        switch node.op {
        case .conv(let a):
            try buildAccumulating(layer, precision: precision, layout: .outputChannelsFirst) { w, b, e in
                .conv(IntegerConvolution(attributes: a, weightBits: precision.weightBits, weights: w, bias: b, epilogue: e))
            }
        case .convTranspose(let a):
            try buildAccumulating(layer, precision: precision, layout: .convTranspose(group: a.group)) { w, b, e in
                .convTranspose(IntegerConvTranspose(attributes: a, weightBits: precision.weightBits, weights: w, bias: b, epilogue: e))
            }
        case .dense:
            try buildAccumulating(layer, precision: precision, layout: .outputChannelsFirst) { w, b, e in
                .dense(IntegerDense(weightBits: precision.weightBits, weights: w, bias: b, epilogue: e))
            }
        case .elementwise(let e):
            try buildElementwise(layer, function: e.function, precision: precision)
        case .concat(let a):
            let input = try node.inputs.map { v throws(QuantizationError) in try domain(of: v, in: layer) }
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let combinations = try input.enumerated().map { i, d throws(QuantizationError) in
                try LinearCombination(encoding: [d.scale / out.scale], what: "layer '\(layer.name)': the factor of input \(i)")
            }
            append(layer, inputs: node.inputs, op: .concat(IntegerConcat(axis: a.axis, combinations: combinations)))
        case .maxPool(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .maxPool(a))
        case .globalMaxPool(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .globalMaxPool(a))
        case .averagePool(let a):
            let input = try domain(of: node.inputs[0], in: layer)
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let area = a.kernelShape.reduce(1, *)
            let divisors = try (1...area).map { n throws(QuantizationError) in
                try Multiplier(encoding: input.scale / (out.scale * Double(n)), what: "layer '\(layer.name)': the multiplier for \(n) positions")
            }
            append(layer, inputs: node.inputs, op: .averagePool(IntegerAveragePool(attributes: a, divisors: divisors)))
        case .globalAveragePool:
            let input = try domain(of: node.inputs[0], in: layer)
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let n = graph.type(of: node.inputs[0]).shape.dropFirst(2).reduce(1, *)
            let m = try Multiplier(encoding: input.scale / (out.scale * Double(n)), what: "layer '\(layer.name)': the averaging multiplier")
            append(layer, inputs: node.inputs, op: .globalAveragePool(IntegerGlobalAveragePool(multiplier: m)))
        case .reduce(let a):
            guard a.function == .mean else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): reduce \(a.function.rawValue) has no integer form in npuc; only reduce-mean is quantized — end the network before it")
            }
            let input = try domain(of: node.inputs[0], in: layer)
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let shape = graph.type(of: node.inputs[0]).shape
            let n = a.axes.reduce(1) { $0 * shape[$1] }
            let m = try Multiplier(encoding: input.scale / (out.scale * Double(n)), what: "layer '\(layer.name)': the averaging multiplier")
            append(layer, inputs: node.inputs, op: .reduceMean(IntegerReduceMean(axes: a.axes, keepDims: a.keepDims, multiplier: m)))
        case .resize(let a):
            try buildResize(layer, a)
        case .slice(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .slice(a))
        case .split(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .split(a))
        case .reshape(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .reshape(a))
        case .transpose(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .transpose(a))
        case .depthToSpace(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .depthToSpace(a))
        case .spaceToDepth(let a):
            try keepDomain(layer, from: try domain(of: node.inputs[0], in: layer))
            append(layer, inputs: node.inputs, op: .spaceToDepth(a))
        case .pad(let a):
            guard a.mode != .wrap else {
                throw QuantizationError("layer '\(layer.name)' (\(node.displayName)): wrap padding has no integer form in npuc; end the network before it")
            }
            let input = try domain(of: node.inputs[0], in: layer)
            try keepDomain(layer, from: input)
            let value = a.mode == .constant ? input.quantize(Double(a.value)) : input.zeroPoint
            append(layer, inputs: node.inputs, op: .pad(IntegerPad(mode: a.mode, padsBegin: a.padsBegin, padsEnd: a.padsEnd, value: value)))
        case .activation(let a):
            let input = try domain(of: node.inputs[0], in: layer)
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let table = LookupTables.activationTable(a, input: input, output: out)
            append(layer, inputs: node.inputs, op: .activation(IntegerActivation(function: a.function, table: table)))
        case .prelu:
            try buildPRelu(layer, precision: precision)
        case .softmax(let a):
            let input = try domain(of: node.inputs[0], in: layer)
            let out = try assignDomain(layer.outputs[0], bits: precision.activationBits)
            let r = try LookupTables.softmaxReciprocal(output: out, layer: layer.name)
            append(layer, inputs: node.inputs, op: .softmax(IntegerSoftmax(axis: a.axis, exponentials: LookupTables.softmaxExponentials(input: input, outputBits: out.bits), reciprocal: r)))
        case .batchNorm:
            throw QuantizationError("node '\(node.name)' (\(node.displayName)) is a batch normalization; the graph must be prepared first")
        }
    }
}
