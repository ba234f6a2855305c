"""Several kiosks on one real PostgreSQL server (started by the session fixture `pg`):
replication, the outbox, the least-privilege kiosk logins, and the faults the sync must
survive (server stopped mid-push, a kiosk killed mid-push, a pull cut by the network, the
server restored from an older pg_dump): nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import ADMIN_ENV, book, context, enrol_synthetic, joined_kiosk, seed_people, server_events

ROOT = Path(__file__).resolve().parents[2]


def _sync(db: Path, **kw):  # noqa: ANN202
    from faceapp.sync import SiteSync

    s = SiteSync(db)
    try:
        return s.sync_once(**kw), s.status()
    finally:
        s.close()


def test_enrolled_on_one_kiosk_recognised_and_booked_on_the_other(site, tmp_path, engine, astronaut, monkeypatch):
    from datetime import datetime, timezone

    from faceapp.services.enrolment import consent_now
    from PIL import Image

    photo = tmp_path / "astronaut.png"
    Image.fromarray(astronaut).save(photo)
    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    monkeypatch.setenv(ADMIN_ENV, site)
    ctx_a = context(a)
    ctx_a._engine = engine
    svc = ctx_a.enrolment()
    good = [c.face for c in svc.check_photos([photo]) if c.ok]
    emp = svc.enrol("E1", "Eileen Collins", "Crew", good, consent_at=consent_now(), actor="test")
    ctx_a.close()
    monkeypatch.delenv(ADMIN_ENV)

    pulled, _ = _sync(b)
    assert pulled.pulled >= 3  # employee, crop, template (and the site's settings)
    ctx_b = context(b)
    ctx_b._engine = engine
    settings = ctx_b.settings.replace(min_decision_frames=1, decision_window_frames=1)
    svc_b = ctx_b.recognition("cli:astronaut.png", settings=settings)
    ts = datetime.now(timezone.utc)
    _, anns = svc_b.process(astronaut, 0, ts)
    anns += svc_b.finish(ts)
    ctx_b.close()
    assert any("Eileen Collins" in a.message for a in anns), [a.message for a in anns]
    pushed, status = _sync(b)
    assert pushed.pushed >= 1 and status.queued == 0
    ctx_a = context(a)
    events = ctx_a.reports().query_events(__import__("faceapp.attendance.rules", fromlist=["x"]).AttendanceRules(),
                                          None, None)
    ctx_a.close()
    # on A, B's event has no id: B's local id names no row of A's database (no correction by it)
    assert [(e.employee_id, e.source.split("/")[0], e.id) for e in events] == [(emp.id, "b", None)]


def test_server_stopped_mid_push_queue_drains_without_duplicates(pg, site, tmp_path, monkeypatch):
    from faceapp.storage.site_pg.errors import SiteUnreachableError
    from faceapp.storage.site_pg.server import SiteServer

    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    book(k, emp.id, 50)
    real_push, calls = SiteServer.push, []

    def push_then_server_dies(self, kiosk, rows):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 3:
            pg.stop("immediate")  # the server goes away in the middle of the push
        return real_push(self, kiosk, rows)

    monkeypatch.setattr(SiteServer, "push", push_then_server_dies)
    try:
        with pytest.raises(SiteUnreachableError):
            _sync(k, push_batch=10)
        from faceapp.sync import SiteSync

        s = SiteSync(k)
        st = s.status()
        s.close()
        # 51 queued (the enrolment's audit row and 50 bookings), 2 batches of 10 pushed
        assert st.online is False and st.queued == 31 and "offline since" in st.line()
    finally:
        if not pg.running():
            pg.start()
    monkeypatch.setattr(SiteServer, "push", real_push)
    result, st = _sync(k, push_batch=10)
    assert st.queued == 0 and st.online and result.pushed == 31
    assert server_events(site) == [("k", i) for i in range(1, 51)]


KILLER = """
import os, signal, sys
from faceapp.storage import site_local
from faceapp.sync import SiteSync
def ack(self, up_to, pushed):
    os.kill(os.getpid(), signal.SIGKILL)  # after the server committed the batch, before the kiosk took it off
