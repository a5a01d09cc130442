// A node of the graph IR: one typed op, its inputs and outputs, and where it came from.

public struct Node: Hashable, Sendable {
    /// npuc's layer name (unique in the graph, e.g. `conv12`); model scripts may use it.
    public var name: String
    /// The original framework node names this node stands for (several after a fusion), so that
    /// every message and report can name what the user sees in Netron.
    public var sourceNames: [String]
    public var op: Op
    public var inputs: [ValueID]
    public var outputs: [ValueID]

    public init(name: String, sourceNames: [String], op: Op, inputs: [ValueID], outputs: [ValueID]) {
        self.name = name
        self.sourceNames = sourceNames
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The name to show the user: the original node name when there is exactly one.
    public var displayName: String {
        sourceNames.count == 1 ? sourceNames[0] : name
    }
}
