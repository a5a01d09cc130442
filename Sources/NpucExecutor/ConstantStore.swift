// The graph's constants converted to float32 once, in one allocation that lives as long as the
// executor (kernels hold pointers into it; packed weights are copied out of it).

import NpucGraph

final class ConstantStore: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Float>
    private let offsets: [ValueID: Int]

    init(graph: Graph) {
        var offsets: [ValueID: Int] = [:]
        var total = 0
        for id in graph.constants.keys.sorted() {
            offsets[id] = total
            total += MemoryPlan.aligned(graph.constants[id]!.elementCount)
        }
        storage = .allocate(capacity: max(total, 1))
        storage.initialize(repeating: 0, count: max(total, 1))
        for (id, offset) in offsets {
            let values = graph.constants[id]!.floats
            (storage + offset).update(from: values, count: values.count)
        }
        self.offsets = offsets
    }

    deinit { storage.deallocate() }

    /// The constant's floats, or nil when `value` is not a constant.
    func pointer(_ value: ValueID) -> UnsafeMutablePointer<Float>? {
        offsets[value].map { storage + $0 }
    }
}

/// Reusable run memory: arenas are expensive to fault in, so finished runs hand theirs back.
final class ArenaPool: @unchecked Sendable {
    let count: Int
    private var free: [UnsafeMutablePointer<Float>] = []
    private let lock = Lock()

    init(count: Int) { self.count = count }

    deinit { for arena in free { arena.deallocate() } }

    func withArena<R>(_ body: (UnsafeMutablePointer<Float>) throws(ExecutorError) -> R) throws(ExecutorError) -> R {
        let arena = lock.withLock { free.popLast() } ?? {
            let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
            a.initialize(repeating: 0, count: count)
            return a
        }()
        defer { lock.withLock { free.append(arena) } }
        return try body(arena)
    }
}
