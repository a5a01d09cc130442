// A `.npy` file written a row at a time: the header is written with a zero-length first axis,
// rows are appended as they come, and `finish()` patches the row count into the header and renames
// the file into place. Until then the destination is untouched; on failure nothing is left.

import Foundation
import NpucGraph

public final class NpyStreamWriter {
    public let dataType: DataType
    public let rowShape: [Int]
    public let destination: URL
    public private(set) var rowCount = 0
    private let file: AtomicFileWriter
    private let headerLength: Int
    private let rowByteCount: Int

    public init(destination: URL, dataType: DataType, rowShape: [Int]) throws(FileWriteError) {
        guard let rowElements = ShapeArithmetic.elementCount(rowShape) else {
            throw FileWriteError(path: destination.path, message: "row shape \(rowShape) is invalid or too large")
        }
        self.dataType = dataType
        self.rowShape = rowShape
        self.destination = destination
        rowByteCount = rowElements * dataType.byteWidth
        file = try AtomicFileWriter(destination: destination)
        let header = NpyHeader.encode(dataType: dataType, shape: [0] + rowShape)
        headerLength = header.count
        try file.append(header)
    }

    /// Appends rows given as little-endian element bytes (a whole number of rows).
    public func appendRows(littleEndianBytes bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        guard rowByteCount > 0 ? bytes.count % rowByteCount == 0 : bytes.isEmpty else {
            file.abort()
            throw FileWriteError(path: destination.path, message: "\(bytes.count) bytes are not a whole number of "
                + "\(NpyHeader.pythonTuple(rowShape)) \(dataType) rows")
        }
        try file.append(bytes)
        rowCount += rowByteCount > 0 ? bytes.count / rowByteCount : 0
    }

    /// Appends rows given as little-endian element bytes (a whole number of rows).
    public func appendRows(littleEndianBytes bytes: [UInt8]) throws(FileWriteError) {
        try bytes.withRawBytes { (raw) throws(FileWriteError) in try appendRows(littleEndianBytes: raw) }
    }

    /// Appends one row (a tensor of `rowShape`) or several (a tensor of [n] + `rowShape`).
    public func append(_ tensor: Tensor) throws(FileWriteError) {
        guard tensor.dataType == dataType, tensor.shape == rowShape || Array(tensor.shape.dropFirst()) == rowShape else {
            file.abort()
            throw FileWriteError(path: destination.path, message: "a \(ShapeArithmetic.describe(tensor.shape)) "
                + "\(tensor.dataType) tensor does not fit rows of \(ShapeArithmetic.describe(rowShape)) \(dataType)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tensor.elementCount * dataType.byteWidth)
        NumPy.appendLittleEndian(tensor.storage, to: &bytes)
        try bytes.withRawBytes { (raw) throws(FileWriteError) in try appendRows(littleEndianBytes: raw) }
    }

    /// Writes the final row count into the header and moves the file into place.
    public func finish() throws(FileWriteError) {
        let header = NpyHeader.encode(dataType: dataType, shape: [rowCount] + rowShape)
        precondition(header.count == headerLength, "the .npy header changed length when patched")
        try file.patch(header, at: 0)
        try file.commit()
    }

    /// Removes the partial file; the destination is left as it was.
    public func abort() {
        file.abort()
    }
}
