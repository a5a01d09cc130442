// Data-parallel loops for the emulator's kernels: iterations write disjoint outputs and compute
// each element the same way whatever the thread count, so results are identical with 1 or N
// threads.

import Dispatch

enum ParallelRows {
    /// Splits `0..<total` into at most `threads` contiguous ranges and runs them concurrently.
    static func forRanges(_ total: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        guard total > 0 else { return }
        let parts = Swift.max(1, Swift.min(threads, total))
        if parts == 1 {
            body(0..<total)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = SendableBox(escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { i in
                let lo = total * i / parts, hi = total * (i + 1) / parts
                if lo < hi { box.value(lo..<hi) }
            }
        }
    }
}

/// A value shared across the iterations of a parallel loop that only read it or write disjoint
/// memory through it.
struct SendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
