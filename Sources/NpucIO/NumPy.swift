// NumPy `.npy` encoding and decoding of whole tensors (format versions 1.0–3.0; bool, 8/16/32/64-bit
// integers, half/single/double floats; C and Fortran order; either byte order).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NpucGraph

public enum NumPy {
    /// .npy bytes (format 1.0, or 2.0 if the header needs it), little-endian, C order — the bytes
    /// `numpy.save` writes for the same array.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var out = NpyHeader.encode(dataType: tensor.dataType, shape: tensor.shape)
        appendLittleEndian(tensor.storage, to: &out)
        return out
    }

    /// Parses .npy bytes (versions 1.0–3.0, dtypes b1, u1, i1, u2, i2, u4, i4, u8, i8, f2, f4, f8,
    /// C and Fortran order, < > | endianness) into a C-order tensor in native byte order.
    public static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(NumPyError) -> Tensor {
        let header = try NpyHeader.parse(bytes, source: source)
        guard let count = ShapeArithmetic.elementCount(header.shape) else {
            throw NumPyError(source: source, problem: .invalidShape(
                "\(NpyHeader.pythonTuple(header.shape)) has more than \(maxTensorElements) elements, more than npuc "
                    + "holds in one tensor; read it a row at a time with NpyFile"))
        }
        let expected = count * header.dataType.byteWidth
        let available = bytes.count - header.dataOffset
        if available < expected {
            throw NumPyError(source: source, problem: .truncatedData(
                shape: header.shape, dtype: header.descr, expectedBytes: expected, availableBytes: available))
        }
        if available > expected {
            throw NumPyError(source: source, problem: .trailingData(
                shape: header.shape, dtype: header.descr, expectedBytes: expected, availableBytes: available))
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<(header.dataOffset + expected)])
        if header.fortranOrder && header.shape.count > 1 {
            let reordered = fortranToC(data, shape: header.shape, elementSize: header.dataType.byteWidth)
            let storage = reordered.withUnsafeBytes {
                makeStorage(header.dataType, count: count, from: $0, byteOrder: header.byteOrder)
            }
            return Tensor(shape: header.shape, storage: storage)
        }
        let storage = makeStorage(header.dataType, count: count, from: data, byteOrder: header.byteOrder)
        return Tensor(shape: header.shape, storage: storage)
    }

    public static func decode(_ bytes: [UInt8], source: String) throws(NumPyError) -> Tensor {
        try bytes.withRawBytes { (raw) throws(NumPyError) -> Tensor in try decode(raw, source: source) }
    }

    /// Reads a whole `.npy` file through a memory map.
    public static func decode(contentsOf url: URL) throws(NumPyError) -> Tensor {
        let file: MappedFile
        do {
            file = try MappedFile(contentsOf: url)
        } catch {
            throw NumPyError(source: url.path, problem: .io("cannot read the file: \(error.message)"))
        }
        return try file.withBytes { (raw) throws(NumPyError) -> Tensor in try decode(raw, source: url.lastPathComponent) }
    }

    // MARK: - Element conversion

    /// Typed storage for `count` elements stored in `raw` in `byteOrder`.
    static func makeStorage(_ dataType: DataType, count: Int, from raw: UnsafeRawBufferPointer,
                            byteOrder: NpyByteOrder) -> TensorStorage {
        precondition(raw.count == count * dataType.byteWidth, "element bytes do not match the count")
        let swap = byteOrder != .notApplicable && byteOrder != NpyByteOrder.native
        switch dataType {
        case .bool: return .bool(raw.map { $0 != 0 })
        case .uint8: return .uint8(Array(raw))
        case .int8: return .int8(copy(raw, count: count, as: Int8.self, swap: false))
        case .uint16: return .uint16(copy(raw, count: count, as: UInt16.self, swap: swap))
        case .int16: return .int16(copy(raw, count: count, as: Int16.self, swap: swap))
        case .uint32: return .uint32(copy(raw, count: count, as: UInt32.self, swap: swap))
        case .int32: return .int32(copy(raw, count: count, as: Int32.self, swap: swap))
        case .uint64: return .uint64(copy(raw, count: count, as: UInt64.self, swap: swap))
        case .int64: return .int64(copy(raw, count: count, as: Int64.self, swap: swap))
        case .float16: return .float16Bits(copy(raw, count: count, as: UInt16.self, swap: swap))
        case .float32:
            if !swap { return .float32(copyBits(raw, count: count, as: Float.self)) }
            return .float32(copy(raw, count: count, as: UInt32.self, swap: true).map(Float.init(bitPattern:)))
        case .float64:
            if !swap { return .float64(copyBits(raw, count: count, as: Double.self)) }
            return .float64(copy(raw, count: count, as: UInt64.self, swap: true).map(Double.init(bitPattern:)))
        }
    }

    private static func copy<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, count: Int, as: T.Type,
                                                   swap: Bool) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, count * MemoryLayout<T>.stride) }
            if swap { for i in 0..<count { buffer[i] = buffer[i].byteSwapped } }
            initialized = count
        }
    }

    private static func copyBits<T: BitwiseCopyable>(_ raw: UnsafeRawBufferPointer, count: Int, as: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { memcpy(buffer.baseAddress!, raw.baseAddress!, count * MemoryLayout<T>.stride) }
            initialized = count
        }
    }

    /// Appends the elements of `storage` in little-endian byte order.
    static func appendLittleEndian(_ storage: TensorStorage, to out: inout [UInt8]) {
        func append<T>(_ array: [T], _ littleEndian: (T) -> T) {
            #if _endian(little)
            array.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
            array.map(littleEndian).withUnsafeBytes { out.append(contentsOf: $0) }
            #endif
        }
        switch storage {
        case .bool(let a): out.append(contentsOf: a.lazy.map { $0 ? 1 : 0 })
        case .uint8(let a): out.append(contentsOf: a)
        case .int8(let a): append(a) { $0 }
        case .uint16(let a): append(a) { $0.littleEndian }
        case .int16(let a): append(a) { $0.littleEndian }
        case .uint32(let a): append(a) { $0.littleEndian }
        case .int32(let a): append(a) { $0.littleEndian }
        case .uint64(let a): append(a) { $0.littleEndian }
        case .int64(let a): append(a) { $0.littleEndian }
        case .float16Bits(let a): append(a) { $0.littleEndian }
        case .float32(let a): append(a) { Float(bitPattern: $0.bitPattern.littleEndian) }
        case .float64(let a): append(a) { Double(bitPattern: $0.bitPattern.littleEndian) }
        }
    }

    /// Reorders column-major (Fortran) element bytes into row-major order; with `firstAxis`, only
    /// that range of the first axis.
    static func fortranToC(_ data: UnsafeRawBufferPointer, shape: [Int], elementSize: Int,
                           firstAxis: Range<Int>? = nil) -> [UInt8] {
        let rank = shape.count
        let rows = firstAxis ?? 0..<shape[0]
        var outShape = shape
        outShape[0] = rows.count
        let count = outShape.reduce(1, *)
        var out = [UInt8](repeating: 0, count: count * elementSize)
        guard count > 0 else { return out }
        // Source strides (in elements) of a column-major array.
        var sourceStrides = [Int](repeating: 1, count: rank)
        for k in 1..<rank { sourceStrides[k] = sourceStrides[k - 1] * shape[k - 1] }
        let innerCount = outShape[rank - 1]
        let innerStride = sourceStrides[rank - 1] * elementSize
        var index = [Int](repeating: 0, count: rank)
        index[0] = rows.lowerBound
        out.withUnsafeMutableBytes { dst in
            var written = 0
            while written < count * elementSize {
                var offset = 0
                for k in 0..<(rank - 1) { offset += index[k] * sourceStrides[k] }
                var src = offset * elementSize
                for _ in 0..<innerCount {
                    memcpy(dst.baseAddress! + written, data.baseAddress! + src, elementSize)
                    written += elementSize
                    src += innerStride
                }
                // Advance the odometer over all axes but the last.
                var k = rank - 2
                while k >= 0 {
                    index[k] += 1
                    if index[k] < (k == 0 ? rows.upperBound : shape[k]) { break }
                    index[k] = k == 0 ? rows.lowerBound : 0
                    k -= 1
                }
            }
        }
        return out
    }
}
