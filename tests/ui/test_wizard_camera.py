"""The wizard's "Capture from camera" when the live source gives no frames: it says so and
offers photos, instead of a black preview that waits for ever."""

from __future__ import annotations

import pytest

from faceapp.ui.wizard import EnrolWizard

pytestmark = pytest.mark.usefixtures("needs_models")


def test_capture_after_the_video_ended_says_not_available_and_offers_photos(ctx, window_factory, qtbot,
                                                                              short_clip):
    w = window_factory(ctx, camera_source=str(short_clip))
    qtbot.waitUntil(lambda: w.live.state == "ended", timeout=120000)
    wiz = EnrolWizard(ctx, ctx.enrolment(), w.live.tap, None, w)
    qtbot.addWidget(wiz)
    wiz.show()
    page = wiz.capture
    page.start_camera()
    qtbot.waitUntil(lambda: "not available" in page.advice.text(), timeout=3000)
    assert "photos" in page.advice.text() and page.photos_button.isEnabled()
    assert page._capture is None  # the camera reader was let go


def test_a_camera_that_gives_no_picture_is_said_so_while_waiting(ctx, qtbot, monkeypatch):
    """A camera being reconnected: the tap stays open, but the page does not stay silent."""
    from faceapp.hardware.capture import FrameTap
    from faceapp.ui import wizard as wizard_mod

    monkeypatch.setattr(wizard_mod, "NO_PICTURE_S", 0.2)
    tap = FrameTap("test")
    wiz = EnrolWizard(ctx, None, lambda: tap, None)
    qtbot.addWidget(wiz)
    wiz.capture.start_camera()
    qtbot.waitUntil(lambda: "No picture from the camera" in wiz.capture.advice.text(), timeout=3000)
    wiz.capture.stop_camera()
