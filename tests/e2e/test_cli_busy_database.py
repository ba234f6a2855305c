"""`faceapp identify` on a video while another program holds the database for longer than
the busy timeout (5 s): no traceback, and every decided check-in is booked once the
database is free."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cv2
import pytest

from faceapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
HOLDER = textwrap.dedent("""
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    print("LOCKED", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("ROLLBACK")
""")


@pytest.fixture()
def site(tmp_path, astronaut):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    video = tmp_path / "visit.avi"
    frame = cv2.cvtColor(cv2.resize(astronaut, (320, 320)), cv2.COLOR_RGB2BGR)
    out = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 320))
    for _ in range(30):
        out.write(frame)
    out.release()
    db = tmp_path / "busy.db"
    assert main(["--provider", "cpu", "--db", str(db), "enroll", "--consent", "--name", "Eileen", "--number", "7",
                 str(photo)]) == 0
    # a still video cannot turn its head: no challenge, the booking comes at the third frame
    assert main(["--db", str(db), "settings", "set", "liveness_for_door", "false"]) == 0
    assert main(["--db", str(db), "settings", "set", "door_backend", "simulated"]) == 0  # access decisions need a door
    return db, video


def test_identify_survives_a_lock_longer_than_the_busy_timeout(site):
    db, video = site
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="1")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "20"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", "--db", str(db), "identify",
                              str(video), "--start", "2026-11-23T08:59:00+00:00"], env=env, capture_output=True,
                             text=True, timeout=180)
        took = time.monotonic() - t0
    finally:
        holder.wait(30)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "recorded as soon as the database is free" in res.stdout
    assert took > 18  # it really had to wait for the other program
    con = sqlite3.connect(db)
    rows = con.execute("SELECT kind, ts, source FROM attendance").fetchall()
    access = con.execute("SELECT granted, reason FROM access_log").fetchall()
    con.close()
    assert rows == [("in", "2026-11-23T08:59:00.200000+00:00", "cli:visit.avi")], rows
    assert access == [(0, "no access group")]  # the access-log row waited too


def test_events_a_database_never_takes_are_listed_not_silently_lost(site, tmp_path, monkeypatch, capsys, astronaut):
    from faceapp.cli import EXIT_CHECK, attendance

    db, _ = site
    photo = tmp_path / "astronaut.png"
    monkeypatch.setattr(attendance, "SAVE_TIMEOUT_S", 1.0)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # and never lets go while identify runs
    capsys.readouterr()
    try:
        code = main(["--provider", "cpu", "--db", str(db), "identify", str(photo),
                     "--start", "2026-11-23T09:00:00+00:00"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    out, err = capsys.readouterr()
    assert code == EXIT_CHECK
    assert "recorded as soon as the database is free" in out
    assert "NOT SAVED: attendance of employee 1 at 2026-11-23T09:00:00+00:00" in err
    assert "decided event(s) could not be saved" in err and "Traceback" not in err
