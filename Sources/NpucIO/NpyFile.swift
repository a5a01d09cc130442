// A `.npy` file opened through a memory map: the header is parsed once and rows (slices along the
// first axis) are read on demand, so a 1500×640×640×3 calibration set is never copied whole.

import Foundation
import NpucGraph

public final class NpyFile: Sendable {
    public let header: NpyHeader
    /// The name used in error messages (the file name).
    public let source: String
    private let file: MappedFile

    public init(contentsOf url: URL) throws(NumPyError) {
        source = url.lastPathComponent
        do {
            file = try MappedFile(contentsOf: url)
        } catch {
            throw NumPyError(source: url.path, problem: .io("cannot read the file: \(error.message)"))
        }
        let source = self.source
        header = try file.withBytes { (raw) throws(NumPyError) -> NpyHeader in try NpyHeader.parse(raw, source: source) }
        let available = file.count - header.dataOffset
        if available < header.dataByteCount {
            throw NumPyError(source: source, problem: .truncatedData(
                shape: header.shape, dtype: header.descr, expectedBytes: header.dataByteCount, availableBytes: available))
        }
        if available > header.dataByteCount {
            throw NumPyError(source: source, problem: .trailingData(
                shape: header.shape, dtype: header.descr, expectedBytes: header.dataByteCount, availableBytes: available))
        }
        if header.shape.isEmpty {
            throw NumPyError(source: source, problem: .invalidShape("a scalar has no rows; expected an array of rank ≥ 1"))
        }
    }

    public var shape: [Int] { header.shape }
    public var dataType: DataType { header.dataType }
    /// Size of the first axis.
    public var rowCount: Int { header.shape[0] }
    /// Shape of one row (the shape without its first axis).
    public var rowShape: [Int] { Array(header.shape.dropFirst()) }
    public var rowElementCount: Int { rowShape.reduce(1, *) }

    /// Rows `range` as a C-order tensor of shape [range.count] + rowShape in native byte order.
    public func rows(_ range: Range<Int>) throws(NumPyError) -> Tensor {
        guard range.lowerBound >= 0, range.upperBound <= rowCount else {
            throw NumPyError(source: source, problem: .invalidShape(
                "rows \(range.lowerBound)..<\(range.upperBound) requested but the file has \(rowCount) rows"))
        }
        let dims = [range.count] + rowShape
        guard let count = ShapeArithmetic.elementCount(dims) else {
            throw NumPyError(source: source, problem: .invalidShape(
                "\(range.count) rows of \(NpyHeader.pythonTuple(rowShape)) exceed \(maxTensorElements) elements; read fewer rows at a time"))
        }
        let width = header.dataType.byteWidth
        return file.withBytes { raw in
            let data = UnsafeRawBufferPointer(rebasing: raw[header.dataOffset...])
            if header.fortranOrder && header.shape.count > 1 {
                let gathered = NumPy.fortranToC(data, shape: header.shape, elementSize: width, firstAxis: range)
                let storage = gathered.withUnsafeBytes {
                    NumPy.makeStorage(header.dataType, count: count, from: $0, byteOrder: header.byteOrder)
                }
                return Tensor(shape: dims, storage: storage)
            }
            let start = range.lowerBound * rowElementCount * width
            let slice = UnsafeRawBufferPointer(rebasing: data[start..<(start + count * width)])
            let tensor = Tensor(shape: dims, storage: NumPy.makeStorage(header.dataType, count: count, from: slice,
                                                                        byteOrder: header.byteOrder))
            // The rows are copied out; their pages need not stay resident.
            file.releasePages((header.dataOffset + start)..<(header.dataOffset + start + count * width))
            return tensor
        }
    }

    /// The stored bytes of rows `range`, in place (no copy), when the file is in C order; nil for
    /// a Fortran-order file. Elements are in the file's byte order (`header.byteOrder`).
    public func withRawRows<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount, "rows out of range")
        if header.fortranOrder && header.shape.count > 1 { return nil }
        let rowBytes = rowElementCount * header.dataType.byteWidth
        return try withExtendedLifetime(file) {
            let start = header.dataOffset + range.lowerBound * rowBytes
            defer { file.releasePages(start..<(start + range.count * rowBytes)) }
            return try body(UnsafeRawBufferPointer(rebasing: file.bytes[start..<(start + range.count * rowBytes)]))
        }
    }
}
