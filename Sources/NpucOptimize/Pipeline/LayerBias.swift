// Replacing a weighted layer's float bias before quantization (bias correction, data-driven
// rounding): the node's bias constant is overwritten, or a bias input is added when it has none.

import NpucGraph

extension Graph {
    /// Sets the bias of the node named `node` to `bias`; a node without a bias input gets one, a
    /// constant named `constantName`. Does nothing when no node has that name.
    mutating func setBias(_ bias: Tensor, ofNode node: String, constantName: String) {
        guard let index = nodes.firstIndex(where: { $0.name == node }) else { return }
        if nodes[index].inputs.count > 2 {
            constants[nodes[index].inputs[2]] = bias
        } else {
            let id = addConstant(name: constantName, tensor: bias)
            nodes[index].inputs.append(id)
        }
    }
}
