// The persistent thread pool behind `Parallel.forEach`: one worker thread per extra core, started
// on first use and kept for the life of the process. A parallel region publishes a job (count,
// body) under a new job number; workers that are awake pick it up at once, workers that slept
// are woken. The calling thread takes part, and every thread claims indices one at a time from a
// shared counter, so a worker that the OS has descheduled delays nothing: the others take its
// share. Between jobs a worker spins for a bounded time (a step of a network starts microseconds
// after the previous one ends) and then sleeps on a condition variable, so an idle process costs
// no CPU. Only one region runs on the pool at a time: a region started while the pool is busy
// (from inside a worker, from the caller's own body, or from another thread) runs inline on its
// thread, which keeps nested calls deadlock-free and never oversubscribes the cores.

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@available(macOS 15.0, *)
final class WorkerPool: @unchecked Sendable {
    /// The process's pool, created on the first parallel region (never when `NPUC_THREADS=1`).
    static let shared = WorkerPool(workers: Parallel.coreCount - 1)

    /// How long an idle worker, and a caller waiting for the last items, spin before sleeping.
    static let spinNanoseconds: UInt64 = 100_000

    let workerCount: Int

    /// Set while a region runs on the pool; a region that cannot set it runs inline.
    private let busy = Atomic<Bool>(false)
    /// Job number (high 32 bits) and next unclaimed index (low 32 bits). A claim is a
    /// compare-exchange that also checks the job number, so a worker holding a stale job can
    /// never take an index of the next one. While a job is being published its index is
    /// `closed`; when it ends, the index equals its count.
    private let ticket = Atomic<UInt64>(0)
    private let jobCount = Atomic<Int>(0)
    /// Address of the running region's body, `(Int) -> Void`, on the caller's stack.
    private let jobBody = Atomic<UInt>(0)
    /// Indices of the running job whose body has returned.
    private let finished = Atomic<Int>(0)
    /// Workers asleep (or about to sleep) on `wake`; the publisher signals only when nonzero.
    private let sleepers = Atomic<Int>(0)
    /// True while the caller sleeps on `done` waiting for the last items.
    private let callerAsleep = Atomic<Bool>(false)
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let done: UnsafeMutablePointer<pthread_cond_t>

    private static let closed: UInt64 = 0xFFFF_FFFF
    private static let indexMask: UInt64 = 0xFFFF_FFFF

    init(workers: Int) {
        workerCount = max(0, workers)
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        done = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
        ticket.store(Self.closed, ordering: .relaxed)
        for _ in 0..<workerCount { startWorker() }
    }

    // The pool lives as long as the process; its threads are never joined.

