"""Blocker: File > Enrol employee... did nothing (Qt's `checked` reached the employee
parameter) and stopped the camera. Driven through the real menu action and buttons."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from faceapp.ui.wizard import EnrolWizard


@pytest.fixture()
def grey_clip(tmp_path):
    path = tmp_path / "grey.avi"
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    for i in range(300):  # 30 s: the camera is still running when the checks are made
        w.write(np.full((120, 160, 3), 60 + i % 50, np.uint8))
    w.release()
    return path


def open_and_capture_wizard(trigger) -> dict:
    """Run `trigger` (which opens the modal wizard); record what was shown, then cancel."""
    seen: dict = {}

    def look() -> None:
        wiz = QApplication.activeModalWidget()
        if not isinstance(wiz, EnrolWizard):
            QTimer.singleShot(50, look)
            return
        seen.update(title=wiz.windowTitle(), page=wiz.currentPage(), details=wiz.details,
                    capture=wiz.capture, employee=wiz.employee)
        wiz.reject()

    QTimer.singleShot(0, look)
    trigger()
    return seen


def test_file_menu_enrol_opens_the_wizard_and_keeps_the_camera(ctx, window_factory, qtbot, grey_clip):
    w = window_factory(ctx, camera_source=str(grey_clip))
    qtbot.waitUntil(lambda: w.engine is not None and w.live.state == "running", timeout=120000)
    assert w.act_enrol.isEnabled()
    seen = open_and_capture_wizard(w.act_enrol.trigger)  # emits triggered(checked=False)
    assert seen, "File > Enrol employee opened no wizard"
    assert seen["employee"] is None and seen["page"] is seen["details"] and seen["title"] == "Enrol employee"
    assert w.live.state == "running" and not w.live.loop.paused  # camera kept, recognition back on

    button = next(b for b in w.employees_page.findChildren(QPushButton) if b.text() == "Enrol new…")
    seen = open_and_capture_wizard(button.click)
    assert seen and seen["employee"] is None and seen["page"] is seen["details"]

    emb = np.random.default_rng(0).standard_normal((1, 128)).astype(np.float32)
    emp = ctx.repo.enrol("7", "Kit", "", datetime.now(timezone.utc), emb, [1.0], w.engine.model_id)
    seen = open_and_capture_wizard(lambda: w.reenrol(emp))
    assert seen["employee"] == emp and seen["page"] is seen["capture"] and seen["title"] == "Re-enrol Kit"
    assert w.live.state == "running" and not w.live.loop.paused


def test_help_about_lists_every_shipped_model_with_licence_source_and_training_data(ctx, window_factory, qtbot):
    """The brief: About lists each model's licence and provenance; there was no About at all."""
    import json

    from faceapp.shared import paths

    w = window_factory(ctx, autostart=False)
    w.act_about.trigger()
    text = w.about_dialog.text.toPlainText()
    models = json.loads((paths.models_dir() / "manifest.json").read_text(encoding="utf-8"))["models"]
    assert len(models) >= 6
    for info in models.values():
        assert info["id"] in text and info["file"] in text and info["licence"][:40] in text
        assert (info["source"].get("package") or info["source"]["repository"]) in text  # git-hosted weights: the repository
    assert "not stated" not in text  # every model says what it was trained on
    assert "MS1M" in text and "WIDER FACE" in text
    w.about_dialog.reject()
