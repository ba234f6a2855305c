"""The result banner says what is true now: "Not recognised" leaves once no face in view is
unknown, and nothing is greeted or refused on a page that says the camera is not available."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from faceapp.access.pin import hash_pin
from faceapp.recognition.views import Announcement, FrameResult, TrackView

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
