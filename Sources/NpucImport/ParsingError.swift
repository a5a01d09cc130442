// What `translateONNX` reports when it cannot produce a network: a malformed or unreadable model,
// or nodes the NPU does not support — all of them at once, with the end nodes to use instead.

import NpucGraph

/// One node the NPU cannot run, and why.
public struct UnsupportedNode: Hashable, Sendable {
    public var opType: String
    public var nodeName: String
    public var reason: String
}

/// The DFC's `ParsingWithRecommendationException`, done npuc's way.
public struct UnsupportedNodesReport: Hashable, Sendable {
    public var file: String
    public var arch: HardwareArch
    public var problems: [UnsupportedNode]
    /// Names of nodes after the problems (they depend on them) that were not checked.
    public var dependentNodes: [String]
    /// The recommended end nodes: a recognized detection head's convolutions, else the last
    /// supported nodes before the unsupported region.
    public var recommendedEndNodes: [String]
    /// The detection head recognized by structure, when there is one.
    public var head: DetectionHead?
}

public enum ParsingError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidModel(ONNXImportError)
    case unsupportedNodes(UnsupportedNodesReport)

    public var description: String {
        switch self {
        case .invalidModel(let e): return e.description
        case .unsupportedNodes(let r): return r.description
        }
    }
}

extension UnsupportedNodesReport: CustomStringConvertible {
    public var description: String {
        var lines = [String]()
        let count = problems.count
        lines.append("\(file): parsing failed: \(count) node\(count == 1 ? " is" : "s are") not supported by the NPU (\(arch.rawValue)):")
        let width = min(24, problems.map(\.opType.count).max() ?? 0)
        for p in problems {
            lines.append("  \(p.opType.padding(toLength: max(width, p.opType.count), withPad: " ", startingAt: 0))  \(p.nodeName): \(p.reason)")
        }
        if !dependentNodes.isEmpty {
            let shown = dependentNodes.prefix(6).joined(separator: ", ")
            let more = dependentNodes.count > 6 ? ", … (\(dependentNodes.count - 6) more)" : ""
            lines.append("  \(dependentNodes.count) node\(dependentNodes.count == 1 ? "" : "s") after them depend on these and were not checked: \(shown)\(more)")
        }
        if let head {
            lines.append(HeadRecognition.message(for: head))
        }
        if recommendedEndNodes.isEmpty {
            lines.append("No supported part of the graph reaches an output; check the start nodes.")
        } else {
            let what = head == nil ? "End the network at the last supported nodes before them" : "End the network at the head convolutions"
            lines.append("\(what):")
            lines.append("  --end-node-names \(recommendedEndNodes.joined(separator: " "))")
            lines.append("Parse again with these end nodes, or add -y to accept this recommendation.")
        }
        return lines.joined(separator: "\n")
    }
}
