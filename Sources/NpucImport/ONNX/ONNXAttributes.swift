// Typed access to ONNX node attributes; a wrong type or a missing required attribute is a
// problem of that node.

import Foundation
import NpucGraph

/// Why one node cannot become part of the NPU graph. Collected, never thrown past the importer.
public struct NodeProblem: Error, Hashable, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension ONNXNode {
    func has(_ name: String) -> Bool { attributes[name] != nil }

    func int(_ name: String) throws(NodeProblem) -> Int? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .int || (a.type == .undefined && a.hasI) else {
            throw NodeProblem("attribute '\(name)' should be an integer but is \(a.type)")
        }
        return Int(clamping: a.i)
    }

    func int(_ name: String, default value: Int) throws(NodeProblem) -> Int {
        try int(name) ?? value
    }

    func ints(_ name: String) throws(NodeProblem) -> [Int]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .ints || (a.type == .undefined && !a.ints.isEmpty) else {
            throw NodeProblem("attribute '\(name)' should be a list of integers but is \(a.type)")
        }
        return a.ints.map { Int(clamping: $0) }
    }

    func float(_ name: String) throws(NodeProblem) -> Float? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .float || (a.type == .undefined && a.hasF) else {
            throw NodeProblem("attribute '\(name)' should be a float but is \(a.type)")
        }
        return a.f
    }

    func float(_ name: String, default value: Float) throws(NodeProblem) -> Float {
        try float(name) ?? value
    }

    func floats(_ name: String) throws(NodeProblem) -> [Float]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .floats || (a.type == .undefined && !a.floats.isEmpty) else {
            throw NodeProblem("attribute '\(name)' should be a list of floats but is \(a.type)")
        }
        return a.floats
    }

    func string(_ name: String) throws(NodeProblem) -> String? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .string || (a.type == .undefined && a.hasS) else {
            throw NodeProblem("attribute '\(name)' should be a string but is \(a.type)")
        }
        return String(decoding: a.s, as: UTF8.self)
    }

    func string(_ name: String, default value: String) throws(NodeProblem) -> String {
        try string(name) ?? value
    }

    func tensor(_ name: String, file: String) throws(NodeProblem) -> Tensor? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .tensor || (a.type == .undefined && a.hasT) else {
            throw NodeProblem("attribute '\(name)' should be a tensor but is \(a.type)")
        }
        do {
            return try ONNXTensor.decode(a.t, file: file, externalDataDirectory: nil)
        } catch {
            throw NodeProblem(error.message)
        }
    }

    /// Names of attributes holding subgraphs (control flow), which npuc never maps.
    var hasSubgraphs: Bool {
        attributes.values.contains { $0.type == .graph || $0.type == .graphs }
    }
}
