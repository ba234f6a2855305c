"""The result banner says what is true now: "Not recognised" leaves once no face in view is
unknown, and nothing is greeted or refused on a page that says the camera is not available."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from faceapp.access.pin import hash_pin
from faceapp.recognition.views import Announcement, FrameResult, TrackView
from faceapp.timekeeping.rules import Assignment

BOX = np.array([10, 10, 60, 60], np.float32)
UNKNOWN = Announcement(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc), None, "", "unknown",
                       "Not recognised - please see reception")


def _frame(*states: str) -> FrameResult:
    tracks = [TrackView(i, BOX, s, s) for i, s in enumerate(states)]
    return FrameResult(0, np.zeros((120, 160, 3), np.uint8), tracks, [], 10.0, 0, 1.0)


def test_not_recognised_goes_when_the_only_face_is_being_identified(ctx, window_factory, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w._on_announcement(UNKNOWN)
    w._on_frame(_frame("unknown"))  # the stranger is still there: the banner stays
    assert w.live_page.banner.text() == "Not recognised - please see reception"
    w._on_frame(_frame())  # a frame without faces (a blink of the detector): stays too
    assert w.live_page.banner.text() == "Not recognised - please see reception"
    w._on_frame(_frame("identifying"))  # the next person: not greeted with "Not recognised"
    assert w.live_page.banner.text() == ""


def test_kiosk_camera_not_available_comes_without_a_stale_banner(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "unplugged.mp4"), kiosk_pin_hash=hash_pin("2580"),
                       autostart=False)
    assert w.enter_kiosk()
    w._on_announcement(UNKNOWN)
    w.start_camera()
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=10000)
    assert "Camera not available" in w.live_page.empty_text.text()
    assert w.live_page.banner.text() == ""
    w.kiosk = False


def _late_check_in(ctx, announce: bool):
    """Ana checks in at 09:12 on a Monday of a 09:00 shift (UTC site), the setting on or off;
    as in the live view, the check-in is booked before it is announced."""
    from timekeeping_helpers import MONDAY, office_week, person, punch

    ctx.save_settings(type(ctx.settings).from_dict({**ctx.settings.to_dict(), "timezone": "UTC",
                                                    "announce_late": announce}))
    ana = person(ctx, "42", "Ana", "Ops")
    office_week(ctx, ana)
    punch(ctx, ana, MONDAY, 9, 12)
    ts = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 9, 12, 30, tzinfo=timezone.utc)
    return Announcement(ts, ana.id, "Ana", "in", "Welcome, Ana - checked in 09:12")


def test_late_banner_only_with_the_setting_on(ctx, window_factory, qtbot, tmp_path):
    from faceapp.ui import workers

    ann = _late_check_in(ctx, announce=True)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w._on_announcement(ann)
    qtbot.waitUntil(lambda: w.live_page.banner.text() == "Welcome, Ana - checked in 09:12 - late 12 min",
                    timeout=5000)

    ctx.save_settings(type(ctx.settings).from_dict({**ctx.settings.to_dict(), "announce_late": False}))
    w._on_announcement(ann)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=5000)
    assert w.live_page.banner.text() == "Welcome, Ana - checked in 09:12"


def test_no_late_text_when_on_time_or_checking_out(ctx, window_factory, qtbot, tmp_path):
    from dataclasses import replace

    from faceapp.ui import workers
    from timekeeping_helpers import MONDAY, person, punch

    ann = _late_check_in(ctx, announce=True)
    bo = person(ctx, "43", "Bo", "Ops")  # on the department's Office shift, on time
    ctx.timekeeping().assign(Assignment("Office", MONDAY, department="Ops"))
    punch(ctx, bo, MONDAY, 8, 58)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    on_time = replace(ann, employee_id=bo.id, name="Bo", ts=ann.ts.replace(hour=8, minute=58),
                      message="Welcome, Bo - checked in 08:58")
    w._on_announcement(on_time)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=5000)
    assert w.live_page.banner.text() == "Welcome, Bo - checked in 08:58"
    out = replace(ann, kind="out", message="Goodbye, Ana - checked out 09:12")
    w._on_announcement(out)
    qtbot.waitUntil(lambda: workers.pending() == 0, timeout=5000)
    assert w.live_page.banner.text() == "Goodbye, Ana - checked out 09:12"
