"""Shared by the PReLU tests of the MTCNN and MiniFASNet graphs: the inverse of the
exporters' split_prelu (each rewritten group back to one PRelu node) and an optimised ONNX
Runtime session, so a shipped graph can be compared bit for bit with its PRelu form."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
from onnx import helper, numpy_helper


def joined_prelu(model):
    """Conv/Relu/Conv/Relu/Conv/Add after a convolution and Relu/Min/Mul/Add after a dense
    layer (build/exporters/mtcnn.py split_prelu) back to PRelu; the model is changed in place."""
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    nodes = list(model.graph.node)
    out, i = [], 0
    while i < len(nodes):
        n = nodes[i]
        ops = [m.op_type for m in nodes[i:i + 6]]
        if ops == ["Conv", "Relu", "Conv", "Relu", "Conv", "Add"] and n.name.endswith("_Conv_one"):
            minus_slope = init[nodes[i + 4].input[1]]
            slope = f"{n.name}_slope"
            model.graph.initializer.append(numpy_helper.from_array(
                (-minus_slope).reshape(-1, 1, 1).astype(np.float32), slope))
            out.append(helper.make_node("PRelu", [n.input[0], slope], [nodes[i + 5].output[0]]))
            i += 6
        elif ops[:4] == ["Relu", "Min", "Mul", "Add"]:
            out.append(helper.make_node("PRelu", [n.input[0], nodes[i + 2].input[1]], [nodes[i + 3].output[0]]))
            i += 4
        else:
            out.append(n)
            i += 1
    del model.graph.node[:]
    model.graph.node.extend(out)
    return model


def optimised_session(model) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
