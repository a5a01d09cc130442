// .npy reading and writing against files NumPy wrote: every dtype, C and Fortran order, both
// byte orders, versions 1.0–3.0; and clear errors for malformed, truncated and unsupported files.

import Foundation
import NpucGraph
import Testing
@testable import NpucIO

struct NumPyDecodeTests {
    static let matrix: [(file: String, type: DataType)] = Fixtures.codes.flatMap { entry in
        let orders = entry.type.byteWidth == 1 ? ["na"] : ["le", "be"]
        return orders.flatMap { endian in
            ["C", "F"].map { order in ("\(entry.code)-\(order)-\(endian).npy", entry.type) }
        }
    }

    @Test("decodes NumPy files of every dtype, order and byte order", arguments: matrix.map(\.file))
    func decodesFixture(file: String) throws {
        let type = Self.matrix.first { $0.file == file }!.type
        let tensor = try NumPy.decode(Fixtures.bytes(file), source: file)
        #expect(tensor.shape == [2, 3, 4])
        #expect(tensor.dataType == type)
        #expect(tensor.storage == Fixtures.values(type, count: 24))
    }

    @Test func versionsTwoAndThree() throws {
        for file in ["v2-f4.npy", "v3-f4.npy"] {
            let bytes = try Fixtures.bytes(file)
            let header = try bytes.withUnsafeBytes { try NpyHeader.parse($0, source: file) }
            #expect(header.version.major == (file == "v2-f4.npy" ? 2 : 3))
            let tensor = try NumPy.decode(bytes, source: file)
            #expect(tensor.shape == [2, 3, 4])
            #expect(tensor.storage == Fixtures.values(.float32, count: 24))
        }
    }

    @Test func scalarVectorAndEmptyShapes() throws {
        let scalar = try NumPy.decode(Fixtures.bytes("scalar-f8.npy"), source: "scalar-f8.npy")
        #expect(scalar.shape == [])
        #expect(scalar.storage == .float64([2.5]))
        let vector = try NumPy.decode(Fixtures.bytes("vector-i4.npy"), source: "vector-i4.npy")
        #expect(vector.shape == [5])
        #expect(vector.storage == .int32([-2, -1, 0, 1, 2]))
        let empty = try NumPy.decode(Fixtures.bytes("empty-u1.npy"), source: "empty-u1.npy")
        #expect(empty.shape == [0, 3])
        #expect(empty.storage == .uint8([]))
    }

    @Test func fortranOrderOfRankFour() throws {
        let tensor = try NumPy.decode(Fixtures.bytes("fortran-4d-i2.npy"), source: "f")
        #expect(tensor.shape == [2, 3, 4, 5])
        // np.arange(120).reshape(2, 3, 4, 5) in C order, whatever the file's order.
        #expect(tensor.storage == .int16((0..<120).map { Int16($0) }))
    }

    @Test func decodesFromAFileThroughAMemoryMap() throws {
        let tensor = try NumPy.decode(contentsOf: Fixtures.numpy("i4-F-be.npy"))
        #expect(tensor.storage == Fixtures.values(.int32, count: 24))
    }
}

struct NumPyEncodeTests {
    @Test("encode writes exactly the bytes numpy.save wrote", arguments: Fixtures.codes.map(\.code))
    func encodeMatchesNumPyBytes(code: String) throws {
        let file = code == "b1" || code.hasSuffix("1") ? "\(code)-C-na.npy" : "\(code)-C-le.npy"
        let numpyBytes = try Fixtures.bytes(file)
        let type = Fixtures.codes.first { $0.code == code }!.type
        let tensor = Tensor(shape: [2, 3, 4], storage: Fixtures.values(type, count: 24))
        #expect(NumPy.encode(tensor) == numpyBytes)
    }

