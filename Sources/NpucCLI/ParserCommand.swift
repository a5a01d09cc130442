// `npuc parser onnx MODEL.onnx …`: parse a model into a `.npar` archive, cutting it at start/end
// nodes; on unsupported nodes, print every problem with the recommended end nodes (and with -y,
// accept the recommendation and parse again).

import ArgumentParser
import Foundation
import NpucGraph
import NpucImport
import NpucRunner

extension HardwareArch: ExpressibleByArgument {}

struct ParserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parser",
        abstract: "Parse a trained model into an npuc archive (.npar).",
        subcommands: [ParserONNXCommand.self]
    )
}

struct ParserONNXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onnx",
        abstract: "Parse an ONNX model, cut it where the NPU's support ends, and write NAME.npar.",
        discussion: """
        Without end nodes the whole graph is checked; unsupported nodes are all listed together with
        the end nodes to use instead (for YOLO-style detectors, the head convolutions: box decoding and
        NMS then run on the host). Find node names with `npuc nodes MODEL.onnx`.
        """
    )

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(help: "Network name (default: the model file's name).")
    var netName: String?

    @Option(parsing: .upToNextOption, help: "Where the network starts: graph input or node names.")
    var startNodeNames: [String] = []

    @Option(parsing: .upToNextOption, help: "Where the network ends: their outputs become the network's outputs, in this order.")
    var endNodeNames: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Input shapes, resolving dynamic dimensions.", valueName: "NAME=1,3,640,640"))
    var tensorShapes: [String] = []

    @Option(help: "Target NPU: \(HardwareArch.allCases.map(\.rawValue).joined(separator: ", ")).")
    var hwArch: HardwareArch = .default

    @Option(name: [.short, .customLong("output")], help: "Archive to write (default: NET_NAME.npar).")
    var output: String?

    @Flag(name: .short, help: "Accept the recommended end nodes and parse again when parsing fails.")
    var yes = false

    func validate() throws {
        _ = try TensorShapeArgument.parse(tensorShapes)
    }

    func run() throws {
        let shapes = try TensorShapeArgument.parse(tensorShapes)
        let runner = ClientRunner(hwArch: hwArch)
        let modelURL = URL(fileURLWithPath: model)
        var ends = endNodeNames
        func translate() -> Result<NpucIO.Archive, ParsingError> {
            Result { () throws(ParsingError) in
                try runner.translateONNX(modelURL, netName: netName, startNodeNames: startNodeNames, endNodeNames: ends,
                                         tensorShapes: shapes)
            }
        }
        var result = translate()
        if case .failure(.unsupportedNodes(let report)) = result, yes, !report.recommendedEndNodes.isEmpty {
            printToStderr(report.description)
            printToStderr("Accepting the recommendation (-y): parsing again with --end-node-names \(report.recommendedEndNodes.joined(separator: " "))")
            ends = report.recommendedEndNodes
            result = translate()
        }
        let archive: NpucIO.Archive
        switch result {
        case .success(let a): archive = a
        case .failure(let error): throw reportFailure(error)
        }
        let destination = URL(fileURLWithPath: output ?? "\(archive.netName).npar")
        do {
            try archive.write(to: destination)
        } catch {
            throw reportFailure(error)
        }
        if let head = archive.head {
            print(HeadRecognitionNote.text(head))
        }
        print(ArchiveSummary(archive).text)
        print("wrote     \(destination.path)")
    }
}

import NpucIO

/// Parses `--tensor-shapes NAME=1,3,640,640` (brackets allowed: `NAME=[1,3,640,640]`).
enum TensorShapeArgument {
    static func parse(_ values: [String]) throws -> [String: [Int]] {
        var shapes = [String: [Int]]()
        for value in values {
            guard let eq = value.lastIndex(of: "=") else {
                throw ValidationError("--tensor-shapes '\(value)' should look like NAME=1,3,640,640")
            }
            let name = String(value[..<eq])
            let dims = value[value.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: "[]() "))
            let parsed = dims.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !name.isEmpty, !parsed.isEmpty, parsed.allSatisfy({ $0 != nil && $0! >= 1 }) else {
                throw ValidationError("--tensor-shapes '\(value)' should look like NAME=1,3,640,640 (positive integers)")
            }
            guard shapes[name] == nil else { throw ValidationError("--tensor-shapes gives '\(name)' twice") }
            shapes[name] = parsed.map { $0! }
        }
        return shapes
    }
}

enum HeadRecognitionNote {
    static func text(_ head: DetectionHead) -> String {
        "note      \(head.metaArchitecture.displayName) head: the network ends at its \(head.endNodes.count) head convolutions; box decoding and NMS run on the host"
    }
}
