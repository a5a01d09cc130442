// Zip writer determinism and layout, reader round trips (stored, deflated, zip64), CRC and
// truncation errors, and archives written by Python's zipfile (through numpy.savez).

import Foundation
import Testing
@testable import NpucIO

struct ZipWriterTests {
    let payloads: [(String, [UInt8])] = [
        ("graph.json", Array("{\"nodes\": []}".utf8)),
        ("weights/0.npy", (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7 % 13) }),
        ("empty", []),
    ]

    func archive(deflate: Bool) -> [UInt8] {
        var writer = ZipWriter()
        for (name, bytes) in payloads { writer.add(name: name, bytes: bytes, deflate: deflate) }
        return writer.finish()
    }

    @Test(arguments: [false, true])
    func roundTrip(deflate: Bool) throws {
        let reader = try ZipReader(bytes: archive(deflate: deflate), source: "t.zip")
        #expect(reader.entryNames == payloads.map(\.0))
        for (name, bytes) in payloads {
            #expect(try reader.read(name) == bytes)
            #expect(reader.entry(named: name)?.isStored == !deflate)
        }
    }

    @Test func deflateShrinksRepetitiveData() throws {
        let stored = archive(deflate: false)
        let deflated = archive(deflate: true)
        #expect(deflated.count < stored.count - 4000)
    }

    @Test func sameInputGivesIdenticalBytes() {
        #expect(archive(deflate: true) == archive(deflate: true))
        #expect(archive(deflate: false) == archive(deflate: false))
    }

    @Test func localHeadersCarryTheFixedTimestampAndNoExtraField() throws {
        let bytes = archive(deflate: false)
        // First local header: signature, version 20, flags 0, method 0, time 0, date 1980-01-01.
        #expect(Array(bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        #expect(Array(bytes[4..<14]) == [20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0])
        #expect(Array(bytes[28..<30]) == [0, 0], "no extra field")
        let nameLength = Int(bytes[26]) | Int(bytes[27]) << 8
        #expect(String(decoding: bytes[30..<(30 + nameLength)], as: UTF8.self) == "graph.json")
    }

    @Test func forcedZip64FieldsRoundTrip() throws {
        var writer = ZipWriter()
        writer.forceZip64 = true
        for (name, bytes) in payloads { writer.add(name: name, bytes: bytes, deflate: true) }
        let bytes = writer.finish()
        #expect(Array(bytes[18..<26]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "sizes are in the zip64 extra")
        let reader = try ZipReader(bytes: bytes, source: "z64.zip")
        for (name, content) in payloads { #expect(try reader.read(name) == content) }
    }

    @Test func moreThan65535EntriesUseTheZip64Directory() throws {
        var writer = ZipWriter()
        for i in 0..<70_000 { writer.add(name: "e\(i)", bytes: [UInt8(i & 0xFF)]) }
        let bytes = writer.finish()
        let reader = try ZipReader(bytes: bytes, source: "many.zip")
        #expect(reader.entryNames.count == 70_000)
        #expect(try reader.read("e69999") == [UInt8(69_999 & 0xFF)])
    }

    @Test func nonASCIINamesAreFlaggedUTF8() throws {
        var writer = ZipWriter()
        writer.add(name: "größe.npy", bytes: [1, 2, 3])
        let bytes = writer.finish()
        #expect(bytes[7] == 0x08, "general purpose bit 11")
        #expect(try ZipReader(bytes: bytes, source: "u.zip").entryNames == ["größe.npy"])
    }
}

struct ZipReaderErrorTests {
    func centralDirectoryOffset(_ bytes: [UInt8]) -> Int? {
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        for i in 0..<(bytes.count - 4) where Array(bytes[i..<(i + 4)]) == signature { return i }
        return nil
    }

    func zipError(_ bytes: [UInt8]) -> ZipError? {
        do {
            _ = try ZipReader(bytes: bytes, source: "model.npar")
            return nil
        } catch {
            return error
        }
    }

    func archive(_ content: [UInt8], deflate: Bool) -> [UInt8] {
        var writer = ZipWriter()
        writer.add(name: "a.npy", bytes: content, deflate: deflate)
        return writer.finish()
    }

    @Test func notAZip() {
        #expect(zipError(Array("definitely not a zip archive, just text".utf8))?.problem == .notZip)
        #expect(zipError([])?.problem == .notZip)
    }

