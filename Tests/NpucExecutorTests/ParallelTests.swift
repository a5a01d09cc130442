// Parallel.forEach and its worker pool: every index runs exactly once for many counts, with 0,
// 1 and 3 workers, nested and from concurrent callers; a nested region runs inline in order; a
// pool without workers (what NPUC_THREADS=1 gives) runs in order on the calling thread; and
// kernels give the same bits whether their parts run spread over the pool or one after another
// on one thread.

import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NpucExecutor
import NpucGraph
@testable import NpucKernels
import Synchronization
import Testing

@Suite("Parallel loops and the worker pool")
struct ParallelTests {
    /// Runs `run` (a parallel loop over `count`) and returns how often each index was visited.
    static func visits(_ count: Int, _ run: (Int, (Int) -> Void) -> Void) -> [Int] {
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        defer { hits.deallocate() }
        hits.initialize(repeating: 0, count: max(count, 1))
        run(count) { hits[$0] += 1 }
        return Array(UnsafeBufferPointer(start: hits, count: count))
    }

    static let counts = Array(0...70) + [97, 128, 255, 1000, 4099]

    @Test("Parallel.forEach visits every index exactly once", arguments: counts)
    func sharedPoolVisitsEachIndexOnce(count: Int) {
        for _ in 0..<20 {
            let hits = Self.visits(count) { Parallel.forEach($0, $1) }
            #expect(hits == [Int](repeating: 1, count: count), "count \(count)")
        }
    }

