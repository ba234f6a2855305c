"""What the live page shows when the camera is missing, ends or dies: in kiosk mode a clear
full-screen state instead of a frozen last frame; in the window no stale boxes or fps."""

from __future__ import annotations

import logging

import pytest

from faceapp.access.pin import hash_pin

pytestmark = pytest.mark.usefixtures("needs_models")


def _kiosk(window_factory, ctx, source):
    w = window_factory(ctx, camera_source=str(source), kiosk_pin_hash=hash_pin("2580"))
    assert w.enter_kiosk()
    return w


def test_kiosk_says_camera_not_available_when_the_video_ends(ctx, window_factory, qtbot, short_clip, caplog):
    """Issue 13 item 10: in kiosk mode an ended or dead camera was invisible (last frame kept,
    status bar hidden)."""
    caplog.set_level(logging.WARNING, logger="faceapp")
    w = _kiosk(window_factory, ctx, short_clip)
    qtbot.waitUntil(lambda: w.live_page.video.frames_drawn > 0, timeout=120000)
    qtbot.waitUntil(lambda: w.live.state == "ended", timeout=30000)
    page = w.live_page
    qtbot.waitUntil(lambda: page.empty.isVisible(), timeout=5000)
    assert not page.video.isVisible() and not page.empty_button.isVisible()
    assert "Camera not available - please see reception" in page.empty_text.text()
    assert page.empty.geometry().height() > w.height() // 2  # the page, not a line
    assert any("camera not available" in r.getMessage().lower() for r in caplog.records)


def test_kiosk_without_camera_says_so_full_screen(ctx, window_factory, qtbot, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="faceapp")
    w = _kiosk(window_factory, ctx, tmp_path / "unplugged.mp4")
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=120000)
    assert w.live_page.empty.isVisible()
    assert "Camera not available - please see reception" in w.live_page.empty_text.text()
    assert any("camera not available" in r.getMessage().lower() for r in caplog.records)
    assert w.exit_kiosk("2580")  # back in the window: the admin's message with the choice of camera
    assert "unplugged.mp4" in w.live_page.empty_text.text() and w.live_page.empty_button.isVisible()


def test_window_clears_boxes_and_fps_when_the_video_ends(ctx, window_factory, qtbot, short_clip):
    """Issue 13 item 13: when the video ended the old boxes and fps stayed."""
    w = window_factory(ctx, camera_source=str(short_clip))
    qtbot.waitUntil(lambda: w.fps_label.text() != "", timeout=120000)
    qtbot.waitUntil(lambda: w.live.state == "ended", timeout=30000)
    qtbot.waitUntil(lambda: w.live_page.empty.isVisible(), timeout=5000)
    assert "ended" in w.live_page.empty_text.text() and w.live_page.empty_button.isVisible()
    assert w.fps_label.text() == ""


def test_a_missing_video_file_is_not_called_a_missing_camera(ctx, window_factory, qtbot, tmp_path):
    """Issue 13 item 13: "No camera found" was shown for a video file that does not exist."""
    w = window_factory(ctx, camera_source=str(tmp_path / "typo.mp4"))
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=120000)
    text = w.live_page.empty_text.text()
    assert "No camera found" not in text
    assert "video file" in text and "typo.mp4" in text and "does not exist" in text


def test_retrying_is_promised_only_when_a_retry_comes(ctx, window_factory, qtbot, tmp_path):
    """A database error while starting recognition is not retried: the kiosk must not say
    "Retrying automatically…" and the window must not call it "No camera found"."""
    from faceapp.storage.errors import DatabaseLockedError

    w = _kiosk(window_factory, ctx, tmp_path / "unplugged.mp4")
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=120000)
    assert not w.live.retrying() and "Retrying" not in w.live_page.empty_text.text()  # a file: no retry
    w.live.source = "7"  # a camera device
    w.live._open_failed(w.live._generation, DatabaseLockedError("the attendance database is busy"))
    assert not w.live.retrying() and "Retrying" not in w.live_page.empty_text.text()
    from faceapp.hardware.capture import CameraError

    w.live._open_failed(w.live._generation, CameraError("camera 7 not found"))
    assert w.live.retrying() and "Retrying automatically" in w.live_page.empty_text.text()
    w.live._retry.stop()
    w.live._open_failed(w.live._generation, DatabaseLockedError("the attendance database is busy"))
    assert w.exit_kiosk("2580")
    text = w.live_page.empty_text.text()
    assert "Recognition could not start" in text and "No camera found" not in text, text


def test_without_a_camera_the_status_bar_still_shows_the_operating_point(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "unplugged.mp4"))
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=120000)
    qtbot.waitUntil(lambda: "enrolled: threshold" in w.recognition_label.text(), timeout=10000)
    assert w.recognition_label.text().startswith("0 enrolled: threshold 0.")


def test_a_camera_that_stays_missing_is_logged_once_not_at_every_retry(ctx, window_factory, qtbot, caplog):
    caplog.set_level(logging.WARNING, logger="faceapp.ui.main_window")
    w = window_factory(ctx, camera_source="97")  # no such device
    w.live._retry.setInterval(50)
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=120000)
    attempts = []
    w.live.state_changed.connect(lambda state, _d: attempts.append(state))
    qtbot.waitUntil(lambda: attempts.count("no-camera") >= 3, timeout=20000)  # retried and failed again
    logged = [r for r in caplog.records if "camera not available" in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in logged]