    /// Runs `body(i)` for every `i` in `0..<count` exactly once, on this thread and the workers,
    /// or entirely on this thread when the pool is already running a region. Returns when every
    /// call has returned.
    func run(_ count: Int, _ body: (Int) -> Void) {
        guard workerCount > 0, count > 1, UInt64(count) < Self.closed,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<count { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                let job = ((ticket.load(ordering: .relaxed) >> 32) &+ 1) & Self.indexMask
                // Close the new job number first: a worker that reads this job's count or body
                // then sees at least this ticket, so its claims on the previous job fail.
                ticket.store(job << 32 | Self.closed, ordering: .sequentiallyConsistent)
                finished.store(0, ordering: .relaxed)
                jobCount.store(count, ordering: .releasing)
                jobBody.store(UInt(bitPattern: pointer), ordering: .releasing)
                ticket.store(job << 32, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(mutex)
                    pthread_cond_broadcast(wake)
                    pthread_mutex_unlock(mutex)
                }
                work(job: job)
                waitForFinish(count)
            }
        }
    }

    /// Claims and runs indices of `job` until none is left (or the job is no longer current).
    private func work(job: UInt64) {
        var current = ticket.load(ordering: .acquiring)
        // Seen while being published: its count and body are stored within nanoseconds.
        while current == job << 32 | Self.closed {
            Self.pause()
            current = ticket.load(ordering: .acquiring)
        }
        guard current >> 32 == job else { return }
        let count = UInt64(jobCount.load(ordering: .acquiring))
        let body = jobBody.load(ordering: .acquiring)
        while current >> 32 == job, current & Self.indexMask < count {
            let (exchanged, original) = ticket.compareExchange(expected: current, desired: current &+ 1,
                                                               ordering: .acquiringAndReleasing)
            if !exchanged {
                current = original
                continue
            }
            Self.call(body, Int(current & Self.indexMask))
            if finished.add(1, ordering: .sequentiallyConsistent).newValue == Int(count),
               callerAsleep.load(ordering: .sequentiallyConsistent) {
                pthread_mutex_lock(mutex)
                pthread_cond_signal(done)
                pthread_mutex_unlock(mutex)
            }
            current = ticket.load(ordering: .acquiring)
        }
    }

    /// Calls the region's body; not inlined so that the copy of the closure is released before
    /// the index is counted as finished (the caller's `withoutActuallyEscaping` checks that no
    /// copy outlives the region).
    @inline(never)
    private static func call(_ body: UInt, _ index: Int) {
        let pointer = UnsafePointer<(Int) -> Void>(bitPattern: body)!
        pointer.pointee(index)
    }

    private func waitForFinish(_ count: Int) {
        let deadline = Self.now() &+ Self.spinNanoseconds
        var spins = 0
        while finished.load(ordering: .acquiring) < count {
            Self.pause()
            spins &+= 1
            if spins & 63 == 0, Self.now() > deadline {
                pthread_mutex_lock(mutex)
                callerAsleep.store(true, ordering: .sequentiallyConsistent)
                while finished.load(ordering: .sequentiallyConsistent) < count {
                    pthread_cond_wait(done, mutex)
                }
                callerAsleep.store(false, ordering: .relaxed)
                pthread_mutex_unlock(mutex)
                break
            }
        }
    }

    // MARK: Workers

    private func startWorker() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 8 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue().workerLoop()
            return nil
        }, context)
        #else
        var thread: pthread_t? = nil
        let status = pthread_create(&thread, &attributes, { raw in
            Unmanaged<WorkerPool>.fromOpaque(raw).takeRetainedValue().workerLoop()
            return nil
        }, context)
        #endif
        pthread_attr_destroy(&attributes)
        precondition(status == 0, "could not start a worker thread (pthread_create returned \(status))")
    }

    private func workerLoop() {
        var seen = ticket.load(ordering: .acquiring) >> 32
        while true {
            let job = waitForJob(after: seen)
            seen = job
            work(job: job)
        }
    }

    /// Returns the number of the first job newer than `seen`: spins for a while, then sleeps.
    private func waitForJob(after seen: UInt64) -> UInt64 {
        let deadline = Self.now() &+ Self.spinNanoseconds
        var spins = 0
        while true {
            let job = ticket.load(ordering: .acquiring) >> 32
            if job != seen { return job }
            Self.pause()
            spins &+= 1
            if spins & 63 == 0, Self.now() > deadline { break }
        }
        pthread_mutex_lock(mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        var job = ticket.load(ordering: .sequentiallyConsistent) >> 32
        while job == seen {
            pthread_cond_wait(wake, mutex)
            job = ticket.load(ordering: .sequentiallyConsistent) >> 32
        }
        sleepers.subtract(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        return job
    }

    // MARK: Time and spinning

    @inline(__always)
    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    @inline(__always)
    private static func pause() {
        #if arch(x86_64)
        spinLoopHint()
        #endif
    }
}

#if arch(x86_64)
/// The x86 PAUSE instruction (LLVM's intrinsic, bound by name): tells the core that this is a
/// spin-wait loop, which saves power and lets a sibling hyperthread run.
@_silgen_name("llvm.x86.sse2.pause")
private func spinLoopHint()
#endif
