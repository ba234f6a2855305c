"""Enrolment gates and the duplicate check, with the real engine on packaged photos."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from faceapp.app import build_context
from faceapp.settings import Settings
from faceapp.vision.types import Face, Quality
from faceapp.services.enrolment import EnrolmentError, judge

GOOD = Quality(size_px=150, eye_distance_px=60, blur=200, brightness=120, yaw_deg=0, roll_deg=0)


def _face(**q) -> Face:
    z = np.zeros
    return Face(z(4, np.float32), 0.99, z((5, 2)), z((5, 2)), z((150, 150, 3), np.uint8),
                z(128, np.float32), replace(GOOD, **q))


@pytest.mark.parametrize("quality,advice", [
    ({"size_px": 50}, "move closer"),
    ({"brightness": 20}, "too dark"),
    ({"brightness": 250}, "too bright"),
    ({"blur": 5}, "hold still"),
    ({"yaw_deg": 40}, "turn slightly left"),
    ({"yaw_deg": -40}, "turn slightly right"),
    ({"roll_deg": 30}, "keep your head upright"),
])
def test_each_gate_gives_actionable_advice(quality, advice):
    check = judge([_face(**quality)], Settings().enrolment)
    assert not check.ok and any(advice in p for p in check.problems)


def test_good_sample_passes_and_crowds_or_empty_frames_do_not():
    s = Settings().enrolment
    assert judge([_face()], s).ok
    assert "no face found" in judge([], s).problems[0]
    assert "2 faces in view" in judge([_face(), _face()], s).problems[0]


@pytest.fixture()
def ctx(tmp_path):
    return build_context(tmp_path / "e.db", provider="cpu")


def test_enrol_refuses_duplicate_person_and_saves_nothing(ctx, astronaut):
    svc = ctx.enrolment()
    faces = ctx.engine.analyze(astronaut)
    emp = svc.enrol("7", "Eileen Collins", "Flight", faces, consent_at=datetime.now(timezone.utc))
    brighter = cv2.convertScaleAbs(astronaut, alpha=1.1, beta=5)
    again = svc.check_frame(brighter)
    assert again.ok, again.problems
    with pytest.raises(EnrolmentError, match="already enrolled as Eileen Collins"):
        svc.enrol("8", "E. Collins", "", [again.face], consent_at=datetime.now(timezone.utc))
    assert [e.id for e in ctx.repo.list_employees()] == [emp.id]
    assert ctx.repo.template_counts() == {emp.id: 1}


def test_enrol_needs_consent_and_samples(ctx, astronaut):
    svc = ctx.enrolment()
    faces = ctx.engine.analyze(astronaut)
    with pytest.raises(EnrolmentError, match="consent"):
        svc.enrol("7", "A", "", faces, consent_at=None)
    with pytest.raises(EnrolmentError, match="0 usable sample"):
        svc.enrol("7", "A", "", [], consent_at=datetime.now(timezone.utc))
    assert ctx.repo.list_employees() == []


def test_unreadable_photo_is_reported_per_file(ctx, tmp_path, astronaut):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xffnope")
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    checks = ctx.enrolment().check_photos([bad, good, tmp_path / "missing.jpg"])
    assert [c.ok for c in checks] == [False, True, False]
    assert "not a readable image" in checks[0].problems[0] and "no such file" in checks[2].problems[0]


def test_reenrol_replaces_templates_and_refuses_someone_else(ctx, astronaut, grace_hopper):
    svc = ctx.enrolment()
    now = datetime.now(timezone.utc)
    a = svc.enrol("7", "Eileen Collins", "", ctx.engine.analyze(astronaut), consent_at=now)
    g = svc.enrol("8", "Grace Hopper", "", ctx.engine.analyze(grace_hopper), consent_at=now)
    ctx.repo.add_templates(a.id, np.ones((2, 128), np.float32), [0.0, 0.0], "old_model@000000000000")
    assert ctx.repo.template_counts()[a.id] == 3
    brighter = cv2.convertScaleAbs(astronaut, alpha=1.1, beta=5)
    svc.reenrol(a.id, ctx.engine.analyze(brighter) + ctx.engine.analyze(astronaut))
    assert ctx.repo.template_counts()[a.id] == 2  # old samples, of every model, replaced
    assert ctx.repo.template_model_ids() == {ctx.engine.model_id: 3}
    with pytest.raises(EnrolmentError, match="look like Grace Hopper"):
        svc.reenrol(a.id, ctx.engine.analyze(grace_hopper))
    assert ctx.repo.template_counts() == {a.id: 2, g.id: 1}


def test_photos_get_photo_advice_and_the_camera_gets_camera_advice(ctx, tmp_path):
    wall = np.full((400, 400, 3), 128, np.uint8)
    cv2.imwrite(str(tmp_path / "wall.png"), wall)
    photo = ctx.enrolment().check_photos([tmp_path / "wall.png"])[0]
    assert photo.problems == ["no face found in the photo - use a photo where the face is clearly visible"]
    assert ctx.enrolment().check_frame(wall).problems == ["no face found - look at the camera"]
    s = Settings().enrolment
    for quality in ({"size_px": 50}, {"brightness": 20}, {"blur": 5}, {"yaw_deg": 40}, {"roll_deg": 30}):
        for problem in judge([_face(**quality)], s, photo=True).problems:
            assert " - use a " in problem and "move closer" not in problem and "hold still" not in problem
