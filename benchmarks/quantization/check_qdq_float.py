# Checks that the "qdq" scoring mode of scripts/fixtures/ort_quantize.py (a QDQ model run by ONNX
# Runtime with graph optimizations disabled) is plain float arithmetic on the quantized values:
# the same model with every weight/bias DequantizeLinear replaced by its float result (computed here
# in float64, stored as float32) must give bit-identical outputs. Prints the largest difference per
# output for the first N eval pages.
# Usage: python3 benchmarks/quantization/check_qdq_float.py QUANTIZED.onnx [N=2]
from __future__ import annotations

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "fixtures"))
import ort_quantize as q  # noqa: E402


def dequantize_initializers(model: onnx.ModelProto) -> onnx.ModelProto:
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    kept, folded = [], []
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in inits:
            kept.append(node)
            continue
        x = inits[node.input[0]].astype(np.float64)
        scale = inits[node.input[1]].astype(np.float64)
        zero = inits[node.input[2]].astype(np.float64) if len(node.input) > 2 else np.zeros_like(scale)
        if scale.ndim == 1 and x.ndim > 1:
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            shape = [1] * x.ndim
            shape[axis] = -1
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        folded.append(numpy_helper.from_array(((x - zero) * scale).astype(np.float32), node.output[0]))
    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.node[:]
    out.graph.node.extend(kept)
    used = {name for node in kept for name in node.input}
    remaining = [i for i in out.graph.initializer if i.name in used]
    del out.graph.initializer[:]
    out.graph.initializer.extend(remaining + folded)
    return out


def main() -> None:
    path = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    qdq = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    folded = ort.InferenceSession(dequantize_initializers(onnx.load(path)).SerializeToString(), options,
                                  providers=["CPUExecutionProvider"])
    names = [o.name for o in qdq.get_outputs()]
    eval_dir = os.path.join(ROOT, ".fixtures", "pages", "eval")
    worst = 0.0
    for page in q.pages(eval_dir, count):
        x = q.to_input(q.preprocess(os.path.join(eval_dir, page)))
        a, b = qdq.run(names, {"images": x}), folded.run(names, {"images": x})
        diffs = [float(np.abs(u - v).max()) for u, v in zip(a, b)]
        worst = max(worst, *diffs)
        print(f"{page}: max |qdq − float-weights| per output {diffs}")
    print("bit-identical" if worst == 0 else f"DIFFERENT (max {worst})")


if __name__ == "__main__":
    main()
