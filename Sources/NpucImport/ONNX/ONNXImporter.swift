// The ONNX parser: load → check structure → cut at start/end nodes → map every node onto IR ops
// (folding shape computations) → fuse activations → check every node against the NPU's supported
// set → either a verified graph, or one report listing every problem with recommended end nodes.

import Foundation
import NpucGraph

public struct ImportOptions: Sendable, Hashable {
    public var netName: String?
    public var startNodeNames: [String]
    public var endNodeNames: [String]
    /// Shapes for graph inputs (resolving symbolic dimensions or overriding the file's).
    public var tensorShapes: [String: [Int]]
    public var hwArch: HardwareArch

    public init(netName: String? = nil, startNodeNames: [String] = [], endNodeNames: [String] = [],
                tensorShapes: [String: [Int]] = [:], hwArch: HardwareArch = .default) {
        self.netName = netName
        self.startNodeNames = startNodeNames
        self.endNodeNames = endNodeNames
        self.tensorShapes = tensorShapes
        self.hwArch = hwArch
    }
}

public struct ImportResult: Sendable {
    public var graph: Graph
    /// The detection head whose convolutions end this network, when one was recognized.
    public var head: DetectionHead?
    /// Model facts worth keeping (producer, opset, the file's metadata).
    public var metadata: [String: String]
}

public enum ONNXImporter {
    public static func importModel(at url: URL, options: ImportOptions) throws(ParsingError) -> ImportResult {
        let model: ONNXModel
        do {
            model = try ONNXModel.load(contentsOf: url)
        } catch {
            throw .invalidModel(error)
        }
        let name = options.netName ?? url.deletingPathExtension().lastPathComponent
        return try importModel(model, netName: name, options: options)
    }

    public static func importModel(_ model: ONNXModel, netName: String, options: ImportOptions) throws(ParsingError) -> ImportResult {
        do {
            return try Importer(model: model, netName: netName, options: options).run()
        } catch let error as ParsingError {
            throw error
        } catch let error as ONNXImportError {
            throw .invalidModel(error)
        } catch {
            throw .invalidModel(ONNXImportError(file: model.file, "\(error)"))
        }
    }
}

private struct Importer {
    let model: ONNXModel
    let netName: String
    let options: ImportOptions

    func run() throws -> ImportResult {
        let topology = try ONNXTopology(model)
        let cut = try ONNXCut(model: model, topology: topology, startNames: options.startNodeNames, endNames: options.endNodeNames)
        try checkTensorShapeNames(cut: cut)
        let session = ImportSession(model: model, name: netName)
        for input in cut.inputs {
            session.addInput(name: input, type: try inputType(input))
        }
        for index in cut.nodes { session.map(model.nodes[index]) }

        let inputSize = session.graph.inputs.first.map { session.graph.type(of: $0).shape }.flatMap { $0.count == 4 ? Array($0[2...]) : nil } ?? []
        let search = HeadSearchContext(model: model, topology: topology, shapeOf: { session.type(of: $0)?.shape }, inputSize: inputSize)
        let head = HeadRecognition.recognize(search)

        // Nodes the NPU cannot run: mapping problems, then constraint violations of mapped nodes.
        var problems = session.problems.map { UnsupportedNode(opType: $0.node.qualifiedOpType, nodeName: $0.node.name, reason: $0.reason) }
        var graph = session.graph
        var outputs = [ValueID]()
        let graphInputs = Set(graph.inputs)
        for name in cut.outputs {
            if let v = session.values[name] {
                if graphInputs.contains(v) || outputs.contains(v) {
                    // Identity, Dropout, single-input Max/Sum and the like pass a value through
                    // unchanged; an output that is an input (or another output) has nothing to compute.
                    let producer = topology.producer[name].map { model.nodes[$0] }
                    let what = graphInputs.contains(v) ? "the network input '\(graph[v].name)'" : "the network output '\(graph[v].name)'"
                    problems.append(UnsupportedNode(opType: producer?.qualifiedOpType ?? "Identity", nodeName: producer?.name ?? name,
                                                    reason: "its output '\(name)' is \(what) unchanged; there is nothing for the NPU to compute — drop this output or end the network earlier"))
                    continue
                }
                // An output reached through Identity/Dropout keeps the name the user knows.
                if graph[v].name != name, !graph.values.contains(where: { $0.name == name }) {
                    graph.rename(v, to: name)
                }
                outputs.append(v)
            } else if session.constants[name] != nil, !session.unavailable.contains(name) {
                let producer = topology.producer[name].map { model.nodes[$0] }
                problems.append(UnsupportedNode(opType: producer?.qualifiedOpType ?? "Constant", nodeName: producer?.name ?? name,
                                                reason: "its output '\(name)' is a constant; a network output must be computed from the inputs"))
            }
        }
        graph.outputs = outputs
        FuseActivations.run(&graph)
        graph = graph.pruned()
        for (id, violations) in NPUSupport.check(graph, arch: options.hwArch).sorted(by: { $0.key < $1.key }) {
            let node = graph.nodes[id.index]
            let opType = node.sourceNames.compactMap { n in model.nodes.first { $0.name == n }?.qualifiedOpType }.last ?? node.op.kind.rawValue
            let reason = violations.map { "\($0.rule) Here \($0.details)." }.joined(separator: " Also: ")
            problems.append(UnsupportedNode(opType: opType, nodeName: node.displayName, reason: reason))
        }

        if !problems.isEmpty {
            throw ParsingError.unsupportedNodes(report(problems: problems, session: session, topology: topology, cut: cut, head: head))
        }
        if graph.inputs.isEmpty {
            throw ONNXImportError(file: model.file, "the network has no inputs after the cut; check --start-node-names")
        }
        LayerNaming.run(&graph)
        do {
            try graph.verify()
        } catch {
            preconditionFailure("importer produced an invalid graph: \(error)")
        }
        let endsAtHead = head.map { Set($0.endNodes) == Set(options.endNodeNames) } ?? false
        return ImportResult(graph: graph, head: endsAtHead ? head : nil, metadata: metadata())
    }

