"""Every distance-unit value comes from the encoder's pack, not from dlib's constants."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.recognition.calibration import calibrated_gallery
from faceapp.recognition.duplicates import DuplicateGallery
from faceapp.recognition.gallery import Gallery
from faceapp.recognition.settings import ENCODERS, RecognitionSettings
from faceapp.recognition.tracker import FaceTracker, Observation
from faceapp.recognition.units import DLIB_UNITS, EncoderUnits, UnitsError
from faceapp.shared.paths import models_dir
from faceapp.vision.models import Manifest


def _units(enc: str) -> EncoderUnits:
    return EncoderUnits.from_pack(enc, Manifest(models_dir()).encoder_entry(enc, False).info["units"])


def test_dlib_units_in_code_are_the_shipped_pack():
    assert _units("dlib_resnet_v1") == DLIB_UNITS


def test_settings_choices_are_the_manifest_encoders():
    assert set(ENCODERS) == set(Manifest(models_dir()).encoder_keys())


def test_every_unit_value_says_how_it_was_obtained():
    for enc in ENCODERS:
        units = Manifest(models_dir()).encoder_entry(enc, False).info["units"]
        for name, value in units.items():
            assert value.get("how"), f"{enc}: units.{name} does not say how it was obtained"


def test_mobilefacenet_units_are_its_own():
    u = _units("mobilefacenet_v1")
    assert u.renormalise and not DLIB_UNITS.renormalise
    assert u.impostor_model.mu > 1.2 and u.impostor_model.mu != DLIB_UNITS.impostor_model.mu
    for name in ("match_threshold", "track_split_distance", "min_margin"):
        assert getattr(u, name) != getattr(DLIB_UNITS, name)
    lo, hi = u.threshold_range
    assert DLIB_UNITS.threshold_range[1] < hi


def test_incomplete_units_fail_loudly():
    with pytest.raises(UnitsError, match="mobilefacenet_v1"):
        EncoderUnits.from_pack("mobilefacenet_v1", {"match_threshold": {"value": 1.0}})


def test_distance_settings_follow_the_pack_unless_the_admin_set_them():
    u = _units("mobilefacenet_v1")
    s = u.settings(RecognitionSettings())
    assert (s.match_threshold, s.min_margin, s.track_split_distance) == \
        (u.match_threshold, u.min_margin, u.track_split_distance)
    mine = u.settings(RecognitionSettings(min_margin=0.1))
    assert mine.min_margin == 0.1 and mine.match_threshold == u.match_threshold


def _unit_gallery(people: int = 20, per: int = 3, dim: int = 192, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(people, dim))
    mat = np.repeat(centres, per, 0) + rng.normal(size=(people * per, dim)) * 0.3
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    return np.repeat(np.arange(people), per), mat.astype(np.float32)


def test_small_gallery_uses_the_encoders_shipped_impostor_model_and_clamp():
    ids, mat = _unit_gallery()
    u = _units("mobilefacenet_v1")
    gallery, point = calibrated_gallery(ids, mat, RecognitionSettings(), 4, u)
    assert point.tail == u.impostor_model  # too few pairs: the shipped model of THIS encoder
    assert u.threshold_range[0] <= point.threshold <= u.threshold_range[1]
    assert gallery.min_margin == u.min_margin
    _, dlib_point = calibrated_gallery(ids, mat, RecognitionSettings(), 4)
    assert dlib_point.threshold <= DLIB_UNITS.threshold_range[1] < point.threshold
    fixed = RecognitionSettings(threshold_mode="fixed")
    assert calibrated_gallery(ids, mat, fixed, 4, u)[1].threshold == u.match_threshold


def test_centroids_and_fused_tracks_of_unit_vectors_are_unit_vectors():
    ids, mat = _unit_gallery()
    gallery, _ = calibrated_gallery(ids, mat, RecognitionSettings(), 4, _units("mobilefacenet_v1"))
    tracker = FaceTracker.from_settings(RecognitionSettings(min_decision_frames=3), _units("mobilefacenet_v1"))
    assert tracker.renormalise and tracker.split_distance == _units("mobilefacenet_v1").track_split_distance
    seen = []

    def judge(probe, quality=float("nan")):
        seen.append(probe)
        return gallery.search(probe)[0]

    box = np.array([[10, 10, 60, 60]], np.float32)
    for frame in range(3):
        tracker.update(frame, box, [Observation(mat[frame], 1.0)], judge)
    assert seen and abs(float(np.linalg.norm(seen[0])) - 1.0) < 1e-5
    dup = DuplicateGallery.from_templates(ids, mat, _units("mobilefacenet_v1").impostor_model, 0.005, 0.05,
                                          renormalise=True)
    check = dup.check(mat[:3])
    assert check.employee_id == 0 and check.kind == "duplicate"


def test_empty_gallery_takes_any_encoders_descriptors():
    assert not Gallery.empty().search(np.ones(192, np.float32) / np.sqrt(192))[0].known
    assert Gallery.empty().search(np.zeros((0, 192), np.float32)) == []


_ROOT = models_dir().parent
_DISTANCES = ("impostor_model", "match_threshold", "min_margin", "track_split_distance", "threshold_range", "fusion")


def test_every_unit_value_names_the_command_that_measured_it():
    for enc in ENCODERS:
        units = Manifest(models_dir()).encoder_entry(enc, False).info["units"]
        for name in _DISTANCES:
            cmd = units[name].get("measured_by", "")
            assert cmd.startswith("PYTHONPATH=. python build/"), f"{enc}: units.{name} has no measured_by command"
            assert (_ROOT / cmd.split()[2]).is_file(), f"{enc}: units.{name}: {cmd} names no script"


def test_mobilefacenet_units_are_measured_not_scaled_from_dlib():
    import json

    units = Manifest(models_dir()).encoder_entry("mobilefacenet_v1", False).info["units"]
    measured = json.loads((_ROOT / "build" / "units" / "mobilefacenet_v1.json").read_text(encoding="utf-8"))
    for name in _DISTANCES:
        assert "build/fit_encoder_units.py --encoder mobilefacenet_v1" in units[name]["measured_by"]
        if "value" in units[name]:
            assert units[name]["value"] == measured[name]["value"], f"{name}: pack differs from the measurement"
    u = _units("mobilefacenet_v1")
    mu, sigma = u.impostor_model.mu, u.impostor_model.sigma
    d = DLIB_UNITS.impostor_model

    def scaled(t: float) -> float:  # dlib's value moved to the same place of this encoder's impostor tail
        return round(mu + sigma * (t - d.mu) / d.sigma, 3)

    for mine, dlib in ((u.match_threshold, DLIB_UNITS.match_threshold),
                       (u.track_split_distance, DLIB_UNITS.track_split_distance),
                       (u.threshold_range[0], DLIB_UNITS.threshold_range[0]),
                       (u.threshold_range[1], DLIB_UNITS.threshold_range[1])):
        assert round(mine, 3) != scaled(dlib)
    assert round(u.min_margin, 3) != round(DLIB_UNITS.min_margin * sigma / d.sigma, 3)
