"""Screenshots under a real X server (Xvfb + the xcb platform), into artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("needs_models", "hamilton")
def test_screenshots_under_xvfb():
    if shutil.which("Xvfb") is None or shutil.which("xvfb-run") is None:
        pytest.skip("Xvfb not installed (apt-get install xvfb); screenshots need a real X server")
    out = ROOT / "artifacts" / "screenshots"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    probe = subprocess.run(["xvfb-run", "-a", sys.executable, "-c",
                            "from PySide6.QtWidgets import QApplication; QApplication([])"],
                           env=env, capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip("Qt's xcb platform does not start (Qt >= 6.5 needs libxcb-cursor0, libxcb-icccm4, "
                    "libxcb-keysyms1): " + probe.stderr.strip().splitlines()[0][:200])
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", sys.executable,
                           str(Path(__file__).with_name("screenshot_driver.py")), str(out)],
                          env=env, capture_output=True, text=True, timeout=400)
    print(proc.stdout[-2000:], proc.stderr[-3000:])
    assert proc.returncode == 0
    for name in ("main_window", "wizard_capture", "wizard_review", "attendance_log", "reenrol_samples",
                 "reenrol_review", "reenrol_save", "settings_en", "settings_advanced_en", "kiosk_no_camera",
                 "settings_zh_CN", "settings_advanced_zh_CN", "kiosk_no_camera_zh_CN",
                 *(f"{page}_{lang}" for lang in ("en", "zh_CN") for page in (
                     "schedules_timetables", "schedules_shifts", "schedules_assignments", "schedules_holidays",
                     "schedules_leave", "timetable_dialog", "shift_dialog", "reports_timecard", "reports_summary",
                     "log_corrections"))):
        png = out / f"{name}.png"
        assert png.is_file() and png.stat().st_size > 10_000, png
