// TensorProto ⇄ Tensor: every numeric ONNX element type, typed fields or raw little-endian data,
// and external data files (location/offset/length relative to the model's folder).

import Foundation
import NpucGraph

public enum ONNXTensor {
    /// npuc's element type for an ONNX `TensorProto.DataType` code, or nil when npuc has none.
    public static func dataType(onnxCode: Int32) -> DataType? {
        switch Onnx_TensorProto.DataType(rawValue: Int(onnxCode)) {
        case .float: return .float32
        case .double: return .float64
        case .float16: return .float16
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .bool: return .bool
        default: return nil
        }
    }

    public static func onnxCode(_ dataType: DataType) -> Int32 {
        let code: Onnx_TensorProto.DataType
        switch dataType {
        case .float32: code = .float
        case .float64: code = .double
        case .float16: code = .float16
        case .int8: code = .int8
        case .uint8: code = .uint8
        case .int16: code = .int16
        case .uint16: code = .uint16
        case .int32: code = .int32
        case .uint32: code = .uint32
        case .int64: code = .int64
        case .uint64: code = .uint64
        case .bool: code = .bool
        }
        return Int32(code.rawValue)
    }

    static func typeName(onnxCode: Int32) -> String {
        if let t = Onnx_TensorProto.DataType(rawValue: Int(onnxCode)) { return "\(t)" }
        return "code \(onnxCode)"
    }