    @Test("pools of 0, 1 and 3 workers visit every index exactly once", arguments: [0, 1, 3])
    func poolSizes(workers: Int) {
        if #available(macOS 15.0, *) {
            let pool = WorkerPool(workers: workers)
            for count in Self.counts {
                for _ in 0..<5 {
                    let hits = Self.visits(count) { pool.run($0, $1) }
                    #expect(hits == [Int](repeating: 1, count: count), "\(workers) workers, count \(count)")
                }
            }
        }
    }

    @Test("a pool without workers (NPUC_THREADS=1) runs the indices in order on the calling thread")
    func singleThreadMode() {
        if #available(macOS 15.0, *) {
            let pool = WorkerPool(workers: 0)
            let caller = pthread_self()
            for count in [0, 1, 2, 7, 64] {
                var order: [Int] = []
                var foreign = 0
                pool.run(count) { i in
                    order.append(i)
                    if pthread_equal(pthread_self(), caller) == 0 { foreign += 1 }
                }
                #expect(order == Array(0..<count))
                #expect(foreign == 0)
            }
        }
    }

    @Test("a loop nested in a loop's body visits every pair exactly once", arguments: [(2, 3), (8, 17), (33, 5), (1, 40)])
    func nested(outer: Int, inner: Int) {
        let hits = Self.visits(outer * inner) { _, visit in
            Parallel.forEach(outer) { i in
                Parallel.forEach(inner) { j in visit(i * inner + j) }
            }
        }
        #expect(hits == [Int](repeating: 1, count: outer * inner))
    }

    @Test("a region started inside a region of the same pool runs inline, in order, on the thread that started it")
    func nestedRunsInline() {
        if #available(macOS 15.0, *) {
            // A pool of its own, so no other test can be holding it.
            let pool = WorkerPool(workers: 1)
            let outer = 16, inner = 23
            let orders = UnsafeMutablePointer<[Int]>.allocate(capacity: outer)
            orders.initialize(repeating: [], count: outer)
            let threadsMatch = UnsafeMutablePointer<Bool>.allocate(capacity: outer)
            threadsMatch.initialize(repeating: false, count: outer)
            defer {
                orders.deinitialize(count: outer)
                orders.deallocate()
                threadsMatch.deallocate()
            }
            pool.run(outer) { i in
                let me = pthread_self()
                var same = true
                pool.run(inner) { j in
                    orders[i].append(j)
                    if pthread_equal(pthread_self(), me) == 0 { same = false }
                }
                threadsMatch[i] = same
            }
            for i in 0..<outer {
                #expect(orders[i] == Array(0..<inner), "outer index \(i)")
                #expect(threadsMatch[i], "outer index \(i)")
            }
        }
    }

    @Test("loops started from several threads at once each visit every index once")
    func concurrentCallers() {
        let threads = 6, count = 301
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for round in 0..<30 {
                let n = count + t + round
                let hits = Self.visits(n) { Parallel.forEach($0, $1) }
                if hits != [Int](repeating: 1, count: n) { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test("forRanges covers 0..<total with disjoint ranges for any part count")
    func ranges() {
        for total in [0, 1, 5, 64, 1001] {
            for parts in [1, 2, 3, 8, 5000] {
                let hits = Self.visits(total) { n, visit in
                    Parallel.forRanges(n, parts: parts) { range in for i in range { visit(i) } }
                }
                #expect(hits == [Int](repeating: 1, count: total), "total \(total), parts \(parts)")
            }
        }
    }

    @Test("a reduction computed per index equals the serial loop bit for bit")
    func resultsEqualSerialLoop() {
        let count = 4096, length = 257
        var rng = SeededRandom(seed: 5)
        let data = rng.floats(count * length, in: -3...3)
        var serial = [Float](repeating: 0, count: count)
        for i in 0..<count {
            var s: Float = 0
            for k in 0..<length { s = (s + data[i * length + k]) * 0.999 }
            serial[i] = s
        }
        var parallel = [Float](repeating: .nan, count: count)
        data.withUnsafeBufferPointer { d in
            parallel.withUnsafeMutableBufferPointer { out in
                let src = d.baseAddress!, dst = out.baseAddress!
                Parallel.forEach(count) { i in
                    var s: Float = 0
                    for k in 0..<length { s = (s + src[i * length + k]) * 0.999 }
                    dst[i] = s
                }
            }
        }
        #expect(bitIdentical(parallel, serial))
    }

    /// Runs `body` nested in a two-part parallel loop, which holds the shared pool, so the loops
    /// inside it run on one thread in order (unless another test held the pool when the outer
    /// loop started; then the comparison is between two pooled runs, which must also agree).
    static func serially<T>(_ body: () -> T) -> T {
        var result: T?
        Parallel.forEach(2) { i in if i == 0 { result = body() } }
        return result!
    }

    @Test("kernels give the same bits on the pool and serially on one thread", arguments: 0..<6)
    func kernelsIndependentOfSplit(seed: Int) throws {
        var conv = RandomConvolution(seed: UInt64(seed))
        // A larger map so that every kernel splits into several parts.
        let op = Convolution(kernelShape: [3, 3], strides: [1 + seed % 2, 1 + seed % 2], dilations: [1, 1],
                             padsBegin: [1, 1], padsEnd: [1, 1], group: seed % 3 == 2 ? 8 : 1)
        var rng = SeededRandom(seed: UInt64(seed) + 100)
        conv.op = op
        conv.inputShape = [1, 16, 61, 47]
        conv.weightShape = [24, 16 / op.group, 3, 3]
        conv.outputShape = try op.inferOutputTypes([.float32(conv.inputShape), .float32(conv.weightShape)])[0].shape
        conv.input = rng.floats(conv.inputShape.reduce(1, *), in: -2...2)
        conv.weights = rng.floats(conv.weightShape.reduce(1, *))
        conv.bias = rng.floats(24)
        let pooled = conv.fast(.silu), alone = Self.serially { conv.fast(.silu) }
        #expect(bitIdentical(pooled, alone), "\(firstDifference(pooled, alone))")

        let wino = WinogradTests.run(c: 24, m: 16, h: 45, w: 38, pad: (1, 1, 1, 1), seed: UInt64(seed))
        let winoAlone = Self.serially { WinogradTests.run(c: 24, m: 16, h: 45, w: 38, pad: (1, 1, 1, 1), seed: UInt64(seed)) }
        #expect(bitIdentical(wino.fast, winoAlone.fast), "\(firstDifference(wino.fast, winoAlone.fast))")

        let g = try FloatExecutorTests.yoloBlockGraph(seed: UInt64(seed), batch: 1 + seed % 2)
        let inputs = FloatExecutorTests.randomInput(g, seed: UInt64(seed))
        let executor = try FloatExecutor(g)
        let spread = try executor.run(inputs)
        let one = Self.serially { try? executor.run(inputs) }
        #expect(spread == one)
    }

    @Test("elementwise, activation and pooling kernels on large arrays give the same bits on the pool and serially")
    func pointwiseIndependentOfSplit() {
        var rng = SeededRandom(seed: 9)
        let count = 3 * 160 * 160
        let a = rng.floats(count, in: -4...4), b = rng.floats(count, in: -4...4)
        func binary() -> [Float] {
            var out = [Float](repeating: .nan, count: count)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        BinaryKernels.run(.mul, a: pa.baseAddress!, aStrides: [25600, 160, 1], b: pb.baseAddress!, bStrides: [0, 160, 1],
                                          out: po.baseAddress!, shape: [3, 160, 160])
                    }
                }
            }
            return out
        }
        func silu() -> [Float] {
            var out = [Float](repeating: .nan, count: count)
            a.withUnsafeBufferPointer { pa in
                out.withUnsafeMutableBufferPointer { ActivationKernels.apply(.silu, input: pa.baseAddress!, output: $0.baseAddress!, count: count) }
            }
            return out
        }
        func pool() -> [Float] {
            let g = Pool2DGeometry(planes: 3, inputHeight: 160, inputWidth: 160, outputHeight: 160, outputWidth: 160,
                                   kernelHeight: 5, kernelWidth: 5, strideY: 1, strideX: 1, dilationY: 1, dilationX: 1, padTop: 2, padLeft: 2)
            var out = [Float](repeating: .nan, count: count)
            var scratch = [Float](repeating: .nan, count: count)
            a.withUnsafeBufferPointer { pa in
                scratch.withUnsafeMutableBufferPointer { ps in
                    out.withUnsafeMutableBufferPointer {
                        PoolingKernels.maxPool2D(g, input: pa.baseAddress!, output: $0.baseAddress!, scratch: ps.baseAddress!)
                    }
                }
            }
            return out
        }
        #expect(bitIdentical(binary(), Self.serially(binary)))
        #expect(bitIdentical(silu(), Self.serially(silu)))
        #expect(bitIdentical(pool(), Self.serially(pool)))
    }
}
