"""Gaps closed after the first site release (real PostgreSQL, session cluster): a write
refused because another PC moved the site on is pulled for and retried once; `faceapp sync`
wakes on the server's notification; reports fall back to the kiosk's own data offline."""

from __future__ import annotations

from .helpers import ADMIN_ENV, context, enrol_synthetic, joined_kiosk


def test_a_write_behind_the_site_pulls_once_and_retries(site, tmp_path, monkeypatch):
    a, _ = joined_kiosk(tmp_path, site, "a")
    b, _ = joined_kiosk(tmp_path, site, "b")
    first = enrol_synthetic(a, site, "E1")  # b has not pulled it: b is one revision behind
    second = enrol_synthetic(b, site, "E2", seed=1)  # refused as stale before, now pulled and retried
    ctx = context(b)
    try:
        assert sorted(e.number for e in ctx.repo.list_employees()) == ["E1", "E2"]
        monkeypatch.setenv(ADMIN_ENV, site)
        ctx.repo.update_employee(first.id, name="Renamed")  # b is current: no retry needed
    finally:
        ctx.close()
    assert second.id != first.id


SYNC_LOOP = """
import sys
from faceapp.cli import main
sys.exit(main(["--db", sys.argv[1], "sync", "--interval", "60"]))
"""


def _last_seen(admin_dsn: str, kiosk: str):  # noqa: ANN202
    from faceapp.storage.site_pg.server import SiteServer

    with SiteServer.connect(admin_dsn) as server:
        return {name: seen for name, seen, _ in server.kiosks()}[kiosk]


def test_the_sync_command_wakes_on_the_servers_notification(site, tmp_path):
    """An erasure reaches a kiosk synced by `faceapp sync` within a second or two, not at the
    next interval (60 s here)."""
    import os
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    from .helpers import seed_people

    k, _ = joined_kiosk(tmp_path, site, "k")
    seen = _last_seen(site, "k")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-c", SYNC_LOOP, str(k)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while _last_seen(site, "k") == seen:  # its first round is done
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.1)
        time.sleep(1.0)  # its listener is connected
        seed_people(site, 1, 1)
        deadline = time.monotonic() + 5
        rev = 0
        while time.monotonic() < deadline and not rev:
            with sqlite3.connect(k) as conn:
                rev = int(conn.execute("SELECT value FROM site_state WHERE key = 'last_rev'").fetchone()[0])
            time.sleep(0.1)
        assert rev > 0
    finally:
        proc.terminate()
        proc.wait(10)


def test_reports_fall_back_to_the_kiosks_own_records_while_the_server_is_away(pg, site, tmp_path, qtbot, capsys):
    """The Attendance log, the Reports tab and export-csv of a joined kiosk show its own
    events (with a note saying since when the server is away) instead of an error."""
    from faceapp.cli import main
    from faceapp.sync import SiteSync
    from faceapp.ui.log_page import LogPage
    from faceapp.ui.reports_page import ReportsPage

    from .helpers import book

    k, _ = joined_kiosk(tmp_path, site, "k")
    emp = enrol_synthetic(k, site, "E1")
    book(k, emp.id, 2)
    s = SiteSync(k)
    s.sync_once()
    s.close()
    ctx = context(k)
    pg.stop()
    try:
        log_page = LogPage(ctx)
        qtbot.addWidget(log_page)
        log_page.refresh()
        qtbot.waitUntil(lambda: "unreachable" in log_page.status.text(), timeout=15000)
        since = ctx.site_sync().status().offline_clock
        assert since and log_page.status.text().endswith(
            f"site server unreachable - showing this kiosk's records only (since {since})")
        assert log_page.table.rowCount() == 2
        reports = ReportsPage(ctx)
        qtbot.addWidget(reports)
        reports.refresh()
        qtbot.waitUntil(lambda: "unreachable" in reports.status.text(), timeout=15000)
        assert reports.tables
        capsys.readouterr()
        out = tmp_path / "site.csv"
        assert main(["--db", str(k), "export-csv", "--out", str(out)]) == 0
        err = capsys.readouterr().err
        assert f"warning: site server unreachable - showing this kiosk's records only (since {since})" in err
        assert len(out.read_text().splitlines()) == 3  # the header and the kiosk's two events
        from datetime import date

        today = date.today().isoformat()
        assert main(["--db", str(k), "report", "timecard", "--from", today, "--to", today]) == 0
        assert "warning: site server unreachable - showing this kiosk's records only" in capsys.readouterr().err
    finally:
        pg.start()
        ctx.close()


def test_a_kiosk_without_the_admin_login_still_purges_its_own_old_unknown_faces(site, tmp_path, monkeypatch):
    """Unknown faces' pictures stay on the kiosk that took them (never sent to the server), so
    their retention must run on every kiosk, not only where the admin login is."""
    from datetime import datetime, timedelta, timezone

    k, _ = joined_kiosk(tmp_path, site, "k")
    monkeypatch.delenv(ADMIN_ENV, raising=False)
    ctx = context(k)
    old = ctx.repo.add_unknown_sighting(datetime.now(timezone.utc) - timedelta(days=400), "cam", 0.5, b"\xff\xd8old")
    new = ctx.repo.add_unknown_sighting(datetime.now(timezone.utc), "cam", 0.5, b"\xff\xd8new")
    ctx.close()
    ctx = context(k)  # start-up retention (retention_unknown_days: 30)
    try:
        thumbs = dict(ctx.repo._conn.execute("SELECT id, thumbnail FROM unknown_sightings"))
    finally:
        ctx.close()
    assert thumbs[old] is None and thumbs[new] == b"\xff\xd8new"
