// The ONNX backend node-case conformance runner: for every case under .fixtures/onnx-node
// (made by scripts/fetch-fixtures.sh), import the model, run it in the float executor and
// compare with the case's outputs using numpy.testing.assert_allclose's rule
// (|actual − expected| ≤ atol + rtol·|expected|, NaN where NaN is expected).
//
// The node cases pass weights and other parameters as graph inputs, which the NPU set requires
// to be constants; a case the importer refuses as given is tried once more with every input
// but the first made an initializer holding the case's data (the form real models have).
// Cases still refused are skipped with the importer's reason.

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport

struct ConformanceMeta: Decodable {
    struct Port: Decodable {
        var name: String
        var type: String
        var elemType: String?
        enum CodingKeys: String, CodingKey { case name, type, elemType = "elem_type" }
    }
    var name: String
    var kind: String
    var ops: [String]
    var rtol: Double
    var atol: Double
    var inputs: [Port]
    var outputs: [Port]
}

enum ConformanceStatus: Equatable {
    case passed
    case failed(String)
    /// Skipped because the importer refuses the model (ops outside the NPU set and the like).
    case unsupported(String)
    /// Skipped because the case cannot be expressed (sequence/optional values, element types
    /// npuc has no tensors for).
    case notApplicable(String)
}

struct ConformanceOutcome {
    var name: String
    var ops: [String]
    var status: ConformanceStatus
    /// True when the case ran with its parameters turned into initializers.
    var baked = false
}

struct ConformanceSummary {
    var outcomes: [ConformanceOutcome]

    var passed: [ConformanceOutcome] { outcomes.filter { $0.status == .passed } }
    var failed: [ConformanceOutcome] { outcomes.filter { if case .failed = $0.status { return true } else { return false } } }
    var skipped: [ConformanceOutcome] { outcomes.filter { $0.status != .passed && !failedCase($0) } }
    private func failedCase(_ o: ConformanceOutcome) -> Bool { if case .failed = o.status { return true } else { return false } }

    /// "N passed, M failed, K skipped", then every failure, then the skip reasons grouped.
    var report: String {
        var lines = ["\(passed.count) passed, \(failed.count) failed, \(skipped.count) skipped (of \(outcomes.count) node cases; \(passed.count + failed.count) applicable, \(outcomes.filter(\.baked).count) run with parameters as initializers)"]
        if !failed.isEmpty {
            lines.append("Failures:")
            for o in failed { if case .failed(let why) = o.status { lines.append("  \(o.name) [\(o.ops.joined(separator: ","))]: \(why)") } }
        }
        var reasons: [String: [String]] = [:]
        for o in skipped {
            switch o.status {
            case .unsupported(let why): reasons["unsupported: " + why, default: []].append(o.name)
            case .notApplicable(let why): reasons["not applicable: " + why, default: []].append(o.name)
            default: break
            }
        }
        if !reasons.isEmpty {
            lines.append("Skipped:")
            for (why, names) in reasons.sorted(by: { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }) {
                let shown = names.sorted().prefix(8).joined(separator: ", ")
                lines.append("  \(names.count)× \(why) — \(shown)\(names.count > 8 ? ", …" : "")")
            }
        }
        return lines.joined(separator: "\n")
    }
}

enum ONNXConformanceRunner {
    static func runAll(root: URL, kernels: FloatExecutor.Options.Kernels = .fast, filter: (String) -> Bool = { _ in true }) -> ConformanceSummary {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .filter { !$0.hasPrefix(".") && $0 != "index.json" && filter($0) }.sorted()
        return ConformanceSummary(outcomes: names.map { run(case: root.appending(path: $0), kernels: kernels) })
    }