    /// Decodes a serialized TensorProto (a `.pb` file of the ONNX test suite).
    public static func decode(serialized bytes: [UInt8], file: String) throws(ONNXImportError) -> (name: String, tensor: Tensor) {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: bytes)
        } catch {
            throw ONNXImportError(file: file, "not a serialized ONNX TensorProto (\(error))")
        }
        return (proto.name, try decode(proto, file: file, externalDataDirectory: nil))
    }

    /// Converts a TensorProto into a Tensor. External data is read from `externalDataDirectory`.
    public static func decode(_ proto: Onnx_TensorProto, file: String, externalDataDirectory: URL?) throws(ONNXImportError) -> Tensor {
        let label = proto.name.isEmpty ? "a tensor" : "tensor '\(proto.name)'"
        guard let dtype = dataType(onnxCode: proto.dataType) else {
            throw ONNXImportError(file: file, "\(label) has element type \(typeName(onnxCode: proto.dataType)), which npuc does not support")
        }
        let shape = proto.dims.map { Int(clamping: $0) }
        guard let count = ShapeArithmetic.elementCount(shape) else {
            throw ONNXImportError(file: file, "\(label) has shape \(proto.dims), which is negative or larger than npuc supports (\(maxTensorElements) elements)")
        }
        if proto.hasSegment {
            throw ONNXImportError(file: file, "\(label) is stored in segments, which npuc does not support")
        }
        var raw: Data? = proto.hasRawData ? proto.rawData : nil
        if proto.dataLocation == .external {
            raw = try readExternal(proto, label: label, file: file, directory: externalDataDirectory)
        }
        if let raw {
            let expected = count * dtype.byteWidth
            guard raw.count == expected else {
                throw ONNXImportError(file: file, "\(label) has \(raw.count) bytes of data, expected \(expected) for shape \(shape) \(dtype.rawValue)")
            }
            return Tensor(shape: shape, storage: storageFromLittleEndian(raw, dtype: dtype, count: count))
        }
        let storage: TensorStorage
        func check(_ n: Int) throws(ONNXImportError) {
            guard n == count else {
                throw ONNXImportError(file: file, "\(label) has \(n) values, expected \(count) for shape \(shape)")
            }
        }
        switch dtype {
        case .float32: try check(proto.floatData.count); storage = .float32(proto.floatData)
        case .float64: try check(proto.doubleData.count); storage = .float64(proto.doubleData)
        case .int64: try check(proto.int64Data.count); storage = .int64(proto.int64Data)
        case .uint64: try check(proto.uint64Data.count); storage = .uint64(proto.uint64Data)
        case .uint32: try check(proto.uint64Data.count); storage = .uint32(proto.uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .int32: try check(proto.int32Data.count); storage = .int32(proto.int32Data)
        case .int16: try check(proto.int32Data.count); storage = .int16(proto.int32Data.map { Int16(truncatingIfNeeded: $0) })
        case .uint16: try check(proto.int32Data.count); storage = .uint16(proto.int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .int8: try check(proto.int32Data.count); storage = .int8(proto.int32Data.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: try check(proto.int32Data.count); storage = .uint8(proto.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .bool: try check(proto.int32Data.count); storage = .bool(proto.int32Data.map { $0 != 0 })
        case .float16: try check(proto.int32Data.count); storage = .float16Bits(proto.int32Data.map { UInt16(truncatingIfNeeded: $0) })
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Encodes a Tensor as a TensorProto with raw little-endian data.
    public static func encode(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = tensor.shape.map(Int64.init)
        proto.dataType = onnxCode(tensor.dataType)
        proto.rawData = littleEndianData(tensor.storage)
        return proto
    }

    private static func readExternal(_ proto: Onnx_TensorProto, label: String, file: String,
                                     directory: URL?) throws(ONNXImportError) -> Data {
        var location: String?
        var offset = 0
        var length: Int?
        for entry in proto.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset": offset = Int(entry.value) ?? -1
            case "length": length = Int(entry.value)
            default: break
            }
        }
        guard let location, !location.isEmpty, offset >= 0 else {
            throw ONNXImportError(file: file, "\(label) says its data is external but names no valid location/offset")
        }
        guard let directory else {
            throw ONNXImportError(file: file, "\(label) has external data '\(location)', which cannot be resolved here")
        }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw ONNXImportError(file: file, "\(label) has external data location '\(location)' outside the model's folder")
        }
        let url = directory.appendingPathComponent(location)
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ONNXImportError(file: file, "\(label) keeps its data in '\(location)', which is missing; put that file next to the model (in \(directory.path))")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data: Data
            if let length {
                data = try handle.read(upToCount: length) ?? Data()
                guard data.count == length else {
                    throw ONNXImportError(file: file, "\(label): external file '\(location)' ends before offset \(offset) + length \(length); it is truncated")
                }
            } else {
                data = try handle.readToEnd() ?? Data()
            }
            return data
        } catch let error as ONNXImportError {
            throw error
        } catch {
            throw ONNXImportError(file: file, "\(label): cannot read external file '\(location)': \(error.localizedDescription)")
        }
    }

    static func storageFromLittleEndian(_ data: Data, dtype: DataType, count: Int) -> TensorStorage {
        func load<T: FixedWidthInteger>(_: T.Type) -> [T] {
            data.withUnsafeBytes { buffer in
                (0..<count).map { T(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) }
            }
        }
        switch dtype {
        case .float32: return .float32(load(UInt32.self).map { Float(bitPattern: $0) })
        case .float64: return .float64(load(UInt64.self).map { Double(bitPattern: $0) })
        case .float16: return .float16Bits(load(UInt16.self))
        case .int8: return .int8(load(Int8.self))
        case .uint8: return .uint8(load(UInt8.self))
        case .int16: return .int16(load(Int16.self))
        case .uint16: return .uint16(load(UInt16.self))
        case .int32: return .int32(load(Int32.self))
        case .uint32: return .uint32(load(UInt32.self))
        case .int64: return .int64(load(Int64.self))
        case .uint64: return .uint64(load(UInt64.self))
        case .bool: return .bool(load(UInt8.self).map { $0 != 0 })
        }
    }

    static func littleEndianData(_ storage: TensorStorage) -> Data {
        var data = Data()
        func append<T: FixedWidthInteger>(_ values: [T]) {
            data.reserveCapacity(values.count * MemoryLayout<T>.size)
            for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        }
        switch storage {
        case .float32(let a): append(a.map(\.bitPattern))
        case .float64(let a): append(a.map(\.bitPattern))
        case .float16Bits(let a): append(a)
        case .int8(let a): append(a)
        case .uint8(let a): append(a)
        case .int16(let a): append(a)
        case .uint16(let a): append(a)
        case .int32(let a): append(a)
        case .uint32(let a): append(a)
        case .int64(let a): append(a)
        case .uint64(let a): append(a)
        case .bool(let a): append(a.map { UInt8($0 ? 1 : 0) })
        }
        return data
    }
}
