"""The shipped MobileFaceNet computes PReLU as depthwise 1x1 convolutions (issue 19:
build/exporters/mobilefacenet.py prelu_as_depthwise; -36% CPU time per face). Its outputs
must be bit for bit those of the graph as tf2onnx wrote it (Relu(x) + (x - |x|) * slope/2),
and its model id keeps that graph's hash, so stored templates stay valid."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import helper, numpy_helper  # noqa: E402

from faceapp.shared.paths import models_dir  # noqa: E402
from faceapp.vision.models import Manifest  # noqa: E402


def _tf2onnx_form(model):
    """The inverse of prelu_as_depthwise: each Conv/Relu/Conv/Relu/Conv/Add group back to
    Relu(x) + (x - |x|) * h with h = slope / 2, as tf2onnx writes PReLU."""
    graph = model.graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes, out, i = list(graph.node), [], 0
    while i < len(nodes):
        n = nodes[i]
        if n.name.endswith("/prelu_conv_one"):
            stem, x, y = n.name.removesuffix("/prelu_conv_one"), n.input[0], nodes[i + 5].output[0]
            half = (-init[nodes[i + 4].input[1]] / np.float32(2)).reshape(1, -1, 1, 1).astype(np.float32)
            graph.initializer.append(numpy_helper.from_array(half, f"{stem}/half_slope"))
            out += [helper.make_node("Relu", [x], [f"{stem}/r"]), helper.make_node("Abs", [x], [f"{stem}/a"]),
                    helper.make_node("Sub", [x, f"{stem}/a"], [f"{stem}/s"]),
                    helper.make_node("Mul", [f"{stem}/s", f"{stem}/half_slope"], [f"{stem}/m"]),
                    helper.make_node("Add", [f"{stem}/r", f"{stem}/m"], [y])]
            i += 6
        else:
            out.append(n)
            i += 1
    del graph.node[:]
    graph.node.extend(out)
    return model


def _session(model):
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def test_shipped_graph_equals_the_tf2onnx_form_bit_for_bit():
    path = models_dir() / "mobilefacenet_v1.onnx"
    shipped = onnx.load(str(path))
    ops = [n.op_type for n in shipped.graph.node]
    assert "Abs" not in ops and "Sub" not in ops and "PRelu" not in ops
    reference = _tf2onnx_form(onnx.load(str(path)))
    assert sum(n.op_type == "Abs" for n in reference.graph.node) == 33
    rng = np.random.default_rng(5)
    x = (rng.integers(0, 256, (3, 112, 112, 3)).astype(np.float32) - np.float32(127.5)) / np.float32(128)
    a, b = _session(shipped).run(None, {"input": x})[0], _session(reference).run(None, {"input": x})[0]
    assert np.array_equal(a, b)


def test_model_id_keeps_the_hash_templates_were_stored_with():
    entry = Manifest(models_dir()).encoder_entry("mobilefacenet_v1", False)
    assert entry.model_id == "mobilefacenet_v1@8862f7ade710"
    assert not entry.sha256.startswith("8862f7ade710")  # the file itself is the rewritten graph
