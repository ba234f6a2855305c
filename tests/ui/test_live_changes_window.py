"""Issue 18, major 2, through the real window (offscreen): the Hamilton clip looped plays as
the camera with the real pipeline; after Lin-Manuel Miranda's first booking a second
process runs `faceapp employees erase`. Within 2 s he is neither greeted nor booked any
more, and the employees page no longer shows him, without touching the window."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from faceapp.cli import main

pytestmark = pytest.mark.usefixtures("needs_models")

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 2.0


def _looped(src: Path, out: Path, loops: int) -> Path:
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    try:
        from test_live_erasure import looped_clip
    finally:
        sys.path.pop(0)
    return looped_clip(src, out, loops)


@pytest.mark.slow
def test_the_window_stops_greeting_and_booking_a_person_erased_by_another_process(
        ctx, window_factory, qtbot, enrol_photo, hamilton, tmp_path):
    ctx.save_settings(ctx.settings.replace(cooldown_s=0, timezone="UTC"))  # every pass is a booking
    assert main(["--provider", "cpu", "--db", str(ctx.db_path), "enroll", "--consent", "--name",
                 "Lin-Manuel Miranda", "--number", "1001", str(enrol_photo)]) == 0
    lin = ctx.repo.find_employee("1001").id
    clip = _looped(hamilton, tmp_path / "looped.mp4", 3)
    w = window_factory(ctx, camera_source=str(tmp_path / "not-yet.mp4"))
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120000)
    qtbot.waitUntil(lambda: w.employees_page.table.rowCount() == 1, timeout=10000)

    greeted: list[tuple[float, str]] = []
    w.announced.connect(lambda a: a.employee_id == lin and greeted.append((time.monotonic(), a.kind)))
    seen: dict[int, float] = {}
    reader = sqlite3.connect(ctx.db_path)

    def poll() -> None:
        for (row_id,) in reader.execute("SELECT id FROM attendance WHERE employee_id = ?", (lin,)):
            seen.setdefault(row_id, time.monotonic())

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(poll)
    timer.start()
    w.start_camera(str(clip))
    try:
        qtbot.waitUntil(lambda: bool(seen), timeout=120000)  # booked once, as "Welcome"
        table = w.employees_page.table

        def cells() -> list[str]:
            return [table.item(r, c).text() for r in range(table.rowCount()) for c in range(table.columnCount())
                    if table.item(r, c) is not None]

        assert any("Lin-Manuel Miranda" in t for t in cells())
        proc = subprocess.Popen([sys.executable, "-m", "faceapp", "--db", str(ctx.db_path), "employees", "erase",
                                 "1001"], env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=120000)  # the window keeps running meanwhile
        assert proc.returncode == 0, proc.stderr.read()
        erased_at = time.monotonic()
        # the employees page follows by itself (no tab change, no click)
        qtbot.waitUntil(lambda: not any("Lin" in t or t == "1001" for t in cells()),
                        timeout=int(DEADLINE_S * 1000) + 500)
        qtbot.waitUntil(lambda: w.live.state in ("ended", "failed"), timeout=240000)
        poll()
    finally:
        timer.stop()
        reader.close()
    late_rows = [t for t in seen.values() if t > erased_at + DEADLINE_S]
    late_greetings = [k for t, k in greeted if t > erased_at + DEADLINE_S]
    summary = (f"{sum(t <= erased_at for t in seen.values())} booking(s) before the erase, "
               f"{sum(erased_at < t <= erased_at + DEADLINE_S for t in seen.values())} within 2 s, "
               f"{len(late_rows)} later; {len(late_greetings)} greeting(s) of him later; "
               f"{w.live_page.video.frames_drawn} frames drawn")
    print(summary)
    assert w.live.state == "ended"
    assert late_rows == [] and late_greetings == [], summary
