// The memory plan: which values share storage (views and in-place concatenation), each storage
// root's live range (first write to last read, over the step list), and arena offsets assigned
// first-fit by decreasing size so that roots live at the same time never overlap. `verify()`
// re-checks that property independently and names both values if it fails.

import NpucGraph

struct MemoryPlan: Sendable {
    /// Arena offset (in floats) of every value stored in the arena, by value index; nil for
    /// constants and values no step touches.
    let offsets: [Int?]
    /// Arena offset of each step's scratch space (nil when it needs none).
    let scratchOffsets: [Int?]
    /// Floats of arena memory one run needs (including slack read past the end by kernels).
    let arenaCount: Int

    /// Floats kept readable after the last buffer (kernels may read a little past a tensor).
    static let slack = 64
    static let alignment = 16

    private struct Root {
        var name: String
        var size: Int
        var first: Int
        var last: Int
        var offset = 0
    }

    init(graph: Graph, steps: [any ExecutionStep]) {
        let valueCount = graph.values.count
        // Parent of each value (value lives inside parent at offset); roots have none.
        var parent = [(id: Int, offset: Int)?](repeating: nil, count: valueCount)
        var touched = [Bool](repeating: false, count: valueCount)
        for v in graph.inputs { touched[v.index] = true }
        for step in steps {
            for v in step.reads + step.writes { touched[v.index] = true }
        }
        for v in graph.outputs { touched[v.index] = true }
        func root(_ v: Int) -> (id: Int, offset: Int) {
            var id = v, offset = 0
            while let p = parent[id] {
                offset += p.offset
                id = p.id
            }
            return (id, offset)
        }
        func size(_ v: Int) -> Int { graph.values[v].type.elementCount }
        let producedByStep = Set(steps.flatMap { $0.writes.map(\.index) })

        for step in steps {
            for alias in step.aliases {
                switch alias {
                case .view(let value, let p, let offset):
                    if parent[value.index] == nil, root(p.index).id != value.index, !graph.isConstant(ValueID(root(p.index).id)), offset >= 0,
                       offset + size(value.index) <= size(p.index) {
                        parent[value.index] = (p.index, offset)
                    }
                case .gather(let whole, let parts):
                    let wholeRoot = root(whole.index)
                    var claimed: [Range<Int>] = []
                    for (k, part) in parts.enumerated() {
                        let r = root(part.value.index)
                        let target = wholeRoot.offset + part.offset
                        if r.id == wholeRoot.id {
                            // Already inside; in place only if at the right spot (else the step copies).
                            if r.offset == target { claimed.append(target..<(target + size(part.value.index))) }
                            continue
                        }
                        // Move the part's whole root so that the part lands at its slot.
                        guard graph.isConstant(ValueID(r.id)) == false, producedByStep.contains(r.id),
                              !graph.inputs.contains(ValueID(r.id)) else { continue }
                        let start = target - r.offset
                        let span = start..<(start + size(r.id))
                        guard start >= 0, span.upperBound <= wholeRoot.offset + size(whole.index) else { continue }
                        guard !claimed.contains(where: { $0.overlaps(span) }) else { continue }
                        // Every other part overlapping the span must be this root's own view at its slot.
                        var consistent = true
                        for (j, other) in parts.enumerated() where j != k {
                            let slot = (wholeRoot.offset + other.offset)..<(wholeRoot.offset + other.offset + size(other.value.index))
                            guard slot.overlaps(span) else { continue }
                            let o = root(other.value.index)
                            if !(o.id == r.id && o.offset + start == slot.lowerBound) { consistent = false }
                        }
                        guard consistent else { continue }
                        parent[r.id] = (wholeRoot.id, start)
                        claimed.append(span)
                    }
                }
            }
        }

        // Live ranges of roots; graph inputs are written before step 0, outputs read after the last.
        var roots: [Int: Root] = [:]
        func use(_ v: Int, at step: Int) {
            guard !graph.isConstant(ValueID(v)) else { return }
            let r = root(v).id
            if graph.isConstant(ValueID(r)) { return }
            if var existing = roots[r] {
                existing.first = min(existing.first, step)
                existing.last = max(existing.last, step)
                roots[r] = existing
            } else {
                roots[r] = Root(name: graph.values[r].name, size: size(r), first: step, last: step)
            }
        }
        for v in graph.inputs { use(v.index, at: -1) }
        for (s, step) in steps.enumerated() {
            for v in step.reads + step.writes { use(v.index, at: s) }
        }
        for v in graph.outputs { use(v.index, at: steps.count) }
        // Scratch spaces are roots living for one step.
        var scratchKeys: [Int: Int] = [:]
        for (s, step) in steps.enumerated() where step.scratchCount > 0 {
            let key = valueCount + s
            scratchKeys[s] = key
            roots[key] = Root(name: "scratch of \(step.nodeName)", size: step.scratchCount, first: s, last: s)
        }

        // First-fit by decreasing size.
        let order = roots.keys.sorted { a, b in
            let ra = roots[a]!, rb = roots[b]!
            return ra.size != rb.size ? ra.size > rb.size : (ra.first != rb.first ? ra.first < rb.first : a < b)
        }
        var placed: [Int] = []
        var end = 0
        for key in order {
            var r = roots[key]!
            let busy = placed.map { roots[$0]! }.filter { $0.first <= r.last && r.first <= $0.last }
                .map { $0.offset..<($0.offset + $0.size) }.sorted { $0.lowerBound < $1.lowerBound }
            var candidate = 0
            for range in busy {
                if candidate + r.size <= range.lowerBound { break }
                candidate = max(candidate, Self.aligned(range.upperBound))
            }
            r.offset = candidate
            roots[key] = r
            placed.append(key)
            end = max(end, candidate + r.size)
        }

        var offsets = [Int?](repeating: nil, count: valueCount)
        for v in 0..<valueCount where touched[v] && !graph.isConstant(ValueID(v)) {
            let r = root(v)
            if let base = roots[r.id]?.offset { offsets[v] = base + r.offset }
        }
        self.offsets = offsets
        self.scratchOffsets = steps.indices.map { s in scratchKeys[s].flatMap { roots[$0]?.offset } }
        self.arenaCount = end + Self.slack
        self.rootsForVerification = roots.values.map { ($0.name, $0.offset, $0.size, $0.first, $0.last) }
    }

    private let rootsForVerification: [(name: String, offset: Int, size: Int, first: Int, last: Int)]

    static func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Checks that no two storage roots that are live at the same time overlap in the arena.
    func verify() -> String? {
        let roots = rootsForVerification
        for i in roots.indices {
            for j in roots.indices where j > i {
                let a = roots[i], b = roots[j]
                guard a.first <= b.last, b.first <= a.last else { continue }
                if a.offset < b.offset + b.size && b.offset < a.offset + a.size {
                    return "buffers of '\(a.name)' [\(a.offset), +\(a.size)) and '\(b.name)' [\(b.offset), +\(b.size)) overlap while both are live"
                }
            }
        }
        return nil
    }
}
