"""Issue 18, major 2, end to end: `faceapp identify` plays the Hamilton clip looped (real
models, Lin-Manuel Miranda enrolled from his still, no cooldown so every pass books him);
after his first booking a second process runs `faceapp employees erase`. Nothing may be
booked for him more than 2 s after the erase returned, although he keeps appearing.

Each attendance row is timed by when a reader first sees it in the database (polled every
0.1 s), the announcements by when identify printed them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import cv2
import pytest

from faceapp.app import build_context
from faceapp.cli import main

ROOT = Path(__file__).resolve().parents[2]
LOOPS = 2  # he is booked early in the first pass; the second shows him again after the erase
DEADLINE_S = 2.0


def looped_clip(src: Path, out: Path, loops: int) -> Path:
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for _ in range(loops):
        for f in frames:
            writer.write(f)
    writer.release()
    return out


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


@pytest.mark.shared
@pytest.mark.slow
def test_identify_on_a_looped_clip_stops_booking_a_person_erased_by_another_process(tmp_path, faces_dir, figure):
    clip = looped_clip(faces_dir / "video" / "short_hamilton_clip.mp4", tmp_path / "looped.mp4", LOOPS)
    db = tmp_path / "attendance.db"
    ctx = build_context(db)
    ctx.save_settings(ctx.settings.replace(cooldown_s=0, timezone="UTC"))  # every pass is a booking
    ctx.close()
    still = faces_dir / "face_recognition_examples" / "lin_manuel_miranda" / "lin-manuel-miranda.png"
    assert main(["--provider", "cpu", "--db", str(db), "enroll", "--consent", "--name", "Lin-Manuel Miranda",
                 "--number", "1001", str(still)]) == 0
    con = sqlite3.connect(db)
    lin = con.execute("SELECT id FROM employees WHERE number = '1001'").fetchone()[0]

    ident = subprocess.Popen([sys.executable, "-m", "faceapp", "--provider", "cpu", "--db", str(db), "identify",
                              str(clip), "--start", "2026-11-23T08:59:00+00:00"], env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: [lines.append((time.monotonic(), ln.rstrip())) for ln in ident.stdout],
                              daemon=True)
    reader.start()
    seen: dict[int, float] = {}  # attendance row id -> when it was first seen
    erased_at = None
    try:
        deadline = time.monotonic() + 600
        while ident.poll() is None and time.monotonic() < deadline:
            for (row_id,) in con.execute("SELECT id FROM attendance WHERE employee_id = ?", (lin,)):
                seen.setdefault(row_id, time.monotonic())
            if seen and erased_at is None:  # booked once: now erase him from another process
                done = subprocess.run([sys.executable, "-m", "faceapp", "--db", str(db), "employees", "erase",
                                       "1001"], env=_env(), capture_output=True, text=True, timeout=120)
                assert done.returncode == 0, done.stderr
                erased_at = time.monotonic()
            time.sleep(0.1)
        assert ident.wait(30) == 0, ident.stderr.read()
    finally:
        if ident.poll() is None:
            ident.kill()
        reader.join(5)
        con.close()
    assert erased_at is not None, "Lin was never booked before the erasure"
    before = [t for t in seen.values() if t <= erased_at]
    window = [t for t in seen.values() if erased_at < t <= erased_at + DEADLINE_S]
    late = [t for t in seen.values() if t > erased_at + DEADLINE_S]
    greeted_late = [ln for t, ln in lines if t > erased_at + DEADLINE_S and ("Welcome" in ln or "Goodbye" in ln)]
    unknown_late = [ln for t, ln in lines if t > erased_at + DEADLINE_S and "Not recognised" in ln]
    summary = (f"{len(before)} booking(s) before the erase, {len(window)} within {DEADLINE_S:.0f} s of it, "
               f"{len(late)} later; {len(unknown_late)} 'Not recognised' and {len(greeted_late)} greeting(s) "
               f"printed later, {LOOPS} passes of the clip")
    print(summary)
    figure("identify + erase in another process (Hamilton clip looped)", summary)
    assert late == [] and greeted_late == [], summary
    assert unknown_late, "the clip did not show him again after the erase: the test proved nothing"
