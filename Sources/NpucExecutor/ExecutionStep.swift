// One unit of work of an execution plan (usually one node; a convolution may absorb the
// activation that follows it), the memory it touches, and the aliases it asks the memory
// planner for.

import NpucGraph

/// Memory an executing step sees: a pointer per value and the step's scratch space.
struct StepContext {
    let pointers: UnsafePointer<UnsafeMutablePointer<Float>>
    let scratch: UnsafeMutablePointer<Float>?

    @inline(__always)
    func pointer(_ value: ValueID) -> UnsafeMutablePointer<Float> { pointers[value.index] }
    @inline(__always)
    func input(_ value: ValueID) -> UnsafePointer<Float> { UnsafePointer(pointers[value.index]) }
}

/// A storage alias a step would like (the planner grants it when it is safe).
enum StepAlias {
    /// `value` may live inside `parent`'s storage, `offset` floats in (reshape, split, slice).
    case view(value: ValueID, parent: ValueID, offset: Int)
    /// Each part may be produced directly inside `whole` at its offset (concatenation).
    case gather(whole: ValueID, parts: [(value: ValueID, offset: Int)])
}

protocol ExecutionStep: Sendable {
    /// The node(s) this step computes, for diagnostics.
    var nodeName: String { get }
    var reads: [ValueID] { get }
    var writes: [ValueID] { get }
    /// Floats of temporary memory the step needs while it runs.
    var scratchCount: Int { get }
    var aliases: [StepAlias] { get }
    func execute(_ context: StepContext)
}

extension ExecutionStep {
    var scratchCount: Int { 0 }
    var aliases: [StepAlias] { [] }
}
