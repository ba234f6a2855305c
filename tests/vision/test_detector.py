"""MTCNN detector: ONNX nets and numpy pipeline against facenet-pytorch's own outputs.

tests/fixtures/mtcnn_reference.json was written once by build/make_mtcnn_fixtures.py with
the original facenet-pytorch MTCNN (torch); these tests need neither torch nor the network.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from faceapp.vision.detector import MTCNNDetector, ONet, PNet, RNet
from faceapp.shared.errors import ModelMismatchError
from faceapp.vision.runtime import Runtime
from faceapp.vision.types import Detections
from faceapp.shared.paths import models_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "build"))
from make_mtcnn_fixtures import make_multi_face  # noqa: E402  (torch is imported only to regenerate)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mtcnn_reference.json"
FACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"

NET_TOL = 1e-4  # measured ~2e-6 (float32 summation order)
PX_TOL = 0.5  # measured < 2e-4 px for boxes and landmarks (same pyramid and crop arithmetic)


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime("cpu")


@pytest.fixture(scope="module")
def detector(runtime) -> MTCNNDetector:
    det = MTCNNDetector.from_dir(models_dir(), runtime)  # mtcnn_{pnet,rnet,onet}.onnx
    det.warmup()
    return det


@pytest.fixture(scope="module")
def photos(astronaut, grace_hopper) -> dict[str, np.ndarray]:
    return {"astronaut": astronaut, "grace_hopper": grace_hopper,
            "multi": make_multi_face(astronaut, grace_hopper)}


# ------------------------------------------------------------------ nets


def test_nets_match_torch_outputs(reference, runtime):
    rng = np.random.default_rng(reference["raw_seed"])
    nets = {"pnet": PNet, "rnet": RNet, "onet": ONet}
    for name in ("pnet", "rnet", "onet"):  # the fixture drew the inputs in this order
        raw = reference["raw"][name]
        x = rng.uniform(-1.0, 1.0, size=raw["input_shape"]).astype(np.float32)
        model = nets[name](models_dir() / f"mtcnn_{name}.onnx", runtime)
        outs = dict(zip(model.outputs, model.run(input=x)))
        for key, expected in raw["outputs"].items():
            expected = np.asarray(expected, np.float32)
            assert outs[key].shape == expected.shape, f"{name}.{key}"
            diff = float(np.abs(outs[key] - expected).max())
            print(f"{name}.{key}: max abs diff vs torch {diff:.2e}")
            assert diff < NET_TOL, f"{name}.{key}: max abs diff {diff:.3e} vs torch"


def test_warmup_runs_every_net(detector):
    assert PNet.inputs["input"] == (None, 3, None, None)
    assert detector.pnet.warmup_inputs()["input"].shape == (1, 3, 12, 12)
    detector.warmup()


# ------------------------------------------------------------------ pipeline


def _match(found: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Index into `found` of the nearest box for each expected box (one to one)."""
    order = [int(np.argmin(np.abs(found - e).max(1))) for e in expected]
    assert len(set(order)) == len(order), "two reference faces matched the same detection"
    return np.asarray(order, np.int64)


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper", "multi"])
def test_pipeline_matches_facenet_pytorch(detector, reference, photos, name):
    ref = reference["images"][name]
    image = photos[name]
    assert list(image.shape) == ref["shape"]
    dets = detector.detect(image)
    exp_boxes = np.asarray(ref["boxes"], np.float32).reshape(-1, 4)
    exp_lm = np.asarray(ref["landmarks"], np.float32).reshape(-1, 5, 2)
    exp_probs = np.asarray(ref["probs"], np.float32).reshape(-1)
    assert len(dets) == len(exp_boxes), f"{name}: {len(dets)} faces, facenet-pytorch found {len(exp_boxes)}"
    assert len(dets) >= 1
    idx = _match(dets.boxes, exp_boxes)
    box_diff = float(np.abs(dets.boxes[idx] - exp_boxes).max())
    lm_diff = float(np.abs(dets.landmarks[idx] - exp_lm).max())
    score_diff = float(np.abs(dets.scores[idx] - exp_probs).max())
    print(f"{name}: {len(dets)} faces, box {box_diff:.2e} px, landmarks {lm_diff:.2e} px, score {score_diff:.1e}")
    assert box_diff < PX_TOL and lm_diff < PX_TOL and score_diff < 1e-3
    # best score first; landmarks in the box and in image order: left eye left of right eye
    assert np.all(np.diff(dets.scores) <= 0)
    assert np.all(dets.landmarks[:, 0, 0] < dets.landmarks[:, 1, 0])
    assert np.all(dets.landmarks[:, 3, 0] < dets.landmarks[:, 4, 0])


def test_result_types(detector, photos):
    dets = detector.detect(photos["astronaut"])
    assert isinstance(dets, Detections)
    assert dets.boxes.dtype == dets.scores.dtype == dets.landmarks.dtype == np.float32
    assert dets.boxes.shape == (1, 4) and dets.scores.shape == (1,) and dets.landmarks.shape == (1, 5, 2)
    assert set(detector.last_timings) >= {"pnet", "rnet", "onet", "other", "total"}


@pytest.mark.parametrize("image", [np.full((480, 640, 3), 128, np.uint8), np.zeros((480, 640), np.uint8),
                                   np.full((8, 8, 3), 200, np.uint8)], ids=["grey-frame", "black-grey", "tiny"])
