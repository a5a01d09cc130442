// npuc-executor-bench: times the float executor on one model for the executor benchmark
// (benchmarks/executor/bench_yolo.py). Imports an ONNX model (optionally cut at end nodes, with
// input shapes), feeds an input from a .npz/.npy file (or a constant pattern), runs warm-up
// iterations, then prints one JSON object with every measured latency. `--profile` prints
// per-step times instead.

import Foundation
import NpucExecutor
import NpucGraph
import NpucImport
import NpucIO
import NpucKernels

struct Arguments {
    var model = ""
    var endNodes: [String] = []
    var shapes: [String: [Int]] = [:]
    var input: String?
    var runs = 20
    var warmup = 3
    var profile = false
    var reference = false

    init(_ argv: [String]) throws {
        var i = 1
        func value() throws -> String {
            i += 1
            guard i < argv.count else { throw BenchError("\(argv[i - 1]) needs a value") }
            return argv[i]
        }
        while i < argv.count {
            switch argv[i] {
            case "--model": model = try value()
            case "--end-node-names": endNodes = try value().split(separator: " ").map(String.init)
            case "--tensor-shape":
                let parts = try value().split(separator: "=")
                guard parts.count == 2 else { throw BenchError("--tensor-shape NAME=1,3,640,640") }
                shapes[String(parts[0])] = parts[1].split(separator: ",").compactMap { Int($0) }
            case "--input": input = try value()
            case "--runs": runs = Int(try value()) ?? runs
            case "--warmup": warmup = Int(try value()) ?? warmup
            case "--profile": profile = true
            case "--reference": reference = true
            default: throw BenchError("unknown argument \(argv[i])")
            }
            i += 1
        }
        guard !model.isEmpty else { throw BenchError("usage: npuc-executor-bench --model M.onnx [--end-node-names 'A B'] [--tensor-shape N=1,3,640,640] [--input X.npz] [--runs N] [--warmup N] [--profile]") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func main() throws {
    let args = try Arguments(CommandLine.arguments)
    let options = ImportOptions(endNodeNames: args.endNodes, tensorShapes: args.shapes)
    let graph = try ONNXImporter.importModel(at: URL(filePath: args.model), options: options).graph
    let executor = try FloatExecutor(graph, options: .init(kernels: args.reference ? .reference : .fast))
    var inputs: [String: Tensor] = [:]
    let loaded: [(name: String, tensor: Tensor)]
    if let path = args.input {
        let url = URL(filePath: path)
        loaded = path.hasSuffix(".npz") ? try Npz.decode(contentsOf: url) : [(graph[graph.inputs[0]].name, try NumPy.decode(contentsOf: url))]
    } else {
        loaded = []
    }
    for id in graph.inputs {
        let value = graph[id]
        if let t = loaded.first(where: { $0.name == value.name })?.tensor {
            inputs[value.name] = t
        } else {
            let n = value.type.elementCount
            inputs[value.name] = Tensor(shape: value.type.shape, float32: (0..<n).map { Float($0 % 251) / 251 })
        }
    }
    for _ in 0..<args.warmup { _ = try executor.run(inputs) }
    if args.profile {
        var best: [String: Double] = [:]
        var order: [(String, String)] = []
        for _ in 0..<args.runs {
            for t in try executor.profile(inputs) {
                if best[t.node] == nil { order.append((t.node, t.kernel)) }
                best[t.node] = min(best[t.node] ?? .infinity, t.seconds)
            }
        }
        let total = best.values.reduce(0, +)
        print(String(format: "sum of per-step minima: %.3f ms over %d steps", total * 1000, order.count))
        for (node, kernel) in order.sorted(by: { best[$0.0]! > best[$1.0]! }) {
            print(String(format: "%9.3f ms  %-22@ %@", best[node]! * 1000, kernel, node))
        }
        return
    }
    var latencies: [Double] = [], cpu: [Double] = []
    for _ in 0..<args.runs {
        let cpuStart = processCPUTime()
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try executor.run(inputs)
        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-6)
        cpu.append((processCPUTime() - cpuStart) * 1e3)
    }
    let json: [String: Any] = ["latencies_ms": latencies, "cpu_ms": cpu, "kernels": KernelSupport.summary, "cores": Parallel.coreCount,
                               "macs": graph.macs, "fast": executor.usesFastKernels]
    let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// User + system CPU time of the whole process, in seconds (all threads).
func processCPUTime() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("npuc-executor-bench: error: \(error)\n".utf8))
    exit(1)
}
