// Runs a libjpeg or libpng decode on a thread of its own, so that a fatal decoder error can be
// survived from Swift.
//
// Both libraries report fatal errors through a callback that must not return (C programs longjmp
// out of it; Swift cannot use setjmp/longjmp safely). npuc's callback records the message, wakes
// the caller, and then parks its own thread forever instead of returning: the caller destroys the
// decoder state from its own thread and reports the error. A parked thread holds only its (small,
// mostly untouched) stack. Structural checks before decoding keep this path rare; a C shim with
// setjmp would remove it (see docs/IMAGES.md).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Shared between the decoding thread and the caller. All fields are written by the decoding
/// thread before it signals `done`, and read by the caller only after `done` was signalled.
final class DecodeContext: @unchecked Sendable {
    var fatalMessage: String?
    var warnings: [String] = []
    let done = DispatchSemaphore(value: 0)

    /// Called from a C error callback on the decoding thread: records the message, wakes the
    /// caller, and never returns.
    func failAndPark(_ message: String) -> Never {
        fatalMessage = message
        IsolatedDecode.noteParked()
        done.signal()
        while true { pause() }
    }
}

enum IsolatedDecode {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var parkedThreads = 0
    /// More parked threads than this and npuc stops decoding with the C libraries in this process.
    static let maxParkedThreads = 512

    static func noteParked() {
        lock.lock()
        parkedThreads += 1
        lock.unlock()
    }

    static var parkedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return parkedThreads
    }

    /// Runs `body` on a fresh thread and waits for it. Returns false when the thread could not be
    /// started or too many threads are already parked (the caller reports that instead).
    static func run(_ context: DecodeContext, _ body: @escaping @Sendable () -> Void) -> Bool {
        guard parkedCount < maxParkedThreads else { return false }
        final class Job: @unchecked Sendable {
            let body: @Sendable () -> Void
            let context: DecodeContext
            init(body: @escaping @Sendable () -> Void, context: DecodeContext) {
                self.body = body
                self.context = context
            }
        }
        let job = Unmanaged.passRetained(Job(body: body, context: context))
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 1 << 20)
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let status = pthread_create(&thread, &attributes, { raw in
            #if canImport(Darwin)
            let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
            #else
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            #endif
            job.body()
            job.context.done.signal()
            return nil
        }, job.toOpaque())
        guard status == 0 else {
            job.release()
            return false
        }
        context.done.wait()
        return true
    }
}
