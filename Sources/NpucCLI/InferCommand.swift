// `npuc infer ARCHIVE --context native|fp-optimized|quantized --input X [--input Y …] [-o OUT]`:
// runs a network on images or NumPy files — the parsed float network (native), the optimizer's
// prepared float network (fp-optimized) or the integer network in the emulator (quantized) — and
// writes one .npz per input (one member per network output, named as in the ONNX model). Every
// input is read and checked before anything runs or is written, so a bad input gives one clear
// error and no output.

import ArgumentParser
import Foundation
import NpucExecutor
import NpucGraph
import NpucIO
import NpucImages
import NpucOptimize
import NpucRunner
import NpucScript

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a network on images or .npy/.npz inputs and write its outputs as .npz.",
        discussion: """
            An input is an image (.jpg .jpeg .png .bmp), a folder of images, a .npy or a .npz. Images \
            are fitted to the network's input size (plain resize unless --letterbox or --crop), RGB \
            unless --bgr, laid out as the input wants (N×C×H×W or N×H×W×C) and normalized: \
            (pixel − mean) / std with the archive's model-script normalization if it has one, else \
            --mean/--std (default 0 and 255: pixels scaled to 0…1, as Ultralytics exports expect). \
            A .npy is fed as is (the model's own layout and element type, what ONNX Runtime would be \
            fed); one with N rows of the input's shape runs N samples and its outputs are stacked. \
            A .npz feeds a multi-input network (members named as the inputs). With one input file \
            and -o FILE.npz, that file is written; otherwise -o is a folder (default infer_out) \
            holding <input name>.npz per input (per image for a folder).

            Contexts: native runs the float network as parsed. fp-optimized runs the float network \
            the optimizer prepared (model script's normalization, input_conversion and \
            change_output_activation folded in, equalization applied); quantized runs the integer \
            network in the bit-exact emulator, quantizing float inputs and dequantizing the outputs. \
            Both need an optimized archive (run `npuc optimize` first) and take what the prepared \
            network takes: when the archive's model script has a normalization, it is folded into \
            the network, so images are fed as raw pixels 0…255 (--mean/--std are refused); without \
            one, images are normalized as for native. With input_conversion(bgr_to_rgb), images are \
            fed BGR. A .npy is read like calibration data (`npuc optimize --calib-set-path`): \
            N×H×W×C or N×C×H×W, uint8 or float, no normalization applied, one run per row, outputs \
            stacked. A .npz gives the prepared network's inputs as they are.
            """
    )

    @Argument(help: "The network archive (.npar).")
    var archive: String

    @Option(help: "native (the float network as parsed), fp-optimized (the float network after the optimizer's preparation) or quantized (the integer network, emulated).")
    var context: String = "native"

    @Option(name: .customLong("input"), help: "An image, a folder of images, a .npy or a .npz (repeatable).")
    var inputs: [String] = []

    @Option(name: [.short, .customLong("output")], help: "The .npz to write (one input file) or a folder.")
    var output: String?

    @Flag(help: "Keep the image's aspect ratio and pad with 114 (Ultralytics' letterbox).")
    var letterbox = false

    @Flag(help: "Keep the image's aspect ratio and cut out the middle.")
    var crop = false

    @Flag(help: "Feed BGR instead of RGB.")
    var bgr = false

    @Option(help: "Per-channel mean subtracted from image pixels (one value or three, comma-separated).")
    var mean: String?

    @Option(help: "Per-channel divisor of image pixels after the mean (one value or three).")
    var std: String?

    @Flag(help: "Print the run time of each sample.")
    var timing = false

    func run() throws {
        do {
            try infer()
        } catch let error as ExitCode {
            throw error
        } catch {
            throw reportFailure(error)
        }
    }

    private func infer() throws {
        guard let inferenceContext = InferenceContext(rawValue: context) else {
            throw InferError("--context \(context) is not a context; use native, fp-optimized or quantized")
        }
        guard !inputs.isEmpty else { throw InferError("give at least one --input (an image, a folder of images, a .npy or a .npz)") }
        guard !(letterbox && crop) else { throw InferError("--letterbox and --crop exclude each other") }
        let archiveURL = URL(fileURLWithPath: archive)
        let runner = try ClientRunner(archiveAt: archiveURL)
        let stored = runner.archive!
        let session = try runner.inferenceSession(inferenceContext)
        let graph = session.graph
        var normalization = try imageNormalization(stored)
        var order: ChannelOrder = bgr ? .bgr : .rgb
        if inferenceContext != .native, graph.inputs.count == 1, let convention = session.imageConventions[graph[graph.inputs[0]].name] {
            if let folded = convention.foldedMean {
                guard mean == nil && std == nil else {
                    throw InferError("the archive's model script folds normalization(\(folded.map { formatNumber($0) }), \((convention.foldedStd ?? []).map { formatNumber($0) })) into the \(inferenceContext) network, so images are fed as raw pixels 0…255; drop --mean/--std")
                }
                normalization = ([0], [1])
            }
            if convention.bgr { order = .bgr }
        }
        let preparer = InputPreparer(graph: graph, fit: letterbox ? .letterbox : (crop ? .crop : .resize),
                                     order: order, mean: normalization.mean, std: normalization.std,
                                     calibrationLayout: inferenceContext != .native)

        // Read and check every input before running anything.
        var jobs: [InferJob] = []
        for path in inputs { jobs += try preparer.jobs(for: path) }
        for job in jobs { try job.check(preparer) }
        let destinations = try outputPaths(for: jobs)

        for (job, destination) in zip(jobs, destinations) {
            let samples = try job.load(preparer)
            var results: [[String: Tensor]] = []
            for sample in samples {
                let start = Date()
                results.append(try session.run(sample))
                if timing {
                    printToStderr(String(format: "%@: %.1f ms", job.name, Date().timeIntervalSince(start) * 1000))
                }
            }
            let members = graph.outputs.map { id -> (name: String, tensor: Tensor) in
                let name = graph[id].name
                return (name, stack(results.map { $0[name]! }, batched: job.batched))
            }
            try AtomicFile.write(Npz.encode(members), to: destination)
            print("\(job.name) → \(destination.path)")
        }
    }

    /// The normalization images get: the archive's model script's, the flags', or pixels / 255
    /// (for the prepared network, when the script has no normalization to fold).
    private func imageNormalization(_ archive: Archive) throws -> (mean: [Float], std: [Float]) {
        func values(_ text: String, _ flag: String) throws -> [Float] {
            let parts = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.count == 1 || parts.count == 3, parts.allSatisfy({ $0 != nil }) else {
                throw InferError("--\(flag) takes one number or three comma-separated numbers, got '\(text)'")
            }
            return parts.map { $0! }
        }
        if mean != nil || std != nil {
            let m = try mean.map { try values($0, "mean") } ?? [0]
            let s = try std.map { try values($0, "std") } ?? [255]
            guard s.allSatisfy({ $0 != 0 }) else { throw InferError("--std must not contain 0") }
            return (m, s)
        }
        if let text = archive.sections["model_script"].map({ String(decoding: $0, as: UTF8.self) }),
           let script = try? ModelScript.parse(text) {
            for case .normalization(let n) in script.commands {
                return (n.mean.map { Float($0) }, n.std.map { Float($0) })
            }
        }
        return ([0], [255])
    }

    /// Where each job's .npz goes: -o itself for a single file input, else a folder.
    private func outputPaths(for jobs: [InferJob]) throws -> [URL] {
        let single = jobs.count == 1 && !jobs[0].fromFolder
        if single, let output, output.hasSuffix(".npz") { return [URL(fileURLWithPath: output)] }
        let folder = URL(fileURLWithPath: output ?? (single ? "." : "infer_out"))
        if single && output == nil { return [folder.appendingPathComponent(jobs[0].name + ".npz")] }
        var seen = Set<String>()
        for job in jobs where !seen.insert(job.name).inserted {
            throw InferError("two inputs are both named '\(job.name)'; their outputs would overwrite each other")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InferError("-o \(folder.path) is a file; several inputs need a folder (or give one input with -o FILE.npz)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return jobs.map { folder.appendingPathComponent($0.name + ".npz") }
    }

    /// The outputs of N samples stacked along the batch axis (batched .npy inputs), or the only one.
    private func stack(_ tensors: [Tensor], batched: Bool) -> Tensor {
        guard batched else { return tensors[0] }
        let first = tensors[0]
        let shape = [tensors.count * (first.shape.first ?? 1)] + first.shape.dropFirst()
        switch first.storage {
        case .float64: return Tensor(shape: shape, storage: .float64(tensors.flatMap { t -> [Double] in
            if case .float64(let a) = t.storage { return a }
            return t.floats.map(Double.init)
        }))
        default: return Tensor(shape: shape, float32: tensors.flatMap(\.floats))
        }
    }
}

/// A number as a script would write it (no trailing ".0").
func formatNumber(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
}

struct InferError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One input argument (or one image of a folder): what to load and how it maps to samples.
struct InferJob {
    enum Source {
        case image(URL)
        case npy(URL)
        case npz(URL)
    }

    var source: Source
    var name: String
    var fromFolder: Bool
    /// True for a .npy of N rows run as N samples (outputs stacked).
    var batched = false

    func check(_ preparer: InputPreparer) throws {
        _ = try samples(preparer, checkOnly: true)
    }

    func load(_ preparer: InputPreparer) throws -> [[String: Tensor]] {
        try samples(preparer, checkOnly: false)
    }

    private func samples(_ preparer: InputPreparer, checkOnly: Bool) throws -> [[String: Tensor]] {
        switch source {
        case .image(let url):
            return [[preparer.singleInputName(): try preparer.imageTensor(url)]]
        case .npy(let url):
            return try preparer.npySamples(url, checkOnly: checkOnly)
        case .npz(let url):
            return [try preparer.npzSample(url)]
        }
    }
}

/// Turns files into executor inputs for one graph, with the checks and messages of `npuc infer`.
struct InputPreparer {
    let graph: Graph
    let fit: FitMode
    let order: ChannelOrder
    let mean: [Float]
    let std: [Float]
    /// True for the prepared network (fp-optimized, quantized): a .npy is read as calibration
    /// data is (NHWC or NCHW, any numeric type, one run per row).
    var calibrationLayout = false

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    func jobs(for path: String) throws -> [InferJob] {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw InferError("input \(path) does not exist")
        }
        let stem = url.deletingPathExtension().lastPathComponent
        if isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
                .filter { Self.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            guard !names.isEmpty else { throw InferError("folder \(path) holds no images (.jpg .jpeg .png .bmp)") }
            return names.map { name in
                InferJob(source: .image(url.appendingPathComponent(name)), name: (name as NSString).deletingPathExtension,
                         fromFolder: true)
            }
        }
        switch url.pathExtension.lowercased() {
        case "npy" where calibrationLayout:
            return [InferJob(source: .npy(url), name: stem, fromFolder: false, batched: true)]
        case "npy":
            let npy = try NpyFile(contentsOf: url)
            let shape = try singleInputType().shape
            let batched = npy.shape != shape && shape.first == 1 && npy.shape.count == shape.count && Array(npy.shape.dropFirst()) == Array(shape.dropFirst())
            return [InferJob(source: .npy(url), name: stem, fromFolder: false, batched: batched)]
        case "npz":
            return [InferJob(source: .npz(url), name: stem, fromFolder: false)]
        case let ext where Self.imageExtensions.contains(ext):
            return [InferJob(source: .image(url), name: stem, fromFolder: false)]
        default:
            throw InferError("input \(path): unknown kind; give an image (.jpg .jpeg .png .bmp), a folder of images, a .npy or a .npz")
        }
    }

    func singleInputName() -> String { graph[graph.inputs[0]].name }

    func singleInputType() throws -> TensorType {
        guard graph.inputs.count == 1 else {
            throw InferError("the network has \(graph.inputs.count) inputs (\(graph.inputs.map { graph[$0].name }.joined(separator: ", "))); give them together in a .npz")
        }
        return graph.type(of: graph.inputs[0])
    }

    /// The image decoded, fitted and normalized into the input's layout (NCHW or NHWC, batch 1).
    func imageTensor(_ url: URL) throws -> Tensor {
        let type = try singleInputType()
        let shape = type.shape
        let nchw = shape.count == 4 && shape[1] == 3, nhwc = shape.count == 4 && shape[3] == 3
        guard shape.first == 1, nchw || nhwc else {
            throw InferError("input '\(singleInputName())' has shape \(ShapeArithmetic.describe(shape)), not a batch-1 image (1×3×H×W or 1×H×W×3); give a .npy")
        }
        guard type.dataType.isFloatingPoint else {
            throw InferError("input '\(singleInputName())' has element type \(type.dataType.rawValue); give a .npy")
        }
        let height = nchw ? shape[2] : shape[1], width = nchw ? shape[3] : shape[2]
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(contentsOf: url)
        } catch {
            throw InferError("\(error)")
        }
        let pixels = Preprocess.tensor(decoded.image, PreprocessOptions(width: width, height: height, fit: fit, channelOrder: order,
                                                                        dataType: .float32)).floats
        var values = [Float](repeating: 0, count: 3 * height * width)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let v = (pixels[(y * width + x) * 3 + c] - mean[mean.count == 3 ? c : 0]) / std[std.count == 3 ? c : 0]
                    values[nchw ? (c * height + y) * width + x : (y * width + x) * 3 + c] = v
                }
            }
        }
        let tensor = Tensor(shape: shape, float32: values)
        switch type.dataType {
        case .float64: return Tensor(shape: shape, storage: .float64(values.map(Double.init)))
        case .float16: return Tensor(shape: shape, storage: .float16Bits(values.map(HalfFloat.fromFloat)))
        default: return tensor
        }
    }

    /// The samples of a .npy: the whole array when it has the input's shape, else one per row.
    func npySamples(_ url: URL, checkOnly: Bool) throws -> [[String: Tensor]] {
        if calibrationLayout { return try calibrationSamples(url, checkOnly: checkOnly) }
        let type = try singleInputType()
        let npy = try NpyFile(contentsOf: url)
        guard npy.dataType == type.dataType else {
            throw InferError("\(url.path) holds \(npy.dataType.rawValue); input '\(singleInputName())' takes \(type.dataType.rawValue) (give the array the model's own element type)")
        }
        let rows = npy.shape.count == type.shape.count && type.shape.first == 1
            && Array(npy.shape.dropFirst()) == Array(type.shape.dropFirst())
        guard npy.shape == type.shape || rows else {
            throw InferError("\(url.path) has shape \(ShapeArithmetic.describe(npy.shape)); input '\(singleInputName())' takes \(ShapeArithmetic.describe(type.shape)) (or N rows of it)")
        }
        if checkOnly {
            _ = try npy.rows(0..<min(1, npy.rowCount))
            return []
        }
        if npy.shape == type.shape { return [[singleInputName(): try npy.rows(0..<npy.rowCount)]] }
        return try (0..<npy.rowCount).map { [singleInputName(): try npy.rows($0..<($0 + 1))] }
    }

    /// The rows of a .npy read as calibration data is (layout and element type converted, NaN
    /// and infinities refused by row); checking reads every row, one at a time.
    func calibrationSamples(_ url: URL, checkOnly: Bool) throws -> [[String: Tensor]] {
        _ = try singleInputType()
        let samples = try CalibrationData.npy(url).open(for: graph)
        var result: [[String: Tensor]] = []
        for run in 0..<samples.count {
            let input = try samples.input(run)
            if !checkOnly { result.append([samples.inputName: input]) }
        }
        return result
    }

    /// A multi-input sample: one member per graph input, with the input's shape and type.
    func npzSample(_ url: URL) throws -> [String: Tensor] {
        let members = try Npz.decode(contentsOf: url)
        var sample: [String: Tensor] = [:]
        for id in graph.inputs {
            let value = graph[id]
            guard let tensor = members.first(where: { $0.name == value.name })?.tensor else {
                throw InferError("\(url.path) has no member '\(value.name)' (members: \(members.map(\.name).joined(separator: ", ")))")
            }
            guard tensor.shape == value.type.shape, tensor.dataType == value.type.dataType else {
                throw InferError("\(url.path): member '\(value.name)' is \(tensor.dataType.rawValue)[\(ShapeArithmetic.describe(tensor.shape))]; the input takes \(value.type)")
            }
            sample[value.name] = tensor
        }
        return sample
    }
}
