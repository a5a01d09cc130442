// Errors of the ONNX importer that stop parsing before any node is checked: unreadable files,
// malformed graphs, bad cut points, bad --tensor-shapes. (Unsupported nodes are collected and
// reported together by `ParsingError.unsupportedNodes`; see ParsingError.swift.)

public struct ONNXImportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The model file (or the tensor file) the problem is in.
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