def test_no_face_gives_shaped_empty(detector, image):
    dets = detector.detect(image)
    assert len(dets) == 0
    assert dets.boxes.shape == (0, 4) and dets.scores.shape == (0,) and dets.landmarks.shape == (0, 5, 2)
    assert dets.boxes.dtype == np.float32


def test_grey_and_rgba_inputs(detector, photos):
    rgb = photos["astronaut"]
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 77, np.uint8)], 2)
    a, b = detector.detect(rgb), detector.detect(rgba)
    assert np.array_equal(a.boxes, b.boxes) and np.array_equal(a.landmarks, b.landmarks)
    grey = rgb.mean(2).astype(np.uint8)
    g2, g3 = detector.detect(grey), detector.detect(np.repeat(grey[:, :, None], 3, 2))
    assert len(g2) == 1 and np.array_equal(g2.boxes, g3.boxes)
    assert np.array_equal(g2.boxes, detector.detect(grey[:, :, None]).boxes)


@pytest.mark.parametrize("bad, words", [
    (np.zeros((10, 10, 2), np.uint8), "shape"),
    (np.zeros((10, 10, 5), np.uint8), "shape"),
    (np.zeros((2, 10, 10, 3), np.uint8), "shape"),
    (np.zeros((100,), np.uint8), "shape"),
    (np.zeros((0, 10, 3), np.uint8), "empty"),
    (np.zeros((10, 10, 3), np.float32), "uint8"),
    ([[1, 2], [3, 4]], "numpy"),
])
def test_bad_input_raises_value_error(detector, bad, words):
    with pytest.raises(ValueError, match=words):
        detector.detect(bad)


# ------------------------------------------------------------------ model contract


def _save(path: Path, inputs: dict[str, list], outputs: list[str]) -> None:
    (name, shape), = inputs.items()
    x = helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
    ys = [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape) for o in outputs]
    nodes = [helper.make_node("Identity", [name], [o]) for o in outputs]
    model = helper.make_model(helper.make_graph(nodes, "wrong", [x], ys),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def test_wrong_model_file_is_rejected(tmp_path, runtime):
    p = tmp_path / "mtcnn_rnet.onnx"
    _save(p, {"x": ["N", 3, 12, 12]}, ["y"])
    with pytest.raises(ModelMismatchError) as err:
        RNet(p, runtime)
    msg = str(err.value)
    print(msg)
    assert "expected {input: (?, 3, 24, 24)}" in msg and "actual {x: (?, 3, 12, 12)}" in msg

    _save(p, {"input": ["N", 3, 48, 48]}, ["reg", "prob"])  # an ONet-sized input under the RNet name
    with pytest.raises(ModelMismatchError, match=r"'input' expected shape \(\?, 3, 24, 24\), actual \(\?, 3, 48, 48\)"):
        RNet(p, runtime)


def test_from_dir_rejects_swapped_files(tmp_path, runtime):
    import shutil

    for net in ("pnet", "rnet", "onet"):
        shutil.copy(models_dir() / f"mtcnn_{net}.onnx", tmp_path / f"mtcnn_{net}.onnx")
    shutil.copy(models_dir() / "mtcnn_onet.onnx", tmp_path / "mtcnn_rnet.onnx")
    with pytest.raises(ModelMismatchError, match="mtcnn_rnet.onnx"):
        MTCNNDetector.from_dir(tmp_path, runtime)


# ------------------------------------------------------------------ real photos


def _iou(gt: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(gt[2], boxes[:, 2]) - np.maximum(gt[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(gt[3], boxes[:, 3]) - np.maximum(gt[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / ((gt[2] - gt[0]) * (gt[3] - gt[1]) + area - inter)


@pytest.mark.shared
def test_recall_on_dlib_voc_ground_truth(detector):
    csv_path = FACES / "detection_dlib_voc" / "boxes.csv"
    if not csv_path.is_file():
        pytest.skip(f"shared face data not found: {csv_path} (../shared/data/faces beside the repo)")
    import cv2

    truth: dict[str, list[np.ndarray]] = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            x, y, w, h = (float(row[k]) for k in "xywh")
            truth.setdefault(row["image"], []).append(np.array([x, y, x + w, y + h], np.float32))
    found = total = n_dets = 0
    for rel, gts in truth.items():
        bgr = cv2.imread(str(FACES / rel))
        assert bgr is not None, rel
        dets = detector.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        n_dets += len(dets)
        cx = (dets.boxes[:, 0] + dets.boxes[:, 2]) / 2
        cy = (dets.boxes[:, 1] + dets.boxes[:, 3]) / 2
        for gt in gts:
            # dlib boxes are larger and lower than MTCNN's: lenient IoU or centre inside (README)
            centre_in = (cx >= gt[0]) & (cx <= gt[2]) & (cy >= gt[1]) & (cy <= gt[3])
            found += bool(np.any((_iou(gt, dets.boxes) >= 0.3) | centre_in))
            total += 1
    recall = found / total
    print(f"detection_dlib_voc: recall {found}/{total} = {recall:.3f}, {n_dets} detections")
    assert total == 18
    assert recall >= 16 / 18  # measured 17/18 (one small profile face missed)
