"""ONNX export of dlib's ResNet against dlib itself (fixtures made by build/make_dlib_fixtures.py)."""

from __future__ import annotations


import numpy as np
import pytest

from faceapp.vision.encoder import FaceEncoder
from faceapp.shared.errors import ModelMismatchError
from faceapp.vision.runtime import Runtime

PHOTOS = ("astronaut", "grace_hopper")


@pytest.mark.parametrize("photo", PHOTOS)
def test_descriptor_matches_dlib(encoder, ref, photo, figure):
    emb = encoder.embed(ref[f"{photo}_chip"][None])
    assert emb.shape == (1, 128) and emb.dtype == np.float32
    diff = float(np.abs(emb[0] - ref[f"{photo}_descriptor"]).max())
    print(f"{photo}: ONNX vs dlib descriptor max abs diff {diff:.3g}")
    figure(f"encoder parity with dlib ({photo})", f"max abs diff {diff:.3g}")
    assert diff <= 1e-4


def test_batches_agree_and_split(encoder, ref):
    chips = np.stack([ref["astronaut_chip"], ref["grace_hopper_chip"]] * 17)  # 34 > one batch of 32
    emb = encoder.embed(chips)
    assert emb.shape == (34, 128)
    np.testing.assert_allclose(emb[-2], ref["astronaut_descriptor"], atol=1e-4)
    np.testing.assert_allclose(emb[-1], ref["grace_hopper_descriptor"], atol=1e-4)
    # different people are far apart in dlib's metric
    assert np.linalg.norm(emb[0] - emb[1]) > 0.6


def test_empty_batch(encoder):
    out = encoder.embed(np.zeros((0, 150, 150, 3), np.uint8))
    assert out.shape == (0, 128) and out.dtype == np.float32


def test_wrong_chip_size_is_rejected(encoder):
    with pytest.raises(ValueError, match="150"):
        encoder.embed(np.zeros((1, 112, 112, 3), np.uint8))


def test_mismatched_model_names_expected_and_actual(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 112, 112])
    y = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 3])
    node = helper.make_node("ReduceMean", ["input"], ["embedding"], axes=[2, 3], keepdims=0)
    model = helper.make_model(helper.make_graph([node], "wrong", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = tmp_path / "wrong.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelMismatchError) as err:
        FaceEncoder(path, Runtime("cpu"))
    msg = str(err.value)
    assert "expected shape (?, 3, 150, 150)" in msg and "actual (?, 3, 112, 112)" in msg
