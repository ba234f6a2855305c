"""Door access service: decision -> rules -> access log -> door pulse, with a real database,
a simulated relay, and (last test) the real engine on a packaged photo."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timezone

import pytest

from faceapp.hardware.door import DoorController
from faceapp.hardware.relays import SimulatedRelay
from faceapp.settings import Settings
from faceapp.recognition.tracker import Decision
from faceapp.services.access import AccessService, build_door, purge_expired
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository

WEEKDAYS = {d: ["07:00-19:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
WED_NOON = datetime(2026, 11, 18, 11, 0, tzinfo=timezone.utc)  # 12:00 in Berlin
SAT_NOON = datetime(2026, 11, 21, 11, 0, tzinfo=timezone.utc)


def decision(employee_id: int | None, distance: float = 0.35) -> Decision:
    return Decision(1, employee_id, distance, 0.2, 3, (0, 0, 10, 10), 0)


@pytest.fixture
def setup(tmp_path):
    import numpy as np

    repo = Repository(open_db(tmp_path / "a.db", busy_timeout_ms=200))
    emb = np.random.default_rng(0).standard_normal((1, 128)).astype(np.float32)
    ada = repo.enrol("E001", "Ada", "R&D", WED_NOON, emb, [1.0], "m")
    office = repo.create_access_group("Office", WEEKDAYS)
    repo.set_employee_access_groups(ada.id, [office.id])
    relay = SimulatedRelay()
    door = DoorController(relay, 0.2)
    settings = Settings().replace(timezone="Europe/Berlin")
    yield repo, ada, relay, door, AccessService(repo, settings, door, source="front")
    door.close()
    repo.close()


def test_grant_pulses_the_door_and_every_attempt_is_logged(setup):
    repo, ada, relay, door, svc = setup
    assert svc.check(decision(ada.id), WED_NOON).granted
    assert door.wait_idle(3) and relay.pulses == 1
    assert svc.check(decision(ada.id), SAT_NOON).reason == "outside schedule"
    assert svc.check(decision(None, 0.8), WED_NOON).reason == "unknown"
    repo.set_active(ada.id, False)
    assert svc.check(decision(ada.id), WED_NOON).reason == "inactive"  # applies without a gallery reload
    assert relay.pulses == 1  # denials never pulse
    log = repo.access_log()  # newest (by time of the attempt) first
    assert [(a.employee_id, a.granted, a.reason) for a in reversed(log)] == [
        (ada.id, True, "granted"), (None, False, "unknown"), (ada.id, False, "inactive"),
        (ada.id, False, "outside schedule")]
    assert all(a.source == "front" for a in log) and log[2].score == pytest.approx(0.8)


def test_liveness_failure_denies_and_a_crashing_check_denies_too(setup):
    repo, ada, relay, door, svc = setup
    assert svc.check(decision(ada.id), WED_NOON, liveness_ok=False).reason == "liveness failed"
    svc.liveness = lambda d: (_ for _ in ()).throw(RuntimeError("model missing"))
    assert svc.check(decision(ada.id), WED_NOON).reason == "liveness failed"
    svc.liveness = lambda d: True
    assert svc.check(decision(ada.id), WED_NOON).granted
    assert [a.reason for a in repo.access_log()] == ["granted", "liveness failed", "liveness failed"]


def test_log_write_failure_does_not_stop_the_door(setup, caplog):
    repo, ada, relay, door, svc = setup
    blocker = sqlite3.connect(repo.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: reads work (WAL), writes time out
    try:
        with caplog.at_level(logging.ERROR):
            assert svc.check(decision(ada.id), WED_NOON).granted
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "could not write the access log" in caplog.text
    assert door.wait_idle(3) and relay.pulses == 1
    assert svc.writes.drain(10)  # kept in memory and written once the lock is gone: never lost
    assert [(a.granted, a.relay) for a in _settled(repo)] == [(True, "opened")]


def test_unreadable_database_denies(setup, caplog):
    repo, ada, relay, door, svc = setup
    repo.close()  # the database is gone (disk unplugged)
    with caplog.at_level(logging.ERROR):
        result = svc.check(decision(ada.id), WED_NOON)
    assert (result.granted, result.reason) == (False, "system error")
    assert "cannot read the person's access rights" in caplog.text and relay.pulses == 0


def test_build_door_and_purge_from_settings(setup, tmp_path):
    repo, *_ = setup
    assert build_door(Settings().door) is None
    assert build_door(Settings().replace(door_backend="serial", door_serial_port="/dev/ttyNOPE").door) is None
    door = build_door(Settings().replace(door_backend="simulated", door_pulse_s=1.5).door)
    try:
        assert isinstance(door.backend, SimulatedRelay) and door.pulse_s == 1.5
    finally:
        door.close()
    result = purge_expired(repo, Settings().retention, WED_NOON)
    assert (result.thumbnails, result.templates) == (0, 0)


def test_recognition_hook_end_to_end(tmp_path, astronaut, grace_hopper):
    from faceapp.app import build_context

    ctx = build_context(tmp_path / "r.db", provider="cpu")
    emp = ctx.enrolment().enrol("7", "Eileen Collins", "Flight", ctx.engine.analyze(astronaut),
                                consent_at=WED_NOON)
    group = ctx.repo.create_access_group("Always", {d: ["00:00-24:00"] for d in WEEKDAYS | {"sat": 0, "sun": 0}})
    ctx.repo.set_employee_access_groups(emp.id, [group.id])
    relay = SimulatedRelay()
    door = DoorController(relay, 0.2)
    access = AccessService(ctx.repo, ctx.settings, door, source="test")
    try:
        svc = ctx.recognition(source="test", on_decision=access.on_decision)
        for i in range(ctx.settings.recognition.min_decision_frames):
            svc.process(astronaut, i, WED_NOON)
        svc.finish(WED_NOON)
        stranger = ctx.recognition(source="test", on_decision=access.on_decision)
        for i in range(2 * ctx.settings.recognition.min_decision_frames):
            stranger.process(grace_hopper, i, WED_NOON)
        stranger.finish(WED_NOON)  # a stranger is unknown at the track's last look (here: its end)
        assert door.wait_idle(3) and relay.pulses == 1
        assert [(a.employee_id, a.reason) for a in reversed(ctx.repo.access_log())] == [
            (emp.id, "granted"), (None, "unknown")]
    finally:
        door.close()


def test_an_unusable_serial_relay_is_one_clear_log_line_not_a_traceback(caplog):
    settings = Settings().replace(door_backend="serial", door_serial_port="/dev/ttyNO-SUCH-RELAY")
    with caplog.at_level(logging.ERROR, logger="faceapp.services.access"):
        assert build_door(settings.door) is None
    [rec] = [r for r in caplog.records if r.name == "faceapp.services.access"]
    assert rec.exc_info is None and "/dev/ttyNO-SUCH-RELAY" in rec.getMessage()
    assert "running without door control" in rec.getMessage()


def _settled(repo, n: int = 1, timeout: float = 3.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        log = repo.access_log()
        if len(log) >= n and all(a.relay != "pending" for a in log):
            return log
        time.sleep(0.02)
    return repo.access_log()


def test_the_access_log_records_whether_the_relay_really_opened(setup):
    """'granted' is the rule's answer; whether the door opened is the relay's. A failed ON
    request used to be logged as a plain grant."""
    repo, ada, relay, door, svc = setup
    assert svc.check(decision(ada.id), WED_NOON).granted
    assert door.wait_idle(3)
    assert [(a.granted, a.relay) for a in _settled(repo)] == [(True, "opened")]
    relay.fail_next = 1  # the next command (the ON of the next grant) fails
    assert svc.check(decision(ada.id), WED_NOON).granted
    log = _settled(repo, 2)
    assert log[0].granted and log[0].relay.startswith("failed: ") and "simulated failure" in log[0].relay
    assert svc.check(decision(None, 0.8), WED_NOON).reason == "unknown"
    assert _settled(repo, 3)[0].relay == ""  # denied: the relay was not asked


def test_without_a_door_a_grant_says_so(tmp_path):
    import numpy as np

    repo = Repository(open_db(tmp_path / "n.db"))
    try:
        ada = repo.enrol("E001", "Ada", "", WED_NOON, np.ones((1, 128), np.float32), [1.0], "m")
        repo.set_employee_access_groups(ada.id, [repo.create_access_group("Always", WEEKDAYS).id])
        AccessService(repo, Settings().replace(timezone="Europe/Berlin"), None).check(decision(ada.id), WED_NOON)
        assert [(a.granted, a.relay) for a in repo.access_log()] == [(True, "no door")]
    finally:
        repo.close()


def test_a_group_closed_on_holidays_denies_on_a_date_of_the_timekeeping_holiday_list(setup):
    from datetime import date

    from faceapp.timekeeping.rules import Holiday

    repo, ada, relay, door, svc = setup
    office = repo.list_access_groups()[0]
    repo.add_holidays([Holiday(date(2026, 11, 18), "Day of Prayer")])  # WED_NOON's date in Berlin
    assert svc.check(decision(ada.id), WED_NOON).granted  # the group stays open on holidays by default
    repo.update_access_group(office.id, holidays_closed=True)
    d = svc.check(decision(ada.id), WED_NOON)
    assert (d.granted, d.reason) == (False, "closed for holiday")
    assert repo.access_log(reason="closed for holiday")[0].employee_id == ada.id
    assert door.wait_idle(3) and relay.pulses == 1  # only the first (open) check pulsed
