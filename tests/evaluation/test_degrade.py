"""Probe degradation for eval-ident --degrade: each knob does what it says, bad specs are usage errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceapp.evaluation.degrade import Degrade, DegradeSpecError, apply, blur, jpeg, parse_level, parse_levels, rescale
from faceapp.shared.errors import InvalidValueError


def _photo(size: int = 200) -> np.ndarray:
    """A textured RGB test image (edges at every scale, so blur and JPEG show)."""
    rng = np.random.default_rng(3)
    img = (rng.random((size // 8, size // 8, 3)) * 255).astype(np.uint8)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_NEAREST)


def _sharpness(img: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_parse_levels_reads_each_knob_and_combinations():
    assert parse_level("none") == Degrade() and Degrade().clean
    assert parse_level("size=60") == Degrade(size=60)
    assert parse_level("size=60+blur=2+jpeg=50") == Degrade(60, 2.0, 50)
    assert [lv.name for lv in parse_levels("none,size=60,blur=2,jpeg=50,size=60+blur=2+jpeg=50,size=60")] == \
        ["none", "size=60", "blur=2", "jpeg=50", "size=60+blur=2+jpeg=50"]


@pytest.mark.parametrize("bad", ["size", "size=abc", "zoom=2", "size=2", "jpeg=0", "blur=50", "size=60+size=40"])
def test_bad_level_is_a_usage_error(bad):
    with pytest.raises(DegradeSpecError) as err:
        parse_level(bad)
    assert isinstance(err.value, InvalidValueError)  # the CLI turns it into exit code 2


def test_rescale_makes_the_face_the_asked_width():
    img = _photo(200)
    small = rescale(img, face_px=100, target_px=40)
    assert small.shape == (80, 80, 3)  # the whole image shrinks by 40/100
    assert rescale(img, 100, 100) is img


def test_blur_softens_and_jpeg_changes_pixels_but_not_shape():
    img = _photo()
    assert _sharpness(blur(img, 2.0)) < 0.5 * _sharpness(img)
    assert blur(img, 0) is img
    low = jpeg(img, 10)
    assert low.shape == img.shape and low.dtype == np.uint8
    assert np.abs(low.astype(int) - img).mean() > np.abs(jpeg(img, 95).astype(int) - img).mean() > 0


def test_apply_uses_the_known_face_width_and_leaves_clean_alone():
    img = _photo(200)
    assert apply(img, Degrade()) is img
    assert apply(img, Degrade(size=50), face_px=100).shape == (100, 100, 3)
    assert apply(img, Degrade(size=47)).shape == (100, 100, 3)  # LFW crop geometry: face ~94 px