    @Test func encodeMatchesNumPyForOtherShapes() throws {
        #expect(NumPy.encode(Tensor(shape: [], storage: .float64([2.5]))) == (try Fixtures.bytes("scalar-f8.npy")))
        #expect(NumPy.encode(Tensor(shape: [5], storage: .int32([-2, -1, 0, 1, 2])))
                    == (try Fixtures.bytes("vector-i4.npy")))
        #expect(NumPy.encode(Tensor(shape: [0, 3], storage: .uint8([]))) == (try Fixtures.bytes("empty-u1.npy")))
    }

    @Test("round trip keeps shape, type and every bit", arguments: Fixtures.codes.map(\.type))
    func roundTrip(type: DataType) throws {
        for shape in [[], [7], [3, 1, 5], [2, 0, 2]] {
            let count = ShapeArithmetic.elementCount(shape)!
            let storage = count >= 2 ? Fixtures.values(type, count: count) : zeroStorage(type, count: count)
            let tensor = Tensor(shape: shape, storage: storage)
            let bytes = NumPy.encode(tensor)
            #expect(bytes.count % 64 == (count * type.byteWidth) % 64, "data starts on a 64-byte boundary")
            #expect(try NumPy.decode(bytes, source: "rt.npy") == tensor)
        }
    }

    @Test func nanAndNegativeZeroBitsSurvive() throws {
        let bits: [UInt32] = [0x7FC0_0001, 0x8000_0000, 0xFF80_0000, 0x0000_0001]
        let tensor = Tensor(shape: [4], storage: .float32(bits.map(Float.init(bitPattern:))))
        let decoded = try NumPy.decode(NumPy.encode(tensor), source: "nan.npy")
        guard case .float32(let values) = decoded.storage else { Issue.record("not float32"); return }
        #expect(values.map(\.bitPattern) == bits)
    }

    @Test func headerHasNumPysLayout() {
        let header = NpyHeader.encode(dataType: .uint8, shape: [1500, 640, 640, 3])
        #expect(header.count == 128)
        let text = String(decoding: header[10...], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (1500, 640, 640, 3), }"))
        #expect(text.hasSuffix(" \n"))
        #expect(Array(header[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        #expect(Int(header[8]) | Int(header[9]) << 8 == 118)
    }

    private func zeroStorage(_ type: DataType, count: Int) -> TensorStorage {
        switch type {
        case .bool: return .bool(Array(repeating: true, count: count))
        case .uint8: return .uint8(Array(repeating: 9, count: count))
        case .int8: return .int8(Array(repeating: -9, count: count))
        case .uint16: return .uint16(Array(repeating: 999, count: count))
        case .int16: return .int16(Array(repeating: -999, count: count))
        case .uint32: return .uint32(Array(repeating: 99_999, count: count))
        case .int32: return .int32(Array(repeating: -99_999, count: count))
        case .uint64: return .uint64(Array(repeating: 1 << 40, count: count))
        case .int64: return .int64(Array(repeating: -(1 << 40), count: count))
        case .float16: return .float16Bits(Array(repeating: 0x3C00, count: count))
        case .float32: return .float32(Array(repeating: -1.5, count: count))
        case .float64: return .float64(Array(repeating: 1e300, count: count))
        }
    }
}

struct NumPyErrorTests {
    func decodeError(_ bytes: [UInt8], source: String = "calib.npy") -> NumPyError? {
        do {
            _ = try NumPy.decode(bytes, source: source)
            return nil
        } catch {
            return error
        }
    }

