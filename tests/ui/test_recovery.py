"""Kiosk robustness: no camera -> friendly state -> camera appears -> live view by itself;
a live stream that drops is reconnected and the view comes back."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.usefixtures("needs_models")


def _clip(path, frames: int = 15) -> None:
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15, (160, 120))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        out.write(rng.integers(0, 255, (120, 160, 3), np.uint8))
    out.release()


def test_camera_comes_back_by_itself(ctx, window_factory, qtbot, tmp_path):
    src = tmp_path / "cam.mp4"
    clip = tmp_path / "clip.mp4"
    _clip(clip)
    # a file:// URL is treated like a network camera: retried and reconnected, never "ended"
    w = window_factory(ctx, camera_source=f"file://{src}")
    w.live._retry.setInterval(200)
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120000)
    qtbot.waitUntil(lambda: w.live.state == "no-camera", timeout=10000)
    assert w.live_page.empty.isVisible()
    shutil.copy(clip, src)  # the camera is plugged in
    qtbot.waitUntil(lambda: w.live_page.video.frames_drawn > 0, timeout=20000)
    assert w.live_page.video.isVisible() and not w.live_page.empty.isVisible()
    # the stream ends (camera lost): the capture thread reconnects and frames flow again
    drawn = w.live_page.video.frames_drawn
    qtbot.waitUntil(lambda: w.live.capture is not None and w.live.capture.stats.reconnects >= 1, timeout=20000)
    qtbot.waitUntil(lambda: w.live_page.video.frames_drawn > drawn + 5, timeout=20000)
    assert w.live.state in ("running", "reconnecting")
