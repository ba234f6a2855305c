"""threshold(quality): the gallery's operating point moved by the encoder's quality table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from faceapp.recognition.calibration import ImpostorTail, OperatingPoint, fixed_point, operating_point
from faceapp.recognition.gallery import Match
from faceapp.recognition.quality_model import (COME_CLOSER, FILE_NAME, QualityBand, QualityModel,
                                               QualityModelError, load_quality_model, quality_rule)

CLEAN = ImpostorTail(mu=0.83, sigma=0.096, pairs=100_000, source="gallery")
# small faces: impostors closer (mu down), tail wider; mid: a little closer; large: clean
MODEL = QualityModel("enc", "face_px", (QualityBand(30, -0.08, 1.05), QualityBand(50, -0.02, 1.0),
                                        QualityBand(80, 0.0, 1.0)))


def _point(people: int = 1000, target: float = 1e-3, looks: int = 4) -> OperatingPoint:
    return operating_point(CLEAN, people, target, looks)


def test_band_lookup_and_minimum():
    assert MODEL.min_quality == 30
    assert MODEL.band(29.9) is None
    assert MODEL.band(30).lo == 30 and MODEL.band(79).lo == 50 and MODEL.band(500).lo == 80
    assert MODEL.band(math.nan).lo == 30  # unknown quality: the worst band that decides, never clean


def test_threshold_is_monotonic_never_looser_and_declines_below_the_minimum():
    point = _point()
    rule = quality_rule(MODEL, point)
    qs = np.linspace(30, 300, 200)
    ts = [rule.threshold(float(q)) for q in qs]
    assert all(a <= b + 1e-12 for a, b in zip(ts, ts[1:]))
    assert max(ts) == pytest.approx(point.threshold) and min(ts) < point.threshold - 0.05
    assert rule.threshold(29) is None
    # a table that would loosen (impostors farther for some band) does not loosen
    loose = QualityModel("enc", "face_px", (QualityBand(30, +0.2, 1.0), QualityBand(60, -0.05, 1.0)))
    r2 = quality_rule(loose, point)
    assert r2.threshold(40) <= r2.threshold(100) < point.threshold


def test_threshold_holds_the_target_on_a_synthetic_low_quality_tail():
    """Impostor pairs drawn from the low band's distribution: the per-look false accepts at
    threshold(quality) meet target / looks for a gallery of N people; the clean one does not."""
    people, target, looks = 200, 1e-2, 2
    point = _point(people, target, looks)
    rule = quality_rule(MODEL, point)
    band = MODEL.band(35)
    low = MODEL.tail(CLEAN, band)
    rng = np.random.default_rng(0)
    visits = 20_000
    nearest = np.min(rng.normal(low.mu, low.sigma, (visits, people)), axis=1)  # one stranger look each
    per_look = target / looks
    fpir_rule = float(np.mean(nearest <= rule.threshold(35)))
    fpir_clean = float(np.mean(nearest <= point.threshold))
    assert fpir_rule == pytest.approx(per_look, rel=0.35)
    assert fpir_clean > 3 * per_look


def test_apply_declines_or_tightens_but_never_grants():
    rule = quality_rule(MODEL, _point())
    t_small, t_big = rule.threshold(35), rule.threshold(100)
    between = (t_small + t_big) / 2
    known = Match(7, between, 0.2, 8, 7)
    assert rule.apply(known, 100) is known
    tightened = rule.apply(known, 35)
    assert tightened.employee_id is None and tightened.candidate_id == 7 and tightened.reason == ""
    declined = rule.apply(known, 20)
    assert declined.employee_id is None and declined.reason == COME_CLOSER
    unknown = Match(None, 0.1, 0.01, 8, 7)  # too close a call stays unknown at any quality
    assert rule.apply(unknown, 100).employee_id is None


def test_fixed_threshold_has_no_quality_rule():
    assert quality_rule(MODEL, fixed_point(0.5, 100, 4)) is None


def test_describe_mentions_the_rule():
    point = _point()
    text = point.__class__(**{**point.__dict__, "quality": quality_rule(MODEL, point)}).describe()
    assert "faces under 30 px: please come closer" in text and "need down to" in text


def test_table_round_trip_and_loading(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps({"version": 1, "encoders": {"enc": MODEL.to_json()}}))
    got = load_quality_model("enc@abc123", tmp_path)
    assert got.bands == MODEL.bands and got.measure == "face_px"
    assert load_quality_model("other@1", tmp_path) is None
    assert load_quality_model("enc@1", tmp_path / "missing") is None
    (tmp_path / FILE_NAME).write_text(json.dumps({"encoders": {"enc": {"measure": "face_px", "bands": []}}}))
    with pytest.raises(QualityModelError):
        load_quality_model("enc@1", tmp_path)



def test_shipped_table_covers_the_shipped_encoder():
    from faceapp.shared.paths import models_dir

    manifest = json.loads((models_dir() / "manifest.json").read_text())
    model_id = manifest["models"]["encoder"]["id"]
    model = load_quality_model(model_id)
    assert model is not None and model.min_quality >= 20
