// A read-only memory map of a whole file, so large `.npy`, `.npz` and archive files are read
// without being copied into memory.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The bytes of a file, mapped read-only. The mapping lives as long as this object: keep a
/// reference while using `bytes` (or use `withBytes`).
public final class MappedFile: @unchecked Sendable {
    // Immutable after init: the mapping is never written to, so sharing it across threads is safe.
    private let base: UnsafeMutableRawPointer?
    public let count: Int
    public let path: String

    public init(contentsOf url: URL) throws(FileReadError) {
        path = url.path
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(path: url.path, message: systemErrorMessage()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileReadError(path: url.path, message: systemErrorMessage()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileReadError(path: url.path, message: "not a regular file")
        }
        let size = Int(info.st_size)
        count = size
        if size == 0 {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw FileReadError(path: url.path, message: "cannot map the file into memory: \(systemErrorMessage())")
        }
        base = address
    }

    deinit {
        if let base { munmap(base, count) }
    }

    /// The mapped bytes; valid while this object is alive.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base.map { UnsafeRawPointer($0) }, count: count)
    }

    /// Tells the kernel the pages holding `range` (byte offsets) are not needed for now, so they
    /// leave this process's resident set; reading them again maps them back from the file.
    /// Streaming readers call it after each part so a large file never becomes resident whole.
    public func releasePages(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = max(0, range.lowerBound / page * page)
        let end = min(count, (range.upperBound + page - 1) / page * page)
        guard end > start else { return }
        _ = madvise(base + start, end - start, Int32(MADV_DONTNEED))
    }

    /// Calls `body` with the mapped bytes, keeping the mapping alive for the call.
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(self) { () throws(E) -> R in try body(bytes) }
    }
}

/// `strerror(errno)` as a String.
func systemErrorMessage(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
