"""The shipped MTCNN graphs compute PReLU as Relu(x) + slope * Min(x, 0) (issue 19: ONNX
Runtime's PRelu kernel was their slowest op); their outputs must be bit for bit those of the
same weights with ONNX Runtime's own PRelu."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import helper, numpy_helper  # noqa: E402

from faceapp.shared.paths import models_dir  # noqa: E402

BUILD = Path(__file__).resolve().parents[2] / "build"


def _split_prelu():
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))
    from exporters.mtcnn import split_prelu

    return split_prelu


def _joined(model):
    """The inverse of split_prelu: each Relu/Min/Mul/Add quartet back to one PRelu node."""
    nodes = list(model.graph.node)
    out, i = [], 0
    while i < len(nodes):
        n = nodes[i]
        if n.op_type == "Relu" and i + 3 < len(nodes) and [m.op_type for m in nodes[i + 1:i + 4]] == ["Min", "Mul", "Add"]:
            x, slope, y = n.input[0], nodes[i + 2].input[1], nodes[i + 3].output[0]
            out.append(helper.make_node("PRelu", [x, slope], [y], name=n.name.removesuffix("_Relu")))
            i += 4
        else:
            out.append(n)
            i += 1
    del model.graph.node[:]
    model.graph.node.extend(out)
    return model


def _session(model):
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("net, shape", [("pnet", (1, 3, 61, 83)), ("rnet", (9, 3, 24, 24)), ("onet", (5, 3, 48, 48))])
def test_shipped_graph_equals_prelu_graph_bit_for_bit(net, shape):
    shipped = onnx.load(str(models_dir() / f"mtcnn_{net}.onnx"))
    ops = {n.op_type for n in shipped.graph.node}
    assert "PRelu" not in ops and {"Relu", "Min", "Mul", "Add"} <= ops
    reference = _joined(onnx.load(str(models_dir() / f"mtcnn_{net}.onnx")))
    assert sum(n.op_type == "PRelu" for n in reference.graph.node) >= 3
    # net inputs as the detector makes them: (pixel mean - 127.5) * 0.0078125
    rng = np.random.default_rng(7)
    x = ((rng.integers(0, 256, shape).astype(np.float32) - np.float32(127.5)) * np.float32(0.0078125))
    for a, b in zip(_session(shipped).run(None, {"input": x}), _session(reference).run(None, {"input": x})):
        assert np.array_equal(a, b)


def test_split_is_exact_for_every_sign_and_slope():
    """Negative slopes, slopes above 1, zeros, signed zero, large and tiny values."""
    c = 6
    slope = np.array([-1.28, -0.2, 0.0, 0.25, 1.0, 1.3], np.float32).reshape(c, 1, 1)
    x_info = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, c, 4, 5])
    y_info = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, c, 4, 5])
    graph = helper.make_graph([helper.make_node("PRelu", ["x", "s"], ["y"], name="p")], "g", [x_info], [y_info],
                              [numpy_helper.from_array(slope, "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    split = onnx.load_from_string(model.SerializeToString())
    _split_prelu()(split)
    assert [n.op_type for n in split.graph.node] == ["Relu", "Min", "Mul", "Add"]
    onnx.checker.check_model(split, full_check=True)
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((1, c, 4, 5)) * 10.0 ** rng.integers(-30, 30, (1, c, 4, 5))).astype(np.float32)
    x[0, :, 0, 0], x[0, :, 0, 1] = 0.0, -0.0
    want = np.where(x >= 0, x, slope[None] * x)
    got = _session(split).run(None, {"x": x})[0]
    ref = _session(model).run(None, {"x": x})[0]
    assert np.array_equal(got, ref) and np.array_equal(got, want)
