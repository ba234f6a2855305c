"""The shipped MTCNN graphs compute PReLU without ONNX Runtime's PRelu kernel, their slowest op
(issue 19): Relu(1*x) + (-slope) * Relu(-1*x) as depthwise 1x1 convolutions after a
convolution, Relu(x) + slope * Min(x, 0) after a dense layer (build/exporters/mtcnn.py
split_prelu). Their outputs must be bit for bit those of the same weights with PRelu."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import helper, numpy_helper  # noqa: E402

from faceapp.shared.paths import models_dir  # noqa: E402
from prelu_graphs import joined_prelu, optimised_session  # noqa: E402

BUILD = Path(__file__).resolve().parents[2] / "build"


def _split_prelu():
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))
    from exporters.mtcnn import split_prelu

    return split_prelu


@pytest.mark.parametrize("net, shape", [("pnet", (1, 3, 61, 83)), ("rnet", (9, 3, 24, 24)), ("onet", (5, 3, 48, 48))])
def test_shipped_graph_equals_prelu_graph_bit_for_bit(net, shape):
    shipped = onnx.load(str(models_dir() / f"mtcnn_{net}.onnx"))
    ops = [n.op_type for n in shipped.graph.node]
    assert "PRelu" not in ops and ops.count("Conv") >= 6 and "Relu" in ops
    reference = joined_prelu(onnx.load(str(models_dir() / f"mtcnn_{net}.onnx")))
    assert sum(n.op_type == "PRelu" for n in reference.graph.node) >= 3
    # net inputs as the detector makes them: (pixel mean - 127.5) * 0.0078125
    rng = np.random.default_rng(7)
    x = ((rng.integers(0, 256, shape).astype(np.float32) - np.float32(127.5)) * np.float32(0.0078125))
    for a, b in zip(optimised_session(shipped).run(None, {"input": x}), optimised_session(reference).run(None, {"input": x})):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("conv", [True, False])
def test_split_is_exact_for_every_sign_and_slope(conv):
    """Negative slopes, slopes above 1, zeros, signed zero, large and tiny values; the slope
    of a convolution's PReLU (C, 1, 1) and of a dense layer's (C,)."""
    c = 6
    slope = np.array([-1.28, -0.2, 0.0, 0.25, 1.0, 1.3], np.float32).reshape(c, 1, 1)
    shape = [1, c, 4, 5] if conv else [20, c]
    x_info = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)
    y_info = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, shape)
    graph = helper.make_graph([helper.make_node("PRelu", ["x", "s"], ["y"], name="p")], "g", [x_info], [y_info],
                              [numpy_helper.from_array(slope if conv else slope.reshape(c), "s")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    split = onnx.load_from_string(model.SerializeToString())
    _split_prelu()(split)
    assert [n.op_type for n in split.graph.node] == (["Conv", "Relu", "Conv", "Relu", "Conv", "Add"] if conv
                                                     else ["Relu", "Min", "Mul", "Add"])
    onnx.checker.check_model(split, full_check=True)
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((1, c, 4, 5)) * 10.0 ** rng.integers(-30, 30, (1, c, 4, 5))).astype(np.float32)
    x[0, :, 0, 0], x[0, :, 0, 1] = 0.0, -0.0
    want = np.where(x >= 0, x, slope[None] * x)
    if not conv:  # the same numbers as 20 rows of a dense layer's output
        x, want = (a.transpose(0, 2, 3, 1).reshape(20, c) for a in (x, want))
    got = optimised_session(split).run(None, {"x": x})[0]
    ref = optimised_session(model).run(None, {"x": x})[0]
    assert np.array_equal(got, ref) and np.array_equal(got, want)
