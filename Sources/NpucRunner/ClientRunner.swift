// The ClientRunner-shaped facade over the stages, as DFC users know it:
// translate (parse) → optimize → compile, save and load archives, infer.

import Foundation
import NpucGraph
import NpucImport
import NpucIO

public final class ClientRunner {
    public let hwArch: HardwareArch
    /// The network this runner holds, once translated or loaded.
    public internal(set) var archive: Archive?

    public init(hwArch: HardwareArch = .default) {
        self.hwArch = hwArch
    }

    /// Loads a saved archive (`ClientRunner(har=...)`).
    public init(archiveAt url: URL) throws(ArchiveError) {
        let archive = try Archive.read(contentsOf: url)
        self.archive = archive
        self.hwArch = archive.hwArch
    }

    /// Parses an ONNX model (`translate_onnx_model`): cuts it at the start/end nodes, checks every
    /// node against the NPU and recognizes detection heads. Throws every problem at once.
    @discardableResult
    public func translateONNX(_ model: URL, netName: String? = nil, startNodeNames: [String] = [],
                              endNodeNames: [String] = [], tensorShapes: [String: [Int]] = [:]) throws(ParsingError) -> Archive {
        let options = ImportOptions(netName: netName, startNodeNames: startNodeNames, endNodeNames: endNodeNames,
                                    tensorShapes: tensorShapes, hwArch: hwArch)
        let result = try ONNXImporter.importModel(at: model, options: options)
        let archive = Archive(netName: result.graph.name, state: .parsed, hwArch: hwArch, graph: result.graph,
                              head: result.head, metadata: result.metadata, npucVersion: NpucVersion.current)
        self.archive = archive
        return archive
    }

    /// Writes the held archive atomically (`save_har`).
    public func saveArchive(to url: URL) throws {
        guard let archive else { throw RunnerError.noNetwork("save an archive") }
        try archive.write(to: url)
    }
}

public enum RunnerError: Error, CustomStringConvertible, Sendable {
    case noNetwork(String)

    public var description: String {
        switch self {
        case .noNetwork(let what): return "cannot \(what): no network is loaded; translate a model or load an archive first"
        }
    }
}

public enum NpucVersion {
    /// The version printed by `npuc --version` and stored in every file npuc writes.
    public static let current = "0.1.0"
}