    func metadata() -> [String: String] {
        var m = [String: String]()
        for (k, v) in model.metadata { m["onnx.metadata.\(k)"] = v }
        m["onnx.opset"] = String(model.opset)
        if !model.producer.isEmpty { m["onnx.producer"] = model.producer }
        m["onnx.file"] = URL(fileURLWithPath: model.file).lastPathComponent
        return m
    }

    func checkTensorShapeNames(cut: ONNXCut) throws {
        for name in options.tensorShapes.keys.sorted() where !cut.inputs.contains(name) {
            throw ONNXImportError(file: model.file, "--tensor-shapes names '\(name)', which is not an input of the network\(NameSuggestions.hint(for: name, in: cut.inputs)); the inputs are \(cut.inputs.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    func inputType(_ name: String) throws -> TensorType {
        let declared = model.inputs.first { $0.name == name }
        var dtype = DataType.float32
        if let code = declared?.elementType, code != 0 {
            guard let t = ONNXTensor.dataType(onnxCode: code) else {
                throw ONNXImportError(file: model.file, "input '\(name)' has element type \(ONNXTensor.typeName(onnxCode: code)), which npuc does not support")
            }
            dtype = t.isFloatingPoint ? .float32 : t
        }
        let example = "--tensor-shapes \(name)=1,3,640,640"
        if let given = options.tensorShapes[name] {
            guard given.allSatisfy({ $0 >= 1 }) else {
                throw ONNXImportError(file: model.file, "--tensor-shapes \(name)=\(given.map(String.init).joined(separator: ",")) has a dimension below 1")
            }
            if let declared, declared.hasShape, declared.dims.count != given.count {
                throw ONNXImportError(file: model.file, "input '\(name)' has rank \(declared.dims.count) but --tensor-shapes gives \(given.count) dimensions")
            }
            try checkSize(given, name: name)
            return TensorType(dtype, given)
        }
        let dims: [Int?]
        if let declared {
            guard declared.hasShape else {
                throw ONNXImportError(file: model.file, "input '\(name)' has no declared shape; give it with \(example)")
            }
            dims = declared.dims
            if let axis = dims.firstIndex(where: { $0 == nil }) {
                let symbol = declared.symbolicNames[axis].map { " '\($0)'" } ?? ""
                throw ONNXImportError(file: model.file, "input '\(name)' has a symbolic dimension\(symbol) at axis \(axis) (shape \(describe(declared))); give its size with \(example)")
            }
        } else if let known = model.declaredShapes[name] {
            guard !known.contains(where: { $0 == nil }) else {
                throw ONNXImportError(file: model.file, "start tensor '\(name)' has a dynamic shape; give it with \(example)")
            }
            dims = known
        } else {
            throw ONNXImportError(file: model.file, "the shape of start tensor '\(name)' is unknown; give it with \(example)")
        }
        let shape = dims.map { $0! }
        try checkSize(shape, name: name)
        return TensorType(dtype, shape)
    }

    func checkSize(_ shape: [Int], name: String) throws {
        guard ShapeArithmetic.elementCount(shape) != nil else {
            throw ONNXImportError(file: model.file, "input '\(name)' of shape \(ShapeArithmetic.describe(shape)) has more elements than npuc supports (\(maxTensorElements)); check the shape")
        }
    }

    func describe(_ info: ONNXValueInfo) -> String {
        zip(info.dims, info.symbolicNames).map { d, s in d.map(String.init) ?? s ?? "?" }.joined(separator: "×")
    }

    /// The report of unsupported nodes with the recommendation.
    func report(problems: [UnsupportedNode], session: ImportSession, topology: ONNXTopology, cut: ONNXCut,
                head: DetectionHead?) -> UnsupportedNodesReport {
        let bad = Set(problems.map(\.nodeName))
        let inCut = Set(cut.nodes)
        // Everything downstream of a problem is in the unsupported region.
        var region = Set<Int>()
        var stack = cut.nodes.filter { bad.contains(model.nodes[$0].name) }
        while let i = stack.popLast() {
            guard region.insert(i).inserted else { continue }
            for out in model.nodes[i].outputs where !out.isEmpty {
                stack += (topology.consumers[out] ?? []).filter { inCut.contains($0) }
            }
        }
        let dependents = session.downstream.map(\.name)
        let recommended: [String]
        if let head {
            recommended = head.endNodes
        } else {
            // The last supported nodes: computed (not folded) nodes outside the region that feed
            // it, plus producers of outputs that the region does not reach.
            var frontier = [Int]()
            for i in cut.nodes where !region.contains(i) {
                let outs = model.nodes[i].outputs.filter { !$0.isEmpty && session.values[$0] != nil && session.constants[$0] == nil }
                let feedsRegion = outs.contains { (topology.consumers[$0] ?? []).contains { region.contains($0) } }
                let isOutput = outs.contains { cut.outputs.contains($0) }
                if feedsRegion || isOutput { frontier.append(i) }
            }
            recommended = frontier.map { model.nodes[$0].name }
        }
        return UnsupportedNodesReport(file: model.file, arch: options.hwArch, problems: problems, dependentNodes: dependents,
                                      recommendedEndNodes: recommended, head: head)
    }
}
