// The `.npar` archive: a zip whose members are `graph.json` (the graph IR, the detection head,
// metadata, later stages' sections) and one NumPy `.npy` per constant tensor, so that
// `numpy.load("net.npar")` opens it. Written atomically and byte-identically for the same content.

import Foundation
import NpucGraph

/// What stage a network has reached.
public enum ArchiveState: String, Codable, Sendable, Hashable {
    case parsed, optimized
}

public struct Archive: Sendable, Equatable {
    public static let formatName = "npuc-archive"
    public static let formatVersion = 1

    public var netName: String
    public var state: ArchiveState
    public var hwArch: HardwareArch
    public var graph: Graph
    public var head: DetectionHead?
    /// Free-form facts (source file, opset, the model's own metadata).
    public var metadata: [String: String]
    /// JSON sections of later stages (e.g. "quantization"), stored as `<key>.json` members.
    public var sections: [String: [UInt8]]
    /// Extra named tensors of later stages, stored as `<name>.npy` members.
    public var tensors: [String: Tensor]
    /// The version of npuc that wrote the archive.
    public var npucVersion: String

    public init(netName: String, state: ArchiveState, hwArch: HardwareArch, graph: Graph, head: DetectionHead? = nil,
                metadata: [String: String] = [:], sections: [String: [UInt8]] = [:], tensors: [String: Tensor] = [:],
                npucVersion: String) {
        self.netName = netName
        self.state = state
        self.hwArch = hwArch
        self.graph = graph
        self.head = head
        self.metadata = metadata
        self.sections = sections
        self.tensors = tensors
        self.npucVersion = npucVersion
    }
}

/// A problem reading or writing an archive, naming the file.
public struct ArchiveError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}