    /// A version 1.0 file with the given header text (padded like NumPy) followed by `data`.
    func npy(_ header: String, data: [UInt8] = [], major: UInt8 = 1) -> [UInt8] {
        var text = Array(header.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        return [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
            + text + data
    }

    @Test func truncatedDataNamesTheFileShapeAndSizes() throws {
        let bytes = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1500, 640, 640, 3), }",
                        data: [UInt8](repeating: 0, count: 1000))
        let error = try #require(decodeError(bytes))
        #expect(error.problem == .truncatedData(shape: [1500, 640, 640, 3], dtype: "|u1",
                                                expectedBytes: 1_843_200_000, availableBytes: 1000))
        #expect(error.description == "calib.npy: header says shape (1500, 640, 640, 3) |u1 = 1843200000 bytes but "
                    + "the file holds only 1000 bytes after the header; the file is truncated")
    }

    @Test func truncatedNumPyFile() throws {
        var bytes = try Fixtures.bytes("f8-C-le.npy")
        bytes.removeLast(3)
        let error = try #require(decodeError(bytes))
        #expect(error.problem == .truncatedData(shape: [2, 3, 4], dtype: "<f8", expectedBytes: 192, availableBytes: 189))
    }

    @Test func trailingBytesAreAShapeMismatch() throws {
        let bytes = try Fixtures.bytes("i2-C-le.npy") + [1, 2]
        let error = try #require(decodeError(bytes))
        #expect(error.problem == .trailingData(shape: [2, 3, 4], dtype: "<i2", expectedBytes: 48, availableBytes: 50))
        #expect(error.description.contains("the header does not match the data"))
    }

    @Test func truncatedHeader() throws {
        let full = try Fixtures.bytes("f4-C-le.npy")
        let error = try #require(decodeError(Array(full[0..<40])))
        #expect(error.problem == .truncatedHeader(needed: 128, available: 40))
        let tiny = try #require(decodeError(Array(full[0..<7])))
        #expect(tiny.problem == .truncatedHeader(needed: 10, available: 7))
    }

    @Test func notNumPy() throws {
        #expect(decodeError(Array("hello world, not numpy".utf8))?.problem == .notNumPy)
        #expect(decodeError([])?.problem == .notNumPy)
        let error = try #require(decodeError(Array("PK\u{3}\u{4}zip".utf8), source: "x.npy"))
        #expect(error.description.hasPrefix("x.npy: not a NumPy .npy file"))
    }

    @Test func unsupportedVersion() throws {
        var bytes = try Fixtures.bytes("f4-C-le.npy")
        bytes[6] = 4
        #expect(decodeError(bytes)?.problem == .unsupportedVersion(major: 4, minor: 0))
    }

    @Test func objectStructuredAndComplexDTypesAreRefused() throws {
        let object = try #require(decodeError(try Fixtures.bytes("object.npy"), source: "object.npy"))
        #expect(object.description == "object.npy: object arrays (dtype '|O', pickled Python objects) are not "
                    + "supported; save a numeric array")
        let structured = try #require(decodeError(try Fixtures.bytes("structured.npy")))
        #expect(structured.description.contains("structured arrays"))
        let complex = try #require(decodeError(try Fixtures.bytes("complex.npy")))
        #expect(complex.problem == .unsupportedDType(
            "dtype '<c8' is not supported (npuc reads bool, u1, i1, u2, i2, u4, i4, u8, i8, f2, f4, f8)"))
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False}", "the key 'shape' is missing"),
        ("{'descr': '<f4', 'shape': (2,)}", "the key 'fortran_order' is missing"),
        ("{'fortran_order': False, 'shape': (2,)}", "the key 'descr' is missing"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order' is not True or False"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "'shape' is not a tuple"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': ('2',)}", "'shape' holds something other than integers"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", "unexpected end of header"),
        ("{'descr': '<f4' 'fortran_order': False}", "expected ',' or '}' in the dictionary"),
        ("['descr']", "expected a dictionary"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing", "unexpected text after the dictionary"),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "key 'descr' appears twice"),
    ])
    func malformedHeaders(header: String, expected: String) throws {
        let error = try #require(decodeError(npy(header, data: [0, 0, 0, 0, 0, 0, 0, 0])))
        guard case .malformedHeader(let message) = error.problem else {
            Issue.record("expected a malformed header error, got \(error)")
            return
        }
        #expect(message.contains(expected), "\(message)")
        #expect(error.description.hasPrefix("calib.npy: malformed .npy header: "))
    }

    @Test func negativeAndAbsurdShapes() throws {
        let negative = try #require(decodeError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }")))
        #expect(negative.problem == .invalidShape("dimension -1 is negative"))
        let huge = try #require(decodeError(npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000, 100000), }")))
        #expect(huge.problem == .invalidShape("(100000, 100000, 100000, 100000) is too large to address"))
        // Addressable but more elements than one tensor holds: refused before allocating.
        let big = try #require(decodeError(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3000000000,), }")))
        guard case .invalidShape(let message) = big.problem else { Issue.record("\(big)"); return }
        #expect(message.contains("more than 2147483647 elements"))
        let overflowing = try #require(decodeError(npy(
            "{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999999999999999,), }")))
        guard case .malformedHeader(let text) = overflowing.problem else { Issue.record("\(overflowing)"); return }
        #expect(text.contains("is not an integer npuc can hold"))
    }

    @Test func byteOrderOnMultiByteTypeIsRequired() throws {
        let error = try #require(decodeError(npy("{'descr': '|i4', 'fortran_order': False, 'shape': (2,), }",
                                                 data: [UInt8](repeating: 0, count: 8))))
        #expect(error.problem == .unsupportedDType("dtype '|i4' has no byte order but its elements are 4 bytes wide"))
    }

    @Test func oldStyleHeadersAreAccepted() throws {
        // Python 2 era files: long integers ("3L") and no trailing comma; '=' native byte order.
        let tensor = try NumPy.decode(npy("{'descr': '=i2', 'fortran_order': False, 'shape': (3L,)}",
                                          data: [1, 0, 2, 0, 0xFF, 0xFF]), source: "old.npy")
        #expect(tensor.storage == .int16([1, 2, -1]))
    }

    @Test func missingFileIsAnIOError() throws {
        do {
            _ = try NumPy.decode(contentsOf: URL(fileURLWithPath: "/nonexistent/calib.npy"))
            Issue.record("decoding a missing file succeeded")
        } catch {
            #expect(error.description == "/nonexistent/calib.npy: cannot read the file: No such file or directory")
        }
    }
}

struct NumPyInteropTests {
    @Test(.enabled(if: Fixtures.pythonWithNumPy, "python3 with numpy is not installed; skipping the numpy.load check"))
    func numpyLoadsWhatNpucWrites() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var checks: [String] = []
        for (code, type) in Fixtures.codes {
            let tensor = Tensor(shape: [2, 3, 4], storage: Fixtures.values(type, count: 24))
            let url = directory.appendingPathComponent("\(code).npy")
            try AtomicFile.write(NumPy.encode(tensor), to: url)
            let reference = Fixtures.numpy(type.byteWidth == 1 ? "\(code)-C-na.npy" : "\(code)-C-le.npy").path
            checks.append("a = np.load('\(url.path)'); b = np.load('\(reference)'); "
                + "assert a.dtype == b.dtype and a.shape == b.shape and (a.view(np.uint8) == b.view(np.uint8)).all()")
        }
        let status = Fixtures.runPython("import numpy as np\n" + checks.joined(separator: "\n"))
        #expect(status == 0)
    }
}
