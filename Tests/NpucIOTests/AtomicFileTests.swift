// Atomic writes: the destination is either the old file or the complete new one, and no
// temporary file is left behind after success or failure.

import Foundation
import Testing
@testable import NpucIO

struct AtomicFileTests {
    func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func writesAndReplaces() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.npar")
        try AtomicFile.write([1, 2, 3], to: url)
        #expect(Array(try Data(contentsOf: url)) == [1, 2, 3])
        try AtomicFile.write(Array(repeating: 9, count: 100_000), to: url)
        #expect(Array(try Data(contentsOf: url)) == Array(repeating: 9, count: 100_000))
        #expect(try listing(directory) == ["model.npar"])
    }

    @Test func failedRenameLeavesTheDestinationAndNoTemporary() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A non-empty directory at the destination cannot be replaced by a file.
        let destination = directory.appendingPathComponent("out.npy")
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: false)
        try Data([42]).write(to: destination.appendingPathComponent("keep"))
        #expect(throws: FileWriteError.self) { try AtomicFile.write([1, 2, 3], to: destination) }
        #expect(try listing(directory) == ["out.npy"])
        #expect(Array(try Data(contentsOf: destination.appendingPathComponent("keep"))) == [42])
    }

    @Test func missingDirectoryIsAClearError() throws {
        let url = URL(fileURLWithPath: "/nonexistent-npuc-dir/x.npy")
        do {
            try AtomicFile.write([1], to: url)
            Issue.record("writing into a missing directory succeeded")
        } catch {
            #expect(error.path == "/nonexistent-npuc-dir/x.npy")
            #expect(error.description.hasPrefix("cannot write /nonexistent-npuc-dir/x.npy: cannot create a temporary "
                + "file in /nonexistent-npuc-dir: No such file or directory"))
        }
    }

    @Test func abandonedWriterRemovesItsTemporary() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("calib.npy")
        try AtomicFile.write([7], to: url)
        do {
            let writer = try AtomicFileWriter(destination: url)
            try writer.append([1, 2, 3, 4])
            #expect(try listing(directory).count == 2, "the temporary exists while writing")
        }
        #expect(try listing(directory) == ["calib.npy"])
        #expect(Array(try Data(contentsOf: url)) == [7])

        let aborted = try AtomicFileWriter(destination: url)
        try aborted.append([1])
        aborted.abort()
        #expect(try listing(directory) == ["calib.npy"])
    }

    @Test func patchRewritesEarlierBytes() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("p.bin")
        let writer = try AtomicFileWriter(destination: url)
        try writer.append([0, 0, 0, 0])
        try writer.append([5, 6])
        try writer.patch([1, 2], at: 1)
        try writer.commit()
        #expect(Array(try Data(contentsOf: url)) == [0, 1, 2, 0, 5, 6])
    }
}
