"""Face chips against dlib.get_face_chip (150 px, padding 0.25) on the packaged photos."""

from __future__ import annotations


import numpy as np
import pytest

from faceapp.vision.align import TEMPLATE_5, chip_matrices, extract_chips, pyramid_down
from faceapp.vision.landmarks import ShapePredictor5
from faceapp.shared.paths import models_dir

PHOTOS = ("astronaut", "grace_hopper")


@pytest.mark.parametrize("photo", PHOTOS)
def test_chip_and_descriptor_match_dlib(ref, encoder, photo, request):
    image = request.getfixturevalue(photo)
    chip = extract_chips(image, ref[f"{photo}_shape5"][None])[0]
    diff = np.abs(chip.astype(np.int16) - ref[f"{photo}_chip"].astype(np.int16))
    dist = float(np.linalg.norm(encoder.embed(chip[None])[0] - ref[f"{photo}_descriptor"]))
    print(f"{photo}: chip max abs diff {diff.max()}, mean {diff.mean():.4f}; descriptor L2 vs dlib {dist:.2e}")
    assert diff.max() <= 2 and diff.mean() < 0.02
    assert dist < 0.005  # same-person threshold is 0.6


@pytest.mark.parametrize("photo", PHOTOS)
def test_full_pipeline_from_dlib_rect(ref, encoder, photo, request):
    """Our landmarks -> our chip -> ONNX descriptor, starting from dlib's detector box."""
    image = request.getfixturevalue(photo)
    sp = ShapePredictor5(models_dir() / "dlib_shape_predictor_5.npz")
    box = (ref[f"{photo}_rect"] + np.array([0, 0, 1, 1])).astype(np.float32)[None]
    emb = encoder.embed(extract_chips(image, sp.predict(image, box)))
    assert float(np.linalg.norm(emb[0] - ref[f"{photo}_descriptor"])) < 0.005


def test_pyramid_path_for_large_faces(ref, encoder, grace_hopper):
    """A 3x upscaled photo goes through dlib's image pyramid; the face must stay the same."""
    import cv2

    big = cv2.resize(grace_hopper, None, fx=3, fy=3, interpolation=cv2.INTER_LINEAR)
    chip = extract_chips(big, ref["grace_hopper_shape5"][None] * 3 + 1)
    dist = float(np.linalg.norm(encoder.embed(chip)[0] - ref["grace_hopper_descriptor"]))
    assert dist < 0.1


def test_pyramid_down_matches_direct_filter():
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (21, 26, 3), dtype=np.uint8)
    k = np.array([1, 4, 6, 4, 1])
    out = pyramid_down(img)
    assert out.shape == ((21 - 3) // 2, (26 - 3) // 2, 3)
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            win = img[2 * r:2 * r + 5, 2 * c:2 * c + 5].astype(np.int64)
            np.testing.assert_array_equal(out[r, c], (np.einsum("i,j,ijc->c", k, k, win)) // 256)


def test_matrices_map_landmarks_near_template(ref):
    shapes = np.stack([ref["astronaut_shape5"], ref["grace_hopper_shape5"]])
    m = chip_matrices(shapes)
    assert m.shape == (2, 2, 3)
    mapped = np.einsum("nij,nkj->nki", m[:, :, :2], shapes) + m[:, None, :, 2]
    target = (0.25 + TEMPLATE_5) / 1.5 * 150
    assert np.abs(mapped - target).max() < 4.0  # least-squares residual of a 5-point fit


def test_empty_input(astronaut):
    assert extract_chips(astronaut, np.zeros((0, 5, 2), np.float32)).shape == (0, 150, 150, 3)
    assert chip_matrices(np.zeros((0, 5, 2))).shape == (0, 2, 3)
