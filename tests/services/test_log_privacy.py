"""Issue 18, major 7: the log file kept an erased person's name and number ("enrolled ...
(Q778899)"). The log names employees by their database id only (an erasure keeps the id,
anonymised), so nothing in it leads back to the person once they are erased."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import cv2
import pytest

from faceapp.app import build_context
from faceapp.services.enrolment import EnrolmentError, consent_now

NUMBER, NAME = "Q778899", "Quentin Quill"


def test_enrolment_recognition_and_erasure_log_ids_not_names_or_numbers(tmp_path, engine, astronaut, caplog):
    photo = tmp_path / "person.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    ctx = build_context(tmp_path / "log.db")
    ctx._engine = engine
    caplog.set_level(logging.DEBUG)
    try:
        svc = ctx.enrolment()
        faces = [c.face for c in svc.check_photos([photo]) if c.ok]
        emp = svc.enrol(NUMBER, NAME, "Front desk", faces, consent_at=consent_now(), actor="cli")
        with pytest.raises(EnrolmentError) as refused:  # the same face again: "already enrolled as ..."
            svc.enrol("Q000001", "Someone Else", "", faces, consent_at=consent_now(), actor="cli")
        assert NAME in str(refused.value)  # the admin is told who it is; the log is not
        rec = ctx.recognition("kiosk", settings=ctx.settings.replace(min_decision_frames=1, decision_window_frames=1))
        rec.process(astronaut, 0, datetime.now(timezone.utc))
        rec.finish(datetime.now(timezone.utc))
        assert ctx.repo.events(employee_ids=[emp.id]), "the person was not booked: the test saw no decision"
        ctx.employees().erase(emp.id, actor="cli")
    finally:
        ctx.close()
    text = caplog.text
    assert f"id {emp.id}" in text  # the log still tells what happened, by id
    for personal in (NUMBER, NAME, "Quentin", "Quill"):
        assert personal not in text, f"{personal!r} is in the log:\n{text}"