    static func run(case directory: URL, kernels: FloatExecutor.Options.Kernels = .fast) -> ConformanceOutcome {
        let name = directory.lastPathComponent
        guard let metaData = try? Data(contentsOf: directory.appending(path: "meta.json")),
              let meta = try? JSONDecoder().decode(ConformanceMeta.self, from: metaData) else {
            return ConformanceOutcome(name: name, ops: [], status: .failed("meta.json is missing or unreadable"))
        }
        var outcome = ConformanceOutcome(name: name, ops: meta.ops, status: .passed)
        guard meta.kind == "tensor" else {
            outcome.status = .notApplicable("\(meta.kind) values")
            return outcome
        }
        let dataSet = directory.appending(path: "test_data_set_0")
        // Inputs and expected outputs.
        var inputs: [(name: String, tensor: Tensor, proto: Onnx_TensorProto)] = []
        for (k, port) in meta.inputs.enumerated() {
            guard port.type == "tensor" else { outcome.status = .notApplicable("\(port.type) input"); return outcome }
            let file = dataSet.appending(path: "input_\(k).pb")
            guard let bytes = try? Data(contentsOf: file) else {
                if port.name.isEmpty { continue }
                outcome.status = .failed("missing \(file.lastPathComponent)")
                return outcome
            }
            do {
                let (_, tensor) = try ONNXTensor.decode(serialized: [UInt8](bytes), file: file.path)
                var proto = try Onnx_TensorProto(serializedBytes: bytes)
                proto.name = port.name
                inputs.append((port.name, tensor, proto))
            } catch {
                outcome.status = .notApplicable("input element type \(port.elemType ?? "?") (\(error))")
                return outcome
            }
        }
        var expected: [(name: String, tensor: Tensor)] = []
        for (k, port) in meta.outputs.enumerated() {
            let file = dataSet.appending(path: "output_\(k).pb")
            guard let bytes = try? Data(contentsOf: file) else {
                outcome.status = .failed("missing \(file.lastPathComponent)")
                return outcome
            }
            do {
                let (_, tensor) = try ONNXTensor.decode(serialized: [UInt8](bytes), file: file.path)
                expected.append((port.name, tensor))
            } catch {
                outcome.status = .notApplicable("output element type \(port.elemType ?? "?")")
                return outcome
            }
        }

        // Import as given; if refused, with every input but the first baked in.
        let modelURL = directory.appending(path: "model.onnx")
        guard let modelData = try? Data(contentsOf: modelURL), var proto = try? Onnx_ModelProto(serializedBytes: modelData) else {
            outcome.status = .failed("model.onnx does not load")
            return outcome
        }
        var graph: Graph
        var runtimeInputs = inputs
        switch importGraph(modelData, file: modelURL.path, name: name) {
        case .success(let g):
            graph = g
        case .failure(let firstError):
            guard inputs.count > 1 else {
                outcome.status = .unsupported(reason(firstError))
                return outcome
            }
            for input in inputs.dropFirst() { proto.graph.initializer.append(input.proto) }
            guard let baked = try? proto.serializedData() else {
                outcome.status = .failed("cannot re-serialize the model with initializers")
                return outcome
            }
            switch importGraph(baked, file: modelURL.path, name: name) {
            case .success(let g):
                graph = g
                runtimeInputs = [inputs[0]]
                outcome.baked = true
            case .failure(let error):
                outcome.status = .unsupported(reason(error))
                return outcome
            }
        }

        // The float executor's tensors are float16/32/64: integer or bool values the network
        // reads or returns at run time are outside what it defines.
        let floatTypes: Set<DataType> = [.float16, .float32, .float64]
        let graphInputNames = Set(graph.inputs.map { graph[$0].name })
        let runtime = runtimeInputs.filter { graphInputNames.contains($0.name) }.map { ($0.name, $0.tensor) } + expected
        if let (port, tensor) = runtime.first(where: { !floatTypes.contains($0.1.dataType) }) {
            outcome.status = .notApplicable("\(tensor.dataType.rawValue) value '\(port)' at run time (the float executor runs float16, float32 and float64 tensors)")
            return outcome
        }

        // Run and compare.
        let results: [String: Tensor]
        do {
            let executor = try FloatExecutor(graph, options: .init(kernels: kernels))
            var feed: [String: Tensor] = [:]
            for input in runtimeInputs where graphInputNames.contains(input.name) { feed[input.name] = input.tensor }
            results = try executor.run(feed)
        } catch {
            outcome.status = .failed("executor: \(error)")
            return outcome
        }
        for (name, want) in expected {
            guard let got = results[name] else {
                outcome.status = .failed("output '\(name)' is missing (graph outputs: \(results.keys.sorted()))")
                return outcome
            }
            if let problem = compare(got, want, rtol: meta.rtol, atol: meta.atol) {
                outcome.status = .failed("output '\(name)': \(problem)")
                return outcome
            }
        }
        return outcome
    }

    static func importGraph(_ data: Data, file: String, name: String) -> Result<Graph, ParsingError> {
        do {
            let model = try ONNXModel.decode(data, file: file, directory: nil)
            return .success(try ONNXImporter.importModel(model, netName: name, options: ImportOptions()).graph)
        } catch let error as ParsingError {
            return .failure(error)
        } catch let error as ONNXImportError {
            return .failure(.invalidModel(error))
        } catch {
            return .failure(.invalidModel(ONNXImportError(file: file, "\(error)")))
        }
    }

    /// A short, groupable reason: the op type and the importer's reason for the first problem.
    static func reason(_ error: ParsingError) -> String {
        switch error {
        case .unsupportedNodes(let report):
            guard let first = report.problems.first else { return "unsupported" }
            return "\(first.opType): \(first.reason)"
        case .invalidModel(let e):
            return "importer: \(e.message)"
        }
    }

    /// The element values as Double (float64 kept exact).
    static func doubles(_ t: Tensor) -> [Double] {
        if case .float64(let a) = t.storage { return a }
        return t.floats.map { Double($0) }
    }

    /// numpy.testing.assert_allclose(actual, expected, rtol, atol, equal_nan=True), or nil when it passes.
    static func compare(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double) -> String? {
        guard actual.shape == expected.shape else {
            return "shape \(ShapeArithmetic.describe(actual.shape)), expected \(ShapeArithmetic.describe(expected.shape))"
        }
        let a = doubles(actual), b = doubles(expected)
        var mismatches = 0
        var worst: (index: Int, excess: Double) = (-1, 0)
        for i in b.indices {
            let x = a[i], y = b[i]
            if x.isNaN || y.isNaN {
                if x.isNaN != y.isNaN { mismatches += 1; if worst.index < 0 { worst = (i, .infinity) } }
                continue
            }
            if x.isInfinite || y.isInfinite {
                if x != y { mismatches += 1; worst = (i, .infinity) }
                continue
            }
            let excess = abs(x - y) - (atol + rtol * abs(y))
            if excess > 0 {
                mismatches += 1
                if excess > worst.excess { worst = (i, excess) }
            }
        }
        guard mismatches > 0 else { return nil }
        let i = worst.index
        return "\(mismatches) of \(b.count) elements differ; worst at \(i): \(a[i]) vs expected \(b[i])"
    }
}
