"""Decided events survive a database locked for longer than its busy timeout and a full
disk: they wait in memory, in order, are retried with back-off and written by themselves
when the database is back; the recognition loop never dies of it."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.services.pending_writes import PendingWrites
from faceapp.settings import Settings
from faceapp.shared.records import AttendanceEvent
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
from recognition_stubs import EMPTY, FRAME, MODEL, OneFaceEngine

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
EMB = np.random.default_rng(3).standard_normal(128).astype(np.float32)


@pytest.fixture()
def site(tmp_path: Path):
    repo = Repository(open_db(tmp_path / "w.db", busy_timeout_ms=100))
    emp = repo.enrol("7", "Eileen", "", T0, EMB[None], [1.0], MODEL)
    yield repo, emp
    repo.close()


class Lock:
    """Another program holding the database's write lock (a real second connection)."""

    def __init__(self, path: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.con.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.con.execute("ROLLBACK")
        self.con.close()


def test_writes_during_a_long_lock_wait_in_order_and_are_saved_by_themselves(site):
    repo, emp = site
    writes = PendingWrites(first_delay_s=0.05, max_delay_s=0.2)
    states = []
    writes.add_listener(states.append)
    lock = Lock(repo.path)
    try:
        subs = [writes.submit(f"event {i}", lambda i=i: repo.add_attendance(
            AttendanceEvent(emp.id, T0 + timedelta(minutes=i), "in" if i % 2 == 0 else "out")))
            for i in range(3)]
        assert [s.written for s in subs] == [False, False, False]
        assert writes.state().waiting == 3 and "busy" in writes.state().last_error
        assert writes.waiting() == ["event 0", "event 1", "event 2"]
        time.sleep(0.5)  # several retries fail meanwhile
        assert writes.state().waiting == 3 and repo.events() == []
    finally:
        lock.release()
    assert writes.drain(10)
    assert [s.written for s in subs] == [True, True, True]
    assert [e.ts for e in repo.events()] == [T0 + timedelta(minutes=i) for i in range(3)]
    assert states[-1].waiting == 0 and max(s.waiting for s in states) == 3


def test_a_full_disk_is_waited_out_too(site):
    repo, emp = site
    conn = repo.db.conn
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
    writes = PendingWrites(first_delay_s=0.05, max_delay_s=0.2)
    big = "x" * 20000  # needs new pages
    sub = writes.submit("big event", lambda: repo.add_attendance(AttendanceEvent(emp.id, T0, "in", big)))
    assert not sub.written and "full" in writes.state().last_error
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert writes.drain(10) and [e.source for e in repo.events()] == [big]


def test_a_write_no_retry_can_fix_is_dropped_not_retried_forever(site, caplog):
    repo, emp = site
    writes = PendingWrites(first_delay_s=0.05)
    with caplog.at_level(logging.ERROR):
        sub = writes.submit("event of a deleted person",
                            lambda: repo.add_attendance(AttendanceEvent(emp.id + 99, T0, "in")))
    assert sub.dropped and not sub.written and writes.state().waiting == 0
    assert "dropped event of a deleted person" in caplog.text


def test_recognition_under_a_long_lock_queues_bookings_and_decides_them_when_written(site):
    repo, emp = site
    from faceapp.services.recognition import RecognitionService

    svc = RecognitionService(OneFaceEngine(EMB), repo, Settings().replace(min_decision_frames=1, timezone="UTC"))
    svc.writes = PendingWrites(first_delay_s=0.05, max_delay_s=0.2)
    lock = Lock(repo.path)
    try:
        kinds = []
        for i, ts in enumerate((T0, T0 + timedelta(minutes=5))):
            kinds += [a.kind for a in svc.process(FRAME, 2 * i, ts)[1]]
            svc.finish(ts)
        assert kinds == ["queued", "queued"]
        assert svc.writes.state().waiting == 2
    finally:
        lock.release()
    assert svc.writes.drain(10)
    assert [(e.kind, e.ts) for e in repo.events()] == [("in", T0), ("out", T0 + timedelta(minutes=5))]


class FrameSource:
    """A stand-in for CaptureThread: a fixed list of frames, then the end of the stream."""

    def __init__(self, frames: list) -> None:  # noqa: ANN001
        self.frames = list(frames)
        self.stats = type("Stats", (), {"dropped": 0})()
        self.is_file = True

    def get(self):  # noqa: ANN201
        time.sleep(0.01)
        if not self.frames:
            return None
        image = self.frames.pop(0)
        i = 40 - len(self.frames)
        return type("Frame", (), {"image": image, "index": i, "pos_ms": i * 1000.0})()

    def stop(self) -> None:
        self.frames = []


def test_the_live_loop_survives_a_lock_longer_than_the_busy_timeout(site):
    """Issue 13: a database locked for more than 5 s killed the recognition thread for good."""
    repo, emp = site
    from faceapp.services.recognition import LiveLoop, RecognitionService

    svc = RecognitionService(OneFaceEngine(EMB), repo, Settings().replace(min_decision_frames=1, timezone="UTC"))
    svc.writes = PendingWrites(first_delay_s=0.05, max_delay_s=0.2)
    frames = [FRAME] * 5 + [EMPTY] * 10 + [FRAME] * 5 + [EMPTY] * 10 + [FRAME] * 5 + [EMPTY] * 5  # 3 visits
    results = []
    lock = Lock(repo.path)
    released = threading.Timer(1.0, lock.release)
    released.start()
    loop = LiveLoop(svc, FrameSource(frames), results.append, start_time=T0).start()
    loop.join(30)
    released.join()
    assert loop.error is None and not loop.is_alive() and loop.frames == len(frames)
    assert svc.writes.drain(10)
    anns = [a.kind for r in results for a in r.announcements]
    assert anns.count("queued") >= 1 and len([a for a in anns if a != "repeat"]) == 3
    assert len(repo.events()) >= 1  # every booking was decided when it was written, none lost
    assert svc.writes.state().waiting == 0
