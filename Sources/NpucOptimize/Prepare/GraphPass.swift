// The shape of a float preparation pass: a named, pure rewrite from one verified graph to a new
// verified graph. Passes keep the original node names (`sourceNames`) on every node they change,
// so later messages and reports still name the layers the user knows.

import NpucGraph

public protocol GraphPass: Sendable {
    /// The pass's name in messages and timings ("fold_batch_norm", …).
    var name: String { get }
    /// Returns the rewritten graph (verified), or throws naming what cannot be rewritten.
    func apply(to graph: Graph) throws(PreparationError) -> Graph
}

extension Graph {
    /// Applies `passes` in order.
    public func applying(_ passes: [any GraphPass]) throws(PreparationError) -> Graph {
        var graph = self
        for pass in passes { graph = try pass.apply(to: graph) }
        return graph
    }
}
