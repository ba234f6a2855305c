"""numpy 5-point shape predictor against dlib's own output on the packaged photos."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from faceapp.shared.errors import ModelMismatchError
from faceapp.vision.landmarks import ShapePredictor5, dlib_rects, leaf_table
from faceapp.shared.paths import models_dir

NPZ = "dlib_shape_predictor_5.npz"


@pytest.fixture(scope="module")
def predictor() -> ShapePredictor5:
    return ShapePredictor5(models_dir() / NPZ)


def _box(rect: np.ndarray) -> np.ndarray:
    """dlib rectangle (inclusive right/bottom) -> our x1, y1, x2, y2 box."""
    return (rect + np.array([0, 0, 1, 1])).astype(np.float32)[None]


@pytest.mark.parametrize("photo", ["astronaut", "grace_hopper"])
def test_matches_dlib(predictor, ref, photo, request):
    image = request.getfixturevalue(photo)
    pts = predictor.predict(image, _box(ref[f"{photo}_rect"]))
    assert pts.shape == (1, 5, 2) and pts.dtype == np.float32
    diff = float(np.abs(pts[0] - ref[f"{photo}_shape5"]).max())
    print(f"{photo}: landmarks max abs diff vs dlib {diff} px")
    assert diff <= 0.01


def test_several_faces_at_once_equal_one_by_one(predictor, ref, astronaut):
    box = _box(ref["astronaut_rect"])[0]
    boxes = np.stack([box, box + 3, box * np.float32(0.9), np.array([-50, -50, 60, 60], np.float32)])
    together = predictor.predict(astronaut, boxes)
    alone = np.concatenate([predictor.predict(astronaut, b[None]) for b in boxes])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(together[0], ref["astronaut_shape5"])


def test_empty_boxes(predictor, astronaut):
    out = predictor.predict(astronaut, np.zeros((0, 4), np.float32))
    assert out.shape == (0, 5, 2) and out.dtype == np.float32


def test_box_to_dlib_rect_round_trip():
    rect = np.array([[175, 76, 265, 166]])
    np.testing.assert_array_equal(dlib_rects(rect + np.array([0, 0, 1, 1])), rect)
    np.testing.assert_array_equal(dlib_rects(np.array([[10.4, 10.6, 20.5, 30.49]])), [[10, 11, 20, 29]])


def test_wrong_arrays_fail_loudly(tmp_path):
    src = models_dir() / NPZ
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    bad = dict(arrays, initial_shape=np.zeros((68, 2), np.float32))
    np.savez(tmp_path / "shape68.npz", **bad)
    with pytest.raises(ModelMismatchError, match=r"initial_shape' expected shape \(5, 2\), actual \(68, 2\)"):
        ShapePredictor5(tmp_path / "shape68.npz")
    missing = {k: v for k, v in arrays.items() if k != "deltas"}
    np.savez(tmp_path / "missing.npz", **missing)
    with pytest.raises(ModelMismatchError, match="expected .*deltas.* actual"):
        ShapePredictor5(tmp_path / "missing.npz")
    shutil.copy(src, tmp_path / "ok.npz")
    ShapePredictor5(tmp_path / "ok.npz")


def test_leaf_table_walks_each_pattern_down_the_tree():
    # depth 2: node 0 splits to 1 (left) / 2 (right); leaves 0..3 are nodes 3..6.
    table = leaf_table(2)
    assert table.shape == (8,)
    # bit k set = split node k sends the pair left
    assert table[0b000] == 3  # right at 0, right at 2 -> node 6 -> leaf 3
    assert table[0b001] == 1  # left at 0, right at 1 -> node 4 -> leaf 1
    assert table[0b011] == 0  # left at 0, left at 1 -> node 3 -> leaf 0
    assert table[0b100] == 2  # right at 0, left at 2 -> node 5 -> leaf 2
    assert table[0b110] == 2  # node 1's bit is irrelevant on the right branch
    assert set(leaf_table(4)) == set(range(16))


def test_trees_deeper_than_four_refused(tmp_path):
    src = models_dir() / NPZ
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    L, T = arrays["split_thresh"].shape[:2]
    arrays["split_thresh"] = np.zeros((L, T, 31), np.float32)
    arrays["split_idx"] = np.zeros((L, T, 31, 2), np.int32)
    arrays["leaf_values"] = np.zeros((L, T, 32, 5, 2), np.float32)
    bad = tmp_path / NPZ
    np.savez(bad, **arrays)
    with pytest.raises(ModelMismatchError, match="depth <= 4"):
        ShapePredictor5(bad)
