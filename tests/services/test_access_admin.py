"""Door administration service: groups with the holidays flag, members set from the group,
the access log's filters, and the admin's door commands (simulated relay, real database)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from faceapp.access.rules import AccessAttempt, WeeklySchedule
from faceapp.app import build_context
from faceapp.services.access_admin import OPEN_NOW, TEST_RELAY, NoDoorError

WED_NOON = datetime(2026, 11, 18, 11, 0, tzinfo=timezone.utc)


@pytest.fixture()
def ctx(tmp_path):
    c = build_context(db_path=tmp_path / "t.db", provider="cpu")
    yield c
    c.close()


def _people(ctx, n=3):
    emb = np.random.default_rng(0).standard_normal((1, 128)).astype(np.float32)
    return [ctx.repo.enrol(f"E{i}", f"Person {i}", "", WED_NOON, emb, [1.0], "m") for i in range(n)]


def test_groups_members_and_the_holidays_flag_round_trip_and_are_audited(ctx):
    svc = ctx.access_admin()
    a, b, c = _people(ctx)
    g = svc.create_group("Office", WeeklySchedule.from_dict({"mon": ["08:00-12:00", "13:00-17:00"]}),
                         holidays_closed=True, actor="admin:t")
    assert svc.groups()[0].group.holidays_closed and svc.groups()[0].members == 0
    assert svc.set_members(g.id, [a.id, c.id], actor="admin:t") == [a.id, c.id]
    assert [e.id for e in svc.members(g.id)] == [a.id, c.id] and svc.groups()[0].members == 2
    svc.set_members(g.id, [c.id, b.id], actor="admin:t")
    audit = ctx.repo.audit_log(1)[0]
    assert (audit.action, audit.details["added"], audit.details["removed"]) == (
        "access_group.members", [b.id], [a.id])
    assert [x.name for x in svc.employee_groups(b.id)] == ["Office"]
    renamed = svc.update_group(g.id, name="Front office", holidays_closed=False, actor="admin:t")
    assert (renamed.name, renamed.holidays_closed, renamed.schedule.to_dict()["mon"]) == (
        "Front office", False, ["08:00-12:00", "13:00-17:00"])
    assert ctx.repo.audit_log(1)[0].details["old_name"] == "Office"
    assert svc.delete_group(g.id, actor="admin:t") == 2 and svc.groups() == []


def test_the_log_filters_by_granted_reason_person_and_dates(ctx):
    svc = ctx.access_admin()
    a, b = _people(ctx, 2)
    rows = [(a.id, True, "granted", 0), (a.id, False, "outside schedule", 1), (b.id, False, "no access group", 2),
            (None, False, "unknown", 3), (b.id, True, "granted", 30)]
    for emp, ok, reason, days in rows:
        ctx.repo.add_access_attempt(AccessAttempt(WED_NOON + timedelta(days=days), emp, ok, reason, 0.3, "cam"))
    assert len(svc.log()) == 5
    assert [r.reason for r in svc.log(granted=False)] == ["unknown", "no access group", "outside schedule"]
    assert [r.employee_id for r in svc.log(reason="granted")] == [b.id, a.id]
    assert [r.reason for r in svc.log(employee_id=b.id)] == ["granted", "no access group"]
    assert len(svc.log(WED_NOON, WED_NOON + timedelta(days=2))) == 2  # the end is exclusive
    assert svc.log(unknown_only=True)[0].reason == "unknown"


def test_open_now_and_test_relay_pulse_the_apps_door_and_are_audited_with_the_answer(ctx):
    with pytest.raises(NoDoorError, match="no door relay is configured"):
        ctx.access_admin().open_now("admin:t")
    assert ctx.repo.last_audit([OPEN_NOW, TEST_RELAY]) is None  # nothing happened, nothing audited
    ctx.save_settings(ctx.settings.replace(door_backend="simulated", door_pulse_s=0.5), actor="t")
    svc = ctx.access_admin()
    door = ctx.door()
    cmd = svc.open_now("admin:ana")
    assert (cmd.ok, cmd.text) == (True, "opened") and door.backend.pulses == 1
    assert door is ctx.door()  # the app's one door controller, not a second one
    test = svc.test_relay("admin:ana")
    assert test.ok and door.wait_idle(5)
    state = svc.relay_state()
    assert (state.backend, state.ready, state.errors) == ("simulated", True, 0)
    assert (state.last_command.action, state.last_command.actor, state.last_command.text) == (
        TEST_RELAY, "admin:ana", "opened")
    entry = ctx.repo.audit_log(2)
    assert [e.action for e in entry] == [TEST_RELAY, OPEN_NOW] and entry[1].details["ok"] is True


def test_the_door_is_built_once_when_two_threads_ask_for_it_at_the_same_time(ctx, monkeypatch):
    """The window's Test relay (a worker) and the camera pipeline may ask at once."""
    import threading
    import time

    from faceapp.services import access

    built = []

    def slow_build(_settings):
        time.sleep(0.2)  # opening a serial port or an HTTP relay takes a while
        built.append(object())
        return built[-1]

    monkeypatch.setattr(access, "build_door", slow_build)
    got = []
    threads = [threading.Thread(target=lambda: got.append(ctx.door())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and got[0] is got[1]
    ctx._door = None  # not a real controller: nothing to close
