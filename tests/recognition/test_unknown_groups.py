"""Grouping unknown sightings: one stranger seen many times is one group, in the encoder's units."""

from __future__ import annotations

import numpy as np
import pytest

from faceapp.recognition.units import DLIB_UNITS
from faceapp.recognition.unknown_groups import face_score, group_faces, grouping_threshold


def _people(rng, n_people: int, per: int, spread: float, dim: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Sightings of n_people (per each), interleaved in time like visits over a week."""
    centres = rng.normal(0, 1, (n_people, dim))
    centres *= 0.9 / np.linalg.norm(centres, axis=1, keepdims=True)  # strangers ~1.27 apart
    who = np.tile(np.arange(n_people), per)
    noise = rng.normal(0, 1, (len(who), dim))
    noise *= spread / np.linalg.norm(noise, axis=1, keepdims=True)
    return (centres[who] + noise).astype(np.float32), who


def test_one_stranger_seen_thirty_times_is_one_group_among_others():
    rng = np.random.default_rng(3)
    emb, who = _people(rng, 4, 30, spread=0.25)  # pairs of one person ~0.35 apart, centroid ~0.25
    scores = rng.uniform(0, 1, len(who))
    groups = group_faces(emb, scores, grouping_threshold(DLIB_UNITS))
    assert sorted(len(g.members) for g in groups) == [30, 30, 30, 30]
    for g in groups:
        assert len({int(who[i]) for i in g.members}) == 1  # never two people in one row
        assert g.best == max(g.members, key=lambda i: scores[i])  # the best face shown
        assert list(g.members) == sorted(g.members)  # oldest first


def test_threshold_comes_from_the_encoder_pack_not_a_constant():
    wide = DLIB_UNITS.__class__(**{**DLIB_UNITS.__dict__, "match_threshold": 1.2})
    assert grouping_threshold(DLIB_UNITS) == DLIB_UNITS.match_threshold
    assert grouping_threshold(wide) == 1.2
    emb = np.array([[0.0, 0.0], [1.0, 0.0]], np.float32)  # 1.0 apart: two people in dlib units
    assert len(group_faces(emb, np.zeros(2), grouping_threshold(DLIB_UNITS))) == 2
    assert len(group_faces(emb, np.zeros(2), grouping_threshold(wide))) == 1


def test_order_of_arrival_does_not_split_one_person():
    """The second sighting comes 0.6 from the first (a group of its own at 0.5); the later
    ones fill the gap, the first group's centre drifts to within 0.5: one person, one row."""
    xs = [0.0, 0.6, 0.2, 0.3, 0.35]
    emb = np.array([[x, 5.0] for x in xs], np.float32)  # far from the origin: centroid() rescales
    groups = group_faces(emb, np.array([0.1, 0.2, 0.9, 0.3, 0.4]), 0.5)
    assert [g.members for g in groups] == [(0, 1, 2, 3, 4)] and groups[0].best == 2


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        group_faces(np.zeros((2, 4)), np.zeros(3), 0.5)
    with pytest.raises(ValueError):
        group_faces(np.zeros((2, 4)), np.zeros(2), 0.0)
    assert group_faces(np.zeros((0, 4)), np.zeros(0), 0.5) == []


def test_face_score_prefers_large_frontal_sharp_faces():
    base = {"size_px": 120.0, "yaw_deg": 0.0, "blur": 200.0}
    assert face_score(base) > face_score({**base, "size_px": 60.0})
    assert face_score(base) > face_score({**base, "yaw_deg": 40.0})
    assert face_score(base) > face_score({**base, "blur": 5.0})
    assert face_score(None) == 0.0 and face_score({**base, "blur": float("nan")}) == 0.0
