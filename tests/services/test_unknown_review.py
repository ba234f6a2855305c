"""Unknown faces end to end with the real models: the recognition service keeps a stranger's
best faces (when pictures of unknown faces are kept), the review groups them, and enrolling
or adding them goes through the enrolment quality gates and the same-person check."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from faceapp.app import build_context
from faceapp.recognition.unknown_groups import FACES_PER_SIGHTING
from faceapp.services.enrolment import EnrolmentError, UnlikePersonError, consent_now

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@pytest.fixture()
def ctx(tmp_path, engine):
    c = build_context(tmp_path / "u.db", provider="cpu")
    if engine.model_id == c.model_id:
        c._engine = engine  # the session's models: one load for every test
    yield c
    c.close()


def _visit(svc, image, frames: int, start: int = 0) -> list:
    anns = []
    for i in range(start, start + frames):
        anns += svc.process(image, i, T0)[1]
    return anns + svc.finish(T0)


def test_stranger_sighting_keeps_best_faces_only_when_the_setting_is_on(ctx, grace_hopper):
    _visit(ctx.recognition(source="door"), grace_hopper, 8)
    review = ctx.unknown_review()
    groups = review.groups()
    assert [g.count for g in groups] == [1] and groups[0].faces == FACES_PER_SIGHTING
    assert groups[0].thumbnail[:2] == b"\xff\xd8"  # a JPEG face crop
    assert groups[0].sources == ("door",)
    off = ctx.settings.replace(retention_keep_unknown_pictures=False)
    _visit(ctx.recognition(source="door", settings=off), grace_hopper, 8)
    assert review.counts() == {"with_face": 1, "without_face": 1}  # counted, but no picture


def test_a_group_enrols_through_the_gates_and_is_then_recognised(ctx, grace_hopper, astronaut):
    for _ in range(3):  # the same stranger, three visits: one row
        _visit(ctx.recognition(source="door"), grace_hopper, 8)
    _visit(ctx.recognition(source="door"), astronaut, 8)
    review = ctx.unknown_review()
    groups = review.groups()
    assert sorted(g.count for g in groups) == [1, 3]
    hopper = max(groups, key=lambda g: g.count)
    faces, refused = review.samples(hopper)
    assert faces and refused == 0  # a sharp, frontal photo passes every gate
    emp = ctx.enrolment().enrol("1", "Grace Hopper", "", faces, consent_at=consent_now(),
                                sightings=hopper.sighting_ids)
    assert [g.count for g in review.groups()] == [1]  # enrolled: gone from the review
    anns = _visit(ctx.recognition(source="door"), grace_hopper, 8)
    assert [a.employee_id for a in anns] == [emp.id]
    eileen = [g for g in review.groups()][0]
    with pytest.raises(UnlikePersonError):  # not her: the same-person check asks first
        review.add_to_employee(eileen, emp.id, ctx.enrolment())
    assert [g.count for g in review.groups()] == [1]
    review.dismiss(eileen)
    assert review.groups() == [] and ctx.repo.audit_log(1)[0].action == "unknown.dismiss"


def test_faces_failing_the_quality_gates_are_not_enrolled(ctx, grace_hopper):
    _visit(ctx.recognition(source="door"), grace_hopper, 8)
    strict = ctx.settings.replace(enrol_min_face_px=600)  # every kept face is "too small" now
    from faceapp.services.unknown_review import UnknownReviewService

    review = UnknownReviewService(ctx.repo, ctx.model_id, ctx.encoder_units(), strict.enrolment)
    faces, refused = review.samples(review.groups()[0])
    assert faces == [] and refused == FACES_PER_SIGHTING
    with pytest.raises(EnrolmentError):
        ctx.enrolment().enrol("2", "Nobody", "", faces, consent_at=consent_now())


def test_the_region_kept_around_a_face_gives_the_same_crop_as_the_whole_frame(engine, grace_hopper):
    """Only a few KB around each candidate face is held while a track is undecided, not the
    frame; the picture made from it must be the one the whole frame gives."""
    import cv2
    import numpy as np

    from faceapp.services.recognition import _face_region

    canvas = np.zeros((1501, 1333, 3), np.uint8)
    canvas[401:701, 333:589] = cv2.resize(grace_hopper, (256, 300))  # odd offsets
    face = engine.analyze(canvas)[0]
    moved, region = _face_region(canvas, face)
    assert region.size < canvas.size / 4
    whole, part = engine.make_crop(canvas, face).crop, engine.make_crop(region, moved).crop
    assert whole.data == part.data and np.allclose(whole.points, part.points)