site_local.LocalReplica.ack = ack
SiteSync(sys.argv[1]).sync_once(push_batch=25)
"""


def test_kiosk_killed_mid_push_pushes_again_and_the_server_keeps_one_copy(site, tmp_path):
    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    book(k, emp.id, 40)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", KILLER, str(k)], env=env, timeout=60, capture_output=True)
    assert res.returncode == -signal.SIGKILL, res.stderr
    # the first batch (the enrolment's audit row and 24 bookings) reached the server; the
    # kiosk still queues it
    assert len(server_events(site)) == 24
    result, st = _sync(k)
    assert st.queued == 0 and result.pushed == 41
    assert server_events(site) == [("k", i) for i in range(1, 41)]


def test_erasure_on_one_kiosk_reaches_every_kiosk(site, tmp_path, monkeypatch):
    import psycopg

    a, _ = joined_kiosk(tmp_path, site, "a")
    b, dsn_b = joined_kiosk(tmp_path, site, "b")
    emp = enrol_synthetic(a, site, "E7")
    _sync(b)
    ctx = context(b)
    assert ctx.repo.template_counts() == {emp.id: 2}
    ctx.repo.audit("admin", "employee.note", {"employee_id": emp.id, "number": "E7"})  # queued on b
    ctx.close()
    monkeypatch.setenv(ADMIN_ENV, site)
    ctx = context(a)
    ctx.repo.erase_person(emp.id, actor="test")
    ctx.close()
    _sync(a)
    result, _ = _sync(b)  # also pushes b's audit row, queued before the erasure reached b
    ctx = context(b)
    try:
        assert ctx.repo.template_counts() == {}
        erased = ctx.repo.get_employee(emp.id)
        assert erased is None or erased.name != "Person E7"
        assert not [e for e in ctx.repo.audit_log() if "E7" in str(e.details)]  # b's own rows redacted too
    finally:
        ctx.close()
    from faceapp.storage.site_pg.server import SiteServer

    with SiteServer.connect(dsn_b) as server:  # a row pushed without pulling first arrives redacted too
        server.push("b", {"audit_log": [{"id": 999, "ts": "2026-01-01T00:00:00+00:00", "actor": "x",
                                         "action": "employee.note", "details": f'{{"employee_id": {emp.id}, '
                                                                               '"number": "E7"}'}]})
    with psycopg.connect(site) as conn:
        assert conn.execute("SELECT count(*) FROM faceapp.templates").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM faceapp.enrolment_crops").fetchone()[0] == 0
        details = [r[0] for r in conn.execute("SELECT details FROM faceapp.audit_log")]
        assert details and not any("E7" in d for d in details)  # redacted on the server too


def test_kiosk_login_cannot_read_another_kiosks_queue_or_write_master_data(site, tmp_path):
    import psycopg

    a, dsn_a = joined_kiosk(tmp_path, site, "a")
    b, dsn_b = joined_kiosk(tmp_path, site, "b")
    emp = enrol_synthetic(a, site, "E1")
    _sync(b)
    book(b, emp.id, 3)
    _sync(b)
    with psycopg.connect(dsn_a) as conn:
        assert conn.execute("SELECT count(*) FROM faceapp.attendance").fetchone()[0] == 0  # b's rows are not a's
        # ... but the central report (no face data) shows the whole site
        assert conn.execute("SELECT count(*) FROM faceapp.attendance_report").fetchone()[0] == 3
    refused = [
        "INSERT INTO faceapp.attendance (kiosk, local_id, ts, kind) VALUES ('b', 99, '2026-01-01', 'in')",
        "INSERT INTO faceapp.attendance (kiosk, local_id, ts, kind, received_at) VALUES ('a', 98, '2026-01-01', 'in', "
        "'2020-01-01')",
        "INSERT INTO faceapp.employees (id, number, name, created_at, updated_at, rev) VALUES (9, 'X', 'X', '', '', 0)",
        "UPDATE faceapp.employees SET name = 'Mallory'",
        "DELETE FROM faceapp.templates",
        "UPDATE faceapp.attendance SET kind = 'out'",
        "DELETE FROM faceapp.attendance",
        "SELECT * FROM faceapp.kiosks",
    ]
    for stmt in refused:
        with psycopg.connect(dsn_a) as conn:
            with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.CheckViolation)):
                conn.execute(stmt)


def test_offline_kiosk_books_and_queues_but_refuses_enrolment(pg, site, tmp_path, monkeypatch):
    from faceapp.storage.site_pg.errors import SiteUnreachableError

    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    _sync(k)
    pg.stop()
    try:
        book(k, emp.id, 2)  # decisions go on from the replica
        monkeypatch.setenv(ADMIN_ENV, site)
        with pytest.raises(SiteUnreachableError, match="need the site server.*nothing was changed"):
            enrol_synthetic(k, site, "E2", seed=1)
        ctx = context(k)
        assert [e.number for e in ctx.repo.list_employees()] == ["E1"]
        ctx.close()
        with pytest.raises(SiteUnreachableError):
            _sync(k)
    finally:
        pg.start()
    _, st = _sync(k)
    assert st.queued == 0 and len(server_events(site)) == 2


def test_pull_cut_by_the_network_leaves_the_replica_whole_then_completes(site, tmp_path, pg):
    from faceapp.storage.site_pg.errors import SiteError

    from .proxy import CuttingProxy

    seed_people(site, 30, 3)
    with CuttingProxy(pg.port, cut_after_bytes=40_000) as proxy:
        from faceapp.storage.site_pg.server import SiteServer

        with SiteServer.connect(site) as server:
            kiosk_dsn = server.add_kiosk("b")
        tcp = kiosk_dsn.replace(f"host={pg.dir}", "host=127.0.0.1").replace(f"port={pg.port}", f"port={proxy.port}")
        b = tmp_path / "b.db"
        from faceapp.storage.db import open_db
        from faceapp.storage.site_local import LocalReplica

        open_db(b).conn.close()
        r = LocalReplica(b)
        r.join(tcp, "b", "x")
        r.close()
        with pytest.raises(SiteError):
            _sync(b)
        assert proxy.cuts == 1
        ctx = context(b)
        assert ctx.repo.template_counts() == {} and ctx.repo.list_employees() == []  # nothing half-applied
        ctx.close()
        proxy.cut_after_bytes = None
        result, st = _sync(b)
    ctx = context(b)
    try:
        assert len(ctx.repo.list_employees()) == 30 and sum(ctx.repo.template_counts().values()) == 90
    finally:
        ctx.close()


def test_server_restored_from_an_older_dump_gets_the_lost_events_again(pg, site, tmp_path):
    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    book(k, emp.id, 5)
    _sync(k)
    dbname = site.split("dbname=")[1].split()[0]
    pg.dump(dbname, tmp_path / "site.dump")
    book(k, emp.id, 5)
    later = enrol_synthetic(k, site, "E2", seed=3)
    _sync(k)
    assert len(server_events(site)) == 10
    pg.restore(dbname, tmp_path / "site.dump")
    assert len(server_events(site)) == 5  # the server lost the last hour
    seed_people(site, 5, 1)  # and the admin went on (revisions the kiosk has seen are reused)
    result, st = _sync(k)
    assert result.requeued == 6 and st.queued == 0  # 5 bookings and the audit row of E2's enrolment
    assert server_events(site) == [("k", i) for i in range(1, 11)]
    ctx = context(k)
    try:  # the person enrolled after the backup is gone from the site, so from the replica too
        numbers = sorted(e.number for e in ctx.repo.list_employees())
        assert numbers == ["E1"] + [f"S{i}" for i in range(1000, 1005)] and later.number not in numbers
    finally:
        ctx.close()


def test_two_kiosks_within_the_cooldown_give_one_booking_in_the_site_report(site, tmp_path):
    from datetime import datetime, timedelta, timezone

    from faceapp.attendance.rules import AttendanceRules

    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    emp = enrol_synthetic(a, site, "E1")
    _sync(b)
    t = datetime.now(timezone.utc) - timedelta(hours=1)
    book(a, emp.id, 1, start=t)
    book(b, emp.id, 1, start=t + timedelta(seconds=5))  # the other entrance, seconds later
    _sync(a)
    _sync(b)
    ctx = context(a)
    try:
        events = ctx.reports().query_events(AttendanceRules.from_settings(ctx.settings.attendance), None, None)
    finally:
        ctx.close()
    assert [(e.employee_id, e.source) for e in events] == [(emp.id, "a/test")]


def test_site_wide_settings_travel_and_kiosk_settings_stay(site, tmp_path, monkeypatch):
    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    ctx = context(a)
    with pytest.raises(Exception, match="admin login"):  # a site-wide setting needs the server's admin
        ctx.save_settings(ctx.settings.replace(cooldown_s=300))
    ctx.save_settings(ctx.settings.replace(door_pulse_s=3.0))  # the kiosk's own door: no server needed
    monkeypatch.setenv(ADMIN_ENV, site)
    ctx.save_settings(ctx.settings.replace(cooldown_s=300))
    ctx.close()
    ctx = context(b)
    ctx.save_settings(ctx.settings.replace(door_pulse_s=5.0))
    ctx.close()
    _sync(b)
    ctx = context(b)
    try:
        assert ctx.settings.attendance.cooldown_s == 300 and ctx.settings.door.pulse_s == 5.0
    finally:
        ctx.close()


def test_door_from_stale_site_data_is_logged_then_refused_past_the_limit(site, tmp_path, caplog):
    from datetime import datetime, timedelta, timezone

    from faceapp.access.rules import GRANTED, STALE_DATA, AccessDecision
    from faceapp.storage.site_local import LocalReplica

    k, _ = joined_kiosk(tmp_path, site, "k")
    r = LocalReplica(k)
    r.set(last_pull_at=(datetime.now(timezone.utc) - timedelta(hours=2)).isoformat(timespec="seconds"))
    r.close()
    ctx = context(k)
    try:
        svc = ctx.access()
        assert svc._stale_check(AccessDecision(True, GRANTED), 1).granted  # default: keep granting ...
        assert "from site data 120 min old" in caplog.text  # ... and log it
        ctx.save_settings(ctx.settings.replace(door_stale_site_hours=1))  # the kiosk's own: no server needed
        svc = ctx.access()
        assert svc._stale_check(AccessDecision(True, GRANTED), 1) == AccessDecision(False, STALE_DATA)
    finally:
        ctx.close()


def test_sync_status_says_offline_since_when_the_server_is_down(pg, site, tmp_path):
    from faceapp.cli import main

    k, _ = joined_kiosk(tmp_path, site, "k")
    pg.stop()
    try:
        code = main(["--db", str(k), "sync", "status"])
    finally:
        pg.start()
    from faceapp.sync import SiteSync

    s = SiteSync(k)
    st = s.status()
    s.close()
    assert code == 1 and st.online is False and st.line().startswith("offline since ")


def test_clock_off_by_more_than_a_minute_is_warned_and_reported_to_the_server(site, tmp_path, monkeypatch, caplog):
    from datetime import datetime, timedelta, timezone

    import psycopg

    from faceapp.sync import engine

    k, _ = joined_kiosk(tmp_path, site, "k")
    monkeypatch.setattr(engine, "_now", lambda: datetime.now(timezone.utc) + timedelta(minutes=3))
    result, st = _sync(k)
    assert 170 < result.skew_s < 190 and "clock is +1" in caplog.text and st.skew_s == result.skew_s
    with psycopg.connect(site) as conn:
        assert 170 < conn.execute("SELECT clock_skew_s FROM faceapp.kiosks WHERE name = 'k'").fetchone()[0] < 190


def test_time_keeping_data_lives_on_the_server_and_reaches_other_kiosks(site, tmp_path, monkeypatch, capsys):
    from datetime import date

    from faceapp.cli import main

    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    assert main(["--db", str(a), "holiday", "add", "2026-12-25", "Christmas"]) == 1  # no admin login: refused
    monkeypatch.setenv(ADMIN_ENV, site)
    assert main(["--db", str(a), "timetable", "add", "Day", "--start", "09:00", "--end", "17:00"]) == 0
    assert main(["--db", str(a), "shift", "add", "Week", "--days", "Day*5,off*2"]) == 0
    assert main(["--db", str(a), "holiday", "add", "2026-12-25", "Christmas"]) == 0
    _sync(b)
    ctx = context(b)
    try:
        assert list(ctx.repo.timetables()) == ["Day"]
        shifts = ctx.repo.shifts()
        assert list(shifts) == ["Week"] and len(shifts["Week"].days) == 7
        assert [(d, h.name) for d, h in ctx.repo.holidays(date(2026, 1, 1), date(2026, 12, 31)).items()] == \
            [(date(2026, 12, 25), "Christmas")]
    finally:
        ctx.close()


def test_a_database_with_people_of_its_own_cannot_join(site, tmp_path):
    from faceapp.storage.errors import StorageError
    from faceapp.sync.engine import join

    from .helpers import add_kiosk

    own = tmp_path / "own.db"
    from datetime import datetime, timezone

    import numpy as np

    ctx = context(own)
    ctx.repo.enrol("L1", "Local", "", datetime.now(timezone.utc), np.ones((1, 128), "float32"), [0.9], "test-model")
    ctx.close()
    with pytest.raises(StorageError, match="employee\\(s\\) of its own"):
        join(own, add_kiosk(site, "k"), "k")


def test_time_keeping_reports_on_a_kiosk_count_the_whole_sites_punches(site, tmp_path, monkeypatch):
    from datetime import date, datetime, timezone

    from faceapp.cli import main

    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    emp = enrol_synthetic(a, site, "E1")
    monkeypatch.setenv(ADMIN_ENV, site)
    for argv in (["settings", "set", "timezone", "UTC"],
                 ["timetable", "add", "Day", "--start", "09:00", "--end", "17:00"],
                 ["shift", "add", "Week", "--days", "Day*5,off*2"],
                 ["shift", "assign", "Week", "--employee", "E1", "--from", "2026-11-01"]):
        assert main(["--db", str(a), *argv]) == 0
    _sync(b)
    day = date(2026, 11, 24)  # a Tuesday
    book(a, emp.id, 1, start=datetime(2026, 11, 24, 8, 58, tzinfo=timezone.utc))  # in at entrance a
    book(b, emp.id, 1, start=datetime(2026, 11, 24, 17, 3, tzinfo=timezone.utc))  # out at entrance b
    _sync(a)
    _sync(b)
    ctx = context(a)
    try:
        [res] = [r for r in ctx.timekeeping().period(day, day).results if r.employee_id == emp.id]
    finally:
        ctx.close()
    assert (res.check_in.strftime("%H:%M"), res.check_out.strftime("%H:%M")) == ("08:58", "17:03")


def test_a_master_change_wakes_the_background_sync_at_once(site, tmp_path):
    import time

    from faceapp.sync import SiteSync

    k, _ = joined_kiosk(tmp_path, site, "k")
    s = SiteSync(k)
    s.start(interval_s=60)  # the next round only in a minute: the server's notification must wake it
    try:
        time.sleep(1.5)  # the first round is done and the listener waits
        seed_people(site, 1, 1)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and s.status().last_rev == 0:
            time.sleep(0.1)
        assert s.status().last_rev > 0
    finally:
        s.close()


def test_every_kiosk_calibrates_the_same_threshold_from_the_sites_whole_gallery(site, tmp_path):
    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    for i in range(3):
        enrol_synthetic(a, site, f"A{i}", seed=i)  # enrolled at entrance a
    seed_people(site, 40, 2, dim=128)  # and by the admin
    _sync(a)
    _sync(b)
    points = []
    for db in (a, b):
        ctx = context(db)
        try:
            assert len(ctx.repo.load_templates("test-model")[0]) == 86
            points.append(ctx.operating_point("test-model"))
        finally:
            ctx.close()
    assert points[0] == points[1]


def test_retention_on_a_site_runs_where_the_admin_login_is(pg, site, tmp_path, monkeypatch):
    import psycopg

    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    with psycopg.connect(site) as conn:  # deactivated long ago (retention_inactive_days: 90)
        conn.execute("UPDATE faceapp.employees SET active = 0, deactivated_at = '2020-01-01T00:00:00.000000+00:00'")
    _sync(k)
    context(k).close()  # a kiosk without the admin login starts, and leaves the site's data alone
    with psycopg.connect(site) as conn:
        assert conn.execute("SELECT count(*) FROM faceapp.templates").fetchone()[0] == 2
    monkeypatch.setenv(ADMIN_ENV, site)
    pg.stop()
    try:
        context(k).close()  # the server away: it still starts (retention waits for the next start)
    finally:
        pg.start()
    context(k).close()
    with psycopg.connect(site) as conn:
        assert conn.execute("SELECT count(*) FROM faceapp.templates").fetchone()[0] == 0
    ctx = context(k)
    try:
        assert ctx.repo.template_counts() == {} and ctx.repo.get_employee(emp.id) is not None
    finally:
        ctx.close()
