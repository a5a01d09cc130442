// The error every quantization step throws: a sentence that names the layer, value or tensor
// concerned and says what to do next.

public struct QuantizationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
