// Data-parallel loops over the machine's cores, run on a persistent worker pool (WorkerPool:
// the calling thread plus one worker per extra core). Iterations must write disjoint memory; the
// helper exists so kernels can capture raw pointers, which Swift 6 does not let a @Sendable
// closure capture directly. A loop started inside another one runs on its own thread.

import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum Parallel {
    /// Cores the kernels use: the online processors, or `NPUC_THREADS` when set (1 runs every
    /// kernel on the calling thread).
    public static let coreCount: Int = {
        if let text = getenv("NPUC_THREADS"), let n = Int(String(cString: text)), n >= 1 { return n }
        #if canImport(Glibc) || canImport(Darwin)
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return n > 0 ? n : 1
        #else
        return 1
        #endif
    }()

    /// Runs `body(i)` for `i` in `0..<count`, concurrently when `count > 1`. The iterations must
    /// not write overlapping memory. Returns when every iteration has finished. Which thread runs
    /// which index varies from call to call; a call made while another parallel loop is running
    /// (nested in its body, or from another thread) runs its iterations in order on its thread.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || coreCount == 1 {
            for i in 0..<count { body(i) }
            return
        }
        if #available(macOS 15.0, *) {
            WorkerPool.shared.run(count, body)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }

    /// Splits `0..<total` into about `parts` contiguous ranges (none empty) and runs them in
    /// parallel.
    public static func forRanges(_ total: Int, parts: Int, _ body: (Range<Int>) -> Void) {
        if total <= 0 { return }
        let n = Swift.max(1, Swift.min(parts, total))
        forEach(n) { i in
            let lo = total * i / n, hi = total * (i + 1) / n
            if lo < hi { body(lo..<hi) }
        }
    }

    /// A sensible number of parts for `work` units of roughly equal cost: one per core (the pool
    /// hands parts out dynamically, so a core that finishes early or a descheduled thread costs
    /// at most one part), and none smaller than `minimumPerPart` units, so that small steps stay
    /// on the calling thread. On YOLOv8n, one part per core measured faster than two or four.
    public static func partCount(work: Int, minimumPerPart: Int) -> Int {
        let byWork = Swift.max(1, work / Swift.max(1, minimumPerPart))
        return Swift.min(byWork, coreCount)
    }
}

/// Wraps a value that is known to be used safely across threads (disjoint writes, or read-only).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
