// Fuses activation patterns exporters spell out into single IR activations:
//   Mul(x, Sigmoid(x))                → silu        (YOLOv5/v8 SiLU)
//   Mul(x, HardSigmoid(x; 1/6, 1/2))  → hard_swish  (MobileNetV3 / PP-OCR)
// The fused node keeps both original names. A pattern is fused only when the inner activation's
// output feeds nothing else (and is not a network output).

import NpucGraph

enum FuseActivations {
    static func run(_ graph: inout Graph) {
        let producers = graph.producers()
        let consumers = graph.consumers()
        let outputs = Set(graph.outputs)
        var removed = Set<Int>()
        for (i, node) in graph.nodes.enumerated() {
            guard case .elementwise(let e) = node.op, e.function == .mul, node.inputs.count == 2 else { continue }
            for (gateSlot, xSlot) in [(1, 0), (0, 1)] {
                let gate = node.inputs[gateSlot], x = node.inputs[xSlot]
                guard let p = producers[gate], !removed.contains(p.index), !outputs.contains(gate),
                      consumers[gate]?.count == 1 else { continue }
                let inner = graph.nodes[p.index]
                guard inner.inputs == [x], case .activation(let a) = inner.op, let fused = fusedFunction(a.function) else { continue }
                graph.nodes[i] = Node(name: node.name, sourceNames: inner.sourceNames + node.sourceNames,
                                      op: .activation(Activation(fused)), inputs: [x], outputs: node.outputs)
                removed.insert(p.index)
                break
            }
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    static func fusedFunction(_ inner: Activation.Function) -> Activation.Function? {
        switch inner {
        case .sigmoid: return .silu
        case .hardSigmoid(let alpha, let beta) where abs(alpha - 1.0 / 6) < 1e-6 && beta == 0.5: return .hardSwish
        default: return nil
        }
    }
}
