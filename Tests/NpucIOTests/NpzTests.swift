// .npz archives: files written by numpy.savez / savez_compressed, and npuc's own round trips.

import Foundation
import NpucGraph
import Testing
@testable import NpucIO

struct NpzTests {
    /// The members scripts/make-io-fixtures.py saved, in order.
    var expected: [(String, Tensor)] {
        guard case .int64(let i8) = Fixtures.values(.int64, count: 24),
              case .bool(let b1) = Fixtures.values(.bool, count: 4) else { return [] }
        return [
            ("a", Tensor(shape: [2, 3, 4], storage: Fixtures.values(.float32, count: 24))),
            ("b", Tensor(shape: [5], storage: .int64(Array(i8[0..<5])))),
            ("c", Tensor(shape: [2, 2], storage: .bool(b1))),
            ("d", Tensor(shape: [], storage: .uint16([7]))),
        ]
    }

    @Test(arguments: ["savez.npz", "savez_compressed.npz"])
    func readsNumPyArchives(file: String) throws {
        let members = try Npz.decode(contentsOf: Fixtures.numpy(file))
        #expect(members.map(\.name) == expected.map(\.0))
        #expect(members.map(\.tensor) == expected.map(\.1))
    }

    @Test func numpysArchivesUseZip64LocalHeaders() throws {
        // numpy.savez writes with force_zip64: the reader must honour the local extra field length.
        let bytes = try Fixtures.bytes("savez.npz")
        let extraLength = Int(bytes[28]) | Int(bytes[29]) << 8
        #expect(extraLength > 0)
    }

    @Test(arguments: [false, true])
    func roundTrip(deflate: Bool) throws {
        let members = expected.map { (name: $0.0, tensor: $0.1) }
        let bytes = Npz.encode(members, deflate: deflate)
        let decoded = try Npz.decode(bytes: bytes, source: "rt.npz")
        #expect(decoded.map(\.name) == members.map(\.name))
        #expect(decoded.map(\.tensor) == members.map(\.tensor))
        let reader = try ZipReader(bytes: bytes, source: "rt.npz")
        #expect(reader.entryNames == ["a.npy", "b.npy", "c.npy", "d.npy"])
        #expect(reader.entries.allSatisfy { $0.isStored == !deflate })
    }

    @Test func badMemberNamesTheArchiveAndMember() throws {
        var writer = ZipWriter()
        writer.add(name: "x.npy", bytes: Array("not numpy".utf8))
        do {
            _ = try Npz.decode(bytes: writer.finish(), source: "stats.npz")
            Issue.record("a bad member was accepted")
        } catch let error as NumPyError {
            #expect(error.source == "stats.npz/x.npy")
            #expect(error.problem == .notNumPy)
        }
    }

    @Test(.enabled(if: Fixtures.pythonWithNumPy, "python3 with numpy is not installed; skipping the numpy.load check"))
    func numpyLoadsWhatNpucWrites() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for deflate in [false, true] {
            let url = directory.appendingPathComponent("n\(deflate).npz")
            try AtomicFile.write(Npz.encode(expected.map { (name: $0.0, tensor: $0.1) }, deflate: deflate), to: url)
            let reference = Fixtures.numpy("savez.npz").path
            let script = """
                import numpy as np
                a = np.load('\(url.path)'); b = np.load('\(reference)')
                assert list(a.keys()) == list(b.keys())
                for k in b.keys():
                    assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape and (a[k] == b[k]).all(), k
                """
            #expect(Fixtures.runPython(script) == 0, "deflate: \(deflate)")
        }
    }
}
