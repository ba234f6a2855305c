"""Two recognisers (two kiosks, or the desktop app and `faceapp identify`) deciding the
same person at the same moment book once: deciding in/out and inserting the row are one
write transaction, so the cooldown holds across processes."""

from __future__ import annotations

import multiprocessing
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.settings import Settings
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
from recognition_stubs import FRAME, MODEL, OneFaceEngine

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
PRESENTATIONS = 20
EMB = np.random.default_rng(7).standard_normal(128).astype(np.float32)


def present(db: str, barrier, source: str) -> None:  # noqa: ANN001 - runs in a forked process
    from faceapp.services.recognition import RecognitionService

    repo = Repository(open_db(db))
    settings = Settings().replace(min_decision_frames=1, timezone="UTC")
    svc = RecognitionService(OneFaceEngine(EMB), repo, settings, source=source)
    for i in range(PRESENTATIONS):
        ts = T0 + timedelta(minutes=2 * i)  # two minutes apart: every presentation is a new booking
        barrier.wait(timeout=30)  # both recognisers see the person at the same moment
        svc.process(FRAME, i, ts)
        svc.finish(ts)  # the person walks away: the next presentation is a new track
    repo.close()


@pytest.mark.skipif(sys.platform != "linux", reason="lock-step via fork")
def test_two_processes_deciding_the_same_person_book_once(tmp_path: Path) -> None:
    db = str(tmp_path / "race.db")
    repo = Repository(open_db(db))
    emp = repo.enrol("7", "Eileen", "", T0, EMB[None], [1.0], MODEL)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=present, args=(db, barrier, f"kiosk {k}")) for k in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    events = repo.events(employee_ids=[emp.id])
    repo.close()
    assert len(events) == PRESENTATIONS, f"{len(events)} rows for {PRESENTATIONS} presentations"
    assert [e.kind for e in events] == ["in"] + ["out"] * (PRESENTATIONS - 1)
    assert [e.ts for e in events] == [T0 + timedelta(minutes=2 * i) for i in range(PRESENTATIONS)]
