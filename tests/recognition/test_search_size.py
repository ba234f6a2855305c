"""The smallest face the detector looks for follows the quality rule's floor (issue 19):
recognition/search_size.py, and the engine the app builds."""

from __future__ import annotations

import json

import pytest

from faceapp.app import build_context
from faceapp.recognition.search_size import REACH, decision_floor, detector_min_face
from faceapp.shared.paths import models_dir
from faceapp.vision.detector import FINDS_DOWN_TO, pyramid_start


def test_shipped_floor_gives_todays_pyramid_for_both_encoders():
    for encoder in ("dlib_resnet_v1", "mobilefacenet_v1"):
        assert decision_floor("calibrated", encoder) == 25.0
        assert detector_min_face(25.0, 40) == 40  # down to 20 px = 0.8 x the floor
    assert (REACH, FINDS_DOWN_TO) == (0.8, 0.5)


@pytest.mark.parametrize("floor, site, start", [
    (25.0, 80, 80),  # the site raises it: people stand close
    (25.0, 20, 40),  # not lowered below what the floor needs
    (30.0, 40, 48),  # a higher floor raises the start
    (20.0, 40, 40),  # a lower floor: the site's 40 still applies
    (20.0, 20, 32),
    (None, 20, 20),  # fixed threshold / no table: the site's value as it is
])
def test_detector_min_face(floor, site, start):
    assert detector_min_face(floor, site) == start


def test_fixed_threshold_and_unknown_encoder_have_no_floor():
    assert decision_floor("fixed", "dlib_resnet_v1") is None
    assert decision_floor("calibrated", "no_such_encoder") is None
    assert pyramid_start(20.0) == 40 and pyramid_start(REACH * 25.0) == 40 and pyramid_start(12.5) == 25


def test_engine_pyramid_follows_the_floor_of_the_models_folder(tmp_path):
    """A quality table whose floor is 30 px: the app's detector starts at 48 px (was the
    fixed vision.min_face_px 40)."""
    models = tmp_path / "models"
    models.mkdir()
    for f in models_dir().iterdir():
        if f.name != "quality_model.json":
            (models / f.name).symlink_to(f)
    table = json.loads((models_dir() / "quality_model.json").read_text(encoding="utf-8"))
    for entry in table["encoders"].values():
        entry["bands"][0]["lo"] = 30.0
    (models / "quality_model.json").write_text(json.dumps(table), encoding="utf-8")
    ctx = build_context(tmp_path / "a.db", provider="cpu", models_dir=models, allow_new_db=True)
    try:
        assert ctx.settings.vision.min_face_px == 40
        assert ctx.detector_min_face() == 48
        assert ctx.engine.detector.min_face_size == 48
    finally:
        ctx.close()
    ctx = build_context(tmp_path / "b.db", provider="cpu", allow_new_db=True)
    try:
        assert ctx.detector_min_face() == 40
    finally:
        ctx.close()
