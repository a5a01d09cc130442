// Atomic file writes: the bytes go to a temporary file in the destination's directory, are
// flushed to disk, and the temporary is renamed over the destination. A failure at any step
// removes the temporary and leaves an existing destination untouched.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public enum AtomicFile {
    /// Writes `bytes` to `url` atomically.
    public static func write(_ bytes: [UInt8], to url: URL) throws(FileWriteError) {
        let writer = try AtomicFileWriter(destination: url)
        try bytes.withRawBytes { (raw) throws(FileWriteError) in try writer.append(raw) }
        try writer.commit()
    }
}

/// A file written in pieces (and patched at given offsets) under a temporary name, then renamed
/// into place by `commit()`. If `commit()` is never reached — an error, `abort()`, or the writer
/// going away — the temporary is removed and the destination is left as it was.
public final class AtomicFileWriter {
    public let destination: URL
    public let temporaryPath: String
    private var fd: Int32
    private var finished = false
    /// Bytes written so far by `append`.
    public private(set) var length = 0

    public init(destination: URL) throws(FileWriteError) {
        self.destination = destination
        let directory = destination.deletingLastPathComponent().path
        let name = destination.lastPathComponent
        var created: Int32 = -1
        var path = ""
        for attempt in 0..<100 {
            let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
            path = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(getpid())-\(suffix)"
            created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if created >= 0 || errno != EEXIST || attempt == 99 { break }
        }
        guard created >= 0 else {
            throw FileWriteError(path: destination.path, message: "cannot create a temporary file in \(directory): "
                + systemErrorMessage())
        }
        fd = created
        temporaryPath = path
    }

    deinit {
        if !finished { discard() }
    }

    /// Appends bytes at the end of what was written.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(FileWriteError) {
        try write(bytes, at: length)
        length += bytes.count
    }

    public func append(_ bytes: [UInt8]) throws(FileWriteError) {
        try bytes.withRawBytes { (raw) throws(FileWriteError) in try append(raw) }
    }

    /// Overwrites bytes already written (a header patched once the size is known).
    public func patch(_ bytes: [UInt8], at offset: Int) throws(FileWriteError) {
        precondition(offset >= 0 && offset + bytes.count <= length, "patch outside the written bytes")
        try bytes.withRawBytes { (raw) throws(FileWriteError) in try write(raw, at: offset) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(FileWriteError) {
        precondition(!finished, "write after commit or abort")
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                let message = systemErrorMessage()
                abort()
                throw FileWriteError(path: destination.path, message: message)
            }
            done += n
        }
    }

    /// Flushes the temporary to disk and renames it over the destination.
    public func commit() throws(FileWriteError) {
        precondition(!finished, "commit after commit or abort")
        if fsync(fd) != 0 {
            let message = systemErrorMessage()
            abort()
            throw FileWriteError(path: destination.path, message: "cannot flush to disk: \(message)")
        }
        if close(fd) != 0 {
            let message = systemErrorMessage()
            fd = -1
            abort()
            throw FileWriteError(path: destination.path, message: message)
        }
        fd = -1
        if rename(temporaryPath, destination.path) != 0 {
            let message = systemErrorMessage()
            abort()
            throw FileWriteError(path: destination.path, message: message)
        }
        finished = true
    }

    /// Removes the temporary; the destination is left as it was.
    public func abort() {
        guard !finished else { return }
        discard()
    }

    private func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
        finished = true
    }
}
