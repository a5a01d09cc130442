// Where the committed NumPy fixtures live, and the element values scripts/make-io-fixtures.py
// wrote into them, recomputed here from the same formula.

import Foundation
import NpucGraph

enum Fixtures {
    static let numpyDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/numpy")

    static func numpy(_ name: String) -> URL { numpyDirectory.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: numpy(name)))
    }

    /// The dtype codes of the fixture matrix and their npuc types.
    static let codes: [(code: String, type: DataType)] = [
        ("b1", .bool), ("u1", .uint8), ("i1", .int8), ("u2", .uint16), ("i2", .int16), ("u4", .uint32),
        ("i4", .int32), ("u8", .uint64), ("i8", .int64), ("f2", .float16), ("f4", .float32), ("f8", .float64),
    ]

    /// Element i of the fixture array of `type` (mirror of `values` in make-io-fixtures.py).
    static func values(_ type: DataType, count: Int) -> TensorStorage {
        let i = (0..<count).map { Int64($0) }
        func unsigned<T: FixedWidthInteger>(_: T.Type) -> [T] {
            var v = i.map { T(truncatingIfNeeded: ($0 * 37 + 5) % 251) }
            v[0] = T.max
            return v
        }
        func signed<T: FixedWidthInteger>(_: T.Type) -> [T] {
            // NumPy's astype wraps modulo 2^bits, as truncatingIfNeeded does.
            var v = i.map { T(truncatingIfNeeded: ($0 * 37 + 5) % 251 - 125) }
            v[0] = T.min
            v[1] = T.max
            return v
        }
        func floats() -> [Double] {
            var v = i.map { Double($0 - 12) * 0.375 }
            v[0] = 65504
            return v
        }
        switch type {
        case .bool: return .bool(i.map { $0 % 3 == 0 })
        case .uint8: return .uint8(unsigned(UInt8.self))
        case .uint16: return .uint16(unsigned(UInt16.self))
        case .uint32: return .uint32(unsigned(UInt32.self))
        case .uint64: return .uint64(unsigned(UInt64.self))
        case .int8: return .int8(signed(Int8.self))
        case .int16: return .int16(signed(Int16.self))
        case .int32: return .int32(signed(Int32.self))
        case .int64: return .int64(signed(Int64.self))
        case .float16: return .float16Bits(floats().map { HalfFloat.fromFloat(Float($0)) })
        case .float32: return .float32(floats().map { Float($0) })
        case .float64: return .float64(floats())
        }
    }

    static var pythonWithNumPy: Bool {
        runPython("import numpy") == 0
    }

    /// Runs `python3 -c script`; returns the exit status (127 when python3 is missing).
    @discardableResult
    static func runPython(_ script: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return 127 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// A fresh empty directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("npuc-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
