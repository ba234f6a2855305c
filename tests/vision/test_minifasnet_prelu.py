"""The shipped MiniFASNet graphs compute PReLU as depthwise 1x1 convolutions, not with ONNX
Runtime's PRelu kernel (build/exporters/minifasnet.py as_depthwise_prelu, the MTCNN
exporter's split_prelu). Their probabilities must be bit for bit those of the same weights
with PRelu, on real face patches, and the manifest keeps the PRelu graph's hash as the model
id (same_outputs_as)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from faceapp.shared.paths import models_dir  # noqa: E402
from prelu_graphs import joined_prelu, optimised_session  # noqa: E402
from faceapp.vision.liveness_model import crop_box, crop_patch, to_upstream_box  # noqa: E402
from faceapp.vision.models import Manifest  # noqa: E402

BUILD = Path(__file__).resolve().parents[2] / "build"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "minifasnet_reference.npz"


@pytest.fixture(scope="module")
def patches(astronaut, engine):
    """Real face patches of both crop scales (the astronaut's face, as the app cuts them) and
    the upstream-reference fixture's synthetic ones, BGR 0..255, NCHW float32."""
    bgr = np.ascontiguousarray(astronaut[:, :, ::-1])
    box = to_upstream_box(engine.analyze(astronaut, max_faces=1)[0].box)
    real = [crop_patch(bgr, crop_box(bgr.shape[1], bgr.shape[0], box, s)) for s in (1.0, 2.7, 4.0)]
    x = np.concatenate([np.stack(real), np.load(FIXTURE)["x"]])
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2).astype(np.float32))


@pytest.mark.parametrize("key", ["minifasnet_v2", "minifasnet_v1se"])
def test_shipped_graph_equals_prelu_graph_bit_for_bit(key, patches):
    path = models_dir() / f"{key}.onnx"
    shipped = onnx.load(str(path))
    ops = [n.op_type for n in shipped.graph.node]
    assert "PRelu" not in ops and ops.count("Relu") >= 2 * 33
    reference = joined_prelu(onnx.load(str(path)))
    assert sum(n.op_type == "PRelu" for n in reference.graph.node) == 33
    for batch in (patches[:1], patches):
        got = optimised_session(shipped).run(None, {"input": batch})[0]
        want = optimised_session(reference).run(None, {"input": batch})[0]
        assert np.array_equal(got, want), key


def test_manifest_keeps_the_prelu_graphs_hash_as_the_model_id():
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))
    from exporters.minifasnet import SAME_OUTPUTS_AS

    manifest = Manifest(models_dir())
    for key, sha in SAME_OUTPUTS_AS.items():
        entry = manifest.entry(key)
        assert entry.info["same_outputs_as"] == sha and entry.sha256 != sha
        assert entry.model_id == f"{key}@{sha[:12]}"
