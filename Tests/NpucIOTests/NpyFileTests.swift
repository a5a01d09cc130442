// Memory-mapped row reading and streaming row writing of .npy files.

import Foundation
import NpucGraph
import Testing
@testable import NpucIO

struct NpyFileTests {
    @Test(arguments: ["i4-C-le.npy", "i4-F-le.npy", "i4-C-be.npy", "i4-F-be.npy"])
    func rowsOfEveryLayoutMatchTheWholeArray(file: String) throws {
        let npy = try NpyFile(contentsOf: Fixtures.numpy(file))
        #expect(npy.rowCount == 2)
        #expect(npy.rowShape == [3, 4])
        guard case .int32(let all) = Fixtures.values(.int32, count: 24) else { return }
        #expect(try npy.rows(0..<2).storage == .int32(all))
        #expect(try npy.rows(1..<2) == Tensor(shape: [1, 3, 4], storage: .int32(Array(all[12..<24]))))
        #expect(try npy.rows(0..<1).storage == .int32(Array(all[0..<12])))
        #expect(try npy.rows(1..<1).shape == [0, 3, 4])
    }

    @Test func fortranRowsOfRankFour() throws {
        let npy = try NpyFile(contentsOf: Fixtures.numpy("fortran-4d-i2.npy"))
        #expect(try npy.rows(1..<2).storage == .int16((60..<120).map { Int16($0) }))
    }

    @Test func rawRowsAreInPlace() throws {
        let npy = try NpyFile(contentsOf: Fixtures.numpy("u1-C-na.npy"))
        guard case .uint8(let all) = Fixtures.values(.uint8, count: 24) else { return }
        #expect(npy.withRawRows(1..<2) { Array($0) } == Array(all[12..<24]))
        let fortran = try NpyFile(contentsOf: Fixtures.numpy("u1-F-na.npy"))
        #expect(fortran.withRawRows(0..<1) { Array($0) } == nil)
    }

    @Test func outOfRangeRowsAreAnError() throws {
        let npy = try NpyFile(contentsOf: Fixtures.numpy("f4-C-le.npy"))
        #expect(throws: NumPyError(source: "f4-C-le.npy", problem: .invalidShape(
            "rows 1..<3 requested but the file has 2 rows"))) { try npy.rows(1..<3) }
    }

    @Test func truncatedAndScalarFilesAreRefusedAtOpen() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("calib.npy")
        try AtomicFile.write(Array(try Fixtures.bytes("u2-C-le.npy").dropLast(5)), to: url)
        #expect(throws: NumPyError(source: "calib.npy", problem: .truncatedData(
            shape: [2, 3, 4], dtype: "<u2", expectedBytes: 48, availableBytes: 43))) { try NpyFile(contentsOf: url) }
        #expect(throws: NumPyError.self) { try NpyFile(contentsOf: Fixtures.numpy("scalar-f8.npy")) }
    }

    @Test func headerOfALargeSetIsReadWithoutTheData() throws {
        // A header claiming 1500×640×640×3 with no data: opening it must fail fast, not allocate.
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("big.npy")
        try AtomicFile.write(NpyHeader.encode(dataType: .uint8, shape: [1500, 640, 640, 3]), to: url)
        #expect(throws: NumPyError.self) { try NpyFile(contentsOf: url) }
    }
}

struct NpyStreamWriterTests {
    @Test func streamedRowsEqualTheWholeEncoding() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("calib.npy")
        let writer = try NpyStreamWriter(destination: url, dataType: .float32, rowShape: [2, 3])
        let rows = (0..<5).map { r in Tensor(shape: [2, 3], float32: (0..<6).map { Float(r * 10 + $0) }) }
        try writer.append(rows[0])
        try writer.append(Tensor(shape: [3, 2, 3], float32: rows[1...3].flatMap(\.floats)))
        try writer.append(rows[4])
        #expect(writer.rowCount == 5)
        #expect(!FileManager.default.fileExists(atPath: url.path), "nothing at the destination before finish")
        try writer.finish()
        let whole = Tensor(shape: [5, 2, 3], float32: rows.flatMap(\.floats))
        #expect(Array(try Data(contentsOf: url)) == NumPy.encode(whole))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["calib.npy"])
    }

    @Test func headerSizeDoesNotDependOnTheRowCount() {
        for n in [0, 1, 9, 10, 1500, 1_000_000_000] {
            #expect(NpyHeader.encode(dataType: .uint8, shape: [n, 640, 640, 3]).count == 128)
        }
    }

    @Test func mismatchedRowAbortsAndLeavesNothing() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("calib.npy")
        try AtomicFile.write([1, 2, 3], to: url)
        let writer = try NpyStreamWriter(destination: url, dataType: .uint8, rowShape: [4])
        try writer.append(Tensor(shape: [4], storage: .uint8([1, 2, 3, 4])))
        #expect(throws: FileWriteError.self) { try writer.append(Tensor(shape: [3], storage: .uint8([1, 2, 3]))) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["calib.npy"])
        #expect(Array(try Data(contentsOf: url)) == [1, 2, 3], "the old file is untouched")
    }

    @Test func abortedWriterLeavesNothing() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try NpyStreamWriter(destination: directory.appendingPathComponent("x.npy"), dataType: .uint8,
                                         rowShape: [2])
        try writer.append(Tensor(shape: [2], storage: .uint8([1, 2])))
        writer.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }
}
