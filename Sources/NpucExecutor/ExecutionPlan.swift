// Turns a graph into a step list (fast kernels where they exist, the reference kernel
// otherwise; optionally a convolution absorbs the activation that follows it) and plans its
// memory. Built once per executor; immutable afterwards, so runs may proceed concurrently.

import NpucGraph
import NpucKernels

final class ExecutionPlan: Sendable {
    let steps: [any ExecutionStep]
    let memory: MemoryPlan
    let pool: ArenaPool

    init(graph: Graph, constants: ConstantStore, fast: Bool, fuseActivations: Bool, winograd: Bool) throws(ExecutorError) {
        var steps: [any ExecutionStep] = []
        let consumers = graph.consumers()
        let outputs = Set(graph.outputs)
        var absorbed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            guard fast else {
                steps.append(ReferenceStep(node: node, graph: graph))
                continue
            }
            switch node.op {
            case .conv(let op):
                var activation = PointwiseFunction.identity
                var destination: ValueID? = nil
                var follower: Int? = nil
                if fuseActivations, let readers = consumers[node.outputs[0]], readers.count == 1,
                   !outputs.contains(node.outputs[0]),
                   case .activation(let act) = graph.nodes[readers[0].index].op, let f = act.function.pointwise {
                    activation = f
                    destination = graph.nodes[readers[0].index].outputs[0]
                    follower = readers[0].index
                }
                if let step = ConvolutionStep(node: node, op: op, graph: graph, constants: constants, output: destination,
                                              activation: activation, winograd: winograd) {
                    steps.append(step)
                    if let follower { absorbed.insert(follower) }
                    continue
                }
            case .elementwise(let op):
                steps.append(ElementwiseStep(node: node, op: op, graph: graph))
                continue
            case .activation(let op):
                steps.append(ActivationStep(nodeName: node.displayName, input: node.inputs[0], output: node.outputs[0], op: op,
                                            count: graph.type(of: node.inputs[0]).elementCount))
                continue
            case .maxPool(let op):
                if let step = MaxPool2DStep(node: node, op: op, graph: graph) {
                    steps.append(step)
                    continue
                }
            case .globalAveragePool:
                let x = graph.type(of: node.inputs[0]).shape
                steps.append(GlobalAveragePoolStep(nodeName: node.displayName, input: node.inputs[0], output: node.outputs[0],
                                                   planes: x[0] * x[1], planeSize: x[2...].reduce(1, *)))
                continue
            case .resize(let op):
                if let step = NearestResizeStep(node: node, op: op, graph: graph) {
                    steps.append(step)
                    continue
                }
            case .reshape:
                steps.append(ReshapeStep(nodeName: node.displayName, input: node.inputs[0], output: node.outputs[0],
                                         count: graph.type(of: node.outputs[0]).elementCount))
                continue
            case .concat(let op):
                steps.append(ConcatStep(node: node, op: op, graph: graph))
                continue
            case .split(let op):
                steps.append(SplitStep(node: node, op: op, graph: graph))
                continue
            case .slice(let op):
                if let step = ContiguousSliceStep(node: node, op: op, graph: graph) {
                    steps.append(step)
                    continue
                }
            default:
                break
            }
            steps.append(ReferenceStep(node: node, graph: graph))
        }
        self.steps = steps
        memory = MemoryPlan(graph: graph, steps: steps)
        if let problem = memory.verify() {
            preconditionFailure("memory plan of '\(graph.name)' is inconsistent: \(problem)")
        }
        pool = ArenaPool(count: memory.arenaCount)
    }
}
