"""Passive liveness models (MiniFASNet): the shipped graphs against the upstream PyTorch
reference, the upstream crop rule on hand-worked cases, and the load-time contract."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from faceapp.shared.errors import ModelMismatchError
from faceapp.shared.paths import models_dir
from faceapp.vision.liveness_model import (MiniFASNetV1SE, MiniFASNetV2, PassiveLiveness, PassiveScore, crop_box,
                                           crop_patch, to_upstream_box)
from faceapp.vision.models import Manifest
from faceapp.vision.runtime import Runtime

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "minifasnet_reference.npz"


@pytest.fixture(scope="module")
def passive() -> PassiveLiveness:
    return PassiveLiveness.load(Manifest(models_dir()), Runtime("cpu"))


def test_crop_box_shifts_a_patch_crossing_two_borders_back_inside():
    # 640x480, box x=500 y=20 w=100 h=120, scale 2.7 (not limited: 479/120 and 639/100 are larger):
    # 270 x 324 about (550, 80) -> (415, -82)-(685, 242); top moved down by 82 -> (415, 0)-(685, 324);
    # right moved left by 685 - 639 = 46 -> (369, 0)-(639, 324)
    assert crop_box(640, 480, (500, 20, 100, 120), 2.7) == (369, 0, 639, 324)


def test_crop_box_limits_the_scale_to_the_image():
    # h 200 in a 480 high image: scale min(4.0, 479/200 = 2.395, 639/150) = 2.395 -> 359.25 x 479
    # about (175, 200) -> (-4.625, -39.5)-(354.625, 439.5) -> shifted to (0, 0)-(359.25, 479)
    assert crop_box(640, 480, (100, 100, 150, 200), 4.0) == (0, 0, 359, 479)


def test_crop_patch_takes_the_inclusive_range():
    img = np.zeros((10, 10, 3), np.uint8)
    img[2:5, 3:7] = 200  # rows 2..4, columns 3..6 inclusive
    patch = crop_patch(img, (3, 2, 6, 4), 4)
    assert patch.shape == (4, 4, 3) and patch.min() == 200


def test_mtcnn_box_is_mapped_onto_the_upstream_detector_convention():
    # 100 x 100 MTCNN box: centre (50, 50) moves by (0.1 w, 0.2 h), sides x1.2 / x0.8
    box = to_upstream_box(np.array([0, 0, 100, 100]), {"dx": 0.1, "dy": 0.2, "sx": 1.2, "sy": 0.8})
    assert box == (0, 30, 120, 80)


def test_shipped_graphs_match_the_upstream_pytorch_probabilities(passive):
    ref = np.load(FIXTURE)
    for model in passive.models:
        got = model.probabilities(ref["x"])
        assert np.abs(got - ref[model.key]).max() < 1e-4, model.key


def test_score_is_typed_and_averages_both_models(passive, astronaut, engine):
    face = engine.analyze(astronaut, max_faces=1)[0]
    (s,) = passive.score(astronaut, face.box[None])
    assert isinstance(s, PassiveScore)
    assert 0.0 <= s.real <= 1.0 and abs(s.real + s.print_attack + s.screen_attack - 1.0) < 1e-4
    assert passive.score(astronaut, np.zeros((0, 4))) == []


def _identity(path, shape):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, shape)
    model = helper.make_model(helper.make_graph([helper.make_node("Identity", ["input"], ["probs"])], "g", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.save(model, path)


@pytest.mark.parametrize("cls", [MiniFASNetV2, MiniFASNetV1SE])
def test_a_swapped_file_fails_at_load_with_expected_and_actual_shapes(tmp_path, cls):
    p = tmp_path / "swapped.onnx"
    _identity(p, ["N", 3, 112, 112])
    with pytest.raises(ModelMismatchError, match=r"swapped.onnx: inputs 'input' expected shape \(\?, 3, 80, 80\), "
                                                 r"actual \(\?, 3, 112, 112\)"):
        cls(p, Runtime("cpu"))