    @Test func truncatedArchiveIsReported() throws {
        let bytes = archive([UInt8](repeating: 3, count: 1000), deflate: false)
        // Cutting the tail removes the end record; cutting the middle moves the directory.
        #expect(zipError(Array(bytes.dropLast(10)))?.problem == .notZip)
        var middle = Array(bytes[0..<500])
        middle += bytes[(bytes.count - 22)...]
        let error = try #require(zipError(middle))
        guard case .corrupt(let message) = error.problem else { Issue.record("\(error)"); return }
        #expect(message.contains("the file is truncated"))
    }

    @Test func flippedStoredByteFailsTheCRC() throws {
        var bytes = archive(Array(0..<200), deflate: false)
        bytes[30 + 5 + 10] ^= 0xFF  // a data byte of the entry
        let reader = try ZipReader(bytes: bytes, source: "model.npar")
        #expect(throws: ZipError.self) { try reader.read("a.npy") }
        do {
            _ = try reader.read("a.npy")
        } catch {
            guard case .checksumMismatch(let entry, _, _) = error.problem else { Issue.record("\(error)"); return }
            #expect(entry == "a.npy")
            #expect(error.description.hasPrefix("model.npar: entry 'a.npy' is damaged: CRC-32 is 0x"))
        }
    }

    @Test func corruptDeflateStreamIsReported() throws {
        var bytes = archive([UInt8](repeating: 9, count: 5000), deflate: true)
        for i in 35..<45 { bytes[i] = 0xFF }
        let reader = try ZipReader(bytes: bytes, source: "model.npar")
        do {
            _ = try reader.read("a.npy")
            Issue.record("a corrupt deflate stream was accepted")
        } catch {
            switch error.problem {
            case .badDeflate(let entry, _), .checksumMismatch(let entry, _, _): #expect(entry == "a.npy")
            default: Issue.record("unexpected error \(error)")
            }
        }
    }

    @Test func missingEntry() throws {
        let reader = try ZipReader(bytes: archive([1], deflate: false), source: "model.npar")
        #expect(throws: ZipError(source: "model.npar", problem: .missingEntry("graph.json"))) {
            try reader.read("graph.json")
        }
    }

    @Test func unsupportedMethodIsNamed() throws {
        var bytes = archive([1, 2, 3], deflate: false)
        // Patch the method in the central directory (offset 10 of the central header) to bzip2 (12).
        let central = try #require(centralDirectoryOffset(bytes))
        bytes[central + 10] = 12
        let error = try #require(zipError(bytes))
        #expect(error.description == "model.npar: entry 'a.npy' uses compression method 12 (npuc reads stored and "
                    + "deflated entries), which is not supported")
    }

    @Test func hostileSizeClaimIsRefused() throws {
        var bytes = archive([UInt8](repeating: 0, count: 100), deflate: true)
        let central = try #require(centralDirectoryOffset(bytes))
        for i in 24..<28 { bytes[central + i] = 0xFE }  // claims ~4 GB uncompressed
        let error = try #require(zipError(bytes))
        guard case .corrupt(let message) = error.problem else { Issue.record("\(error)"); return }
        #expect(message.contains("claims"))
    }

    @Test func readsFromAMemoryMappedFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("m.zip")
        try AtomicFile.write(archive(Array(0..<100), deflate: true), to: url)
        let reader = try ZipReader(contentsOf: url)
        #expect(try reader.read("a.npy") == Array(0..<100))
        #expect(reader.source == "m.zip")
    }

    @Test func storedBytesCanBeReadInPlace() throws {
        let reader = try ZipReader(bytes: archive(Array(5..<50), deflate: false), source: "s.zip")
        let sum = try reader.withStoredBytes("a.npy") { $0.reduce(0) { $0 + Int($1) } }
        #expect(sum == (5..<50).reduce(0, +))
    }
}

struct ZipInteropTests {
    @Test(.enabled(if: Fixtures.pythonWithNumPy, "python3 is not installed; skipping the zipfile check"))
    func pythonZipfileReadsWhatNpucWrites() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, zip64) in [false, true].enumerated() {
            var writer = ZipWriter()
            writer.forceZip64 = zip64
            writer.add(name: "a.bin", bytes: Array(0..<200), deflate: true)
            writer.add(name: "b.bin", bytes: Array(repeating: 7, count: 300))
            let url = directory.appendingPathComponent("w\(index).zip")
            try AtomicFile.write(writer.finish(), to: url)
            let script = """
                import zipfile
                z = zipfile.ZipFile('\(url.path)')
                assert z.testzip() is None
                assert z.namelist() == ['a.bin', 'b.bin']
                assert z.read('a.bin') == bytes(range(200)) and z.read('b.bin') == bytes([7] * 300)
                assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
                """
            #expect(Fixtures.runPython(script) == 0, "zip64: \(zip64)")
        }
    }
}
