"""Employees page: the person's photo from their enrolment crop, and Rebuild templates...
with its progress bar, off the GUI thread and cancellable between people (real engine,
packaged photos, real SQLite file, real widgets offscreen)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import cv2
import numpy as np

from faceapp.ui.employees import EmployeesPage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
OTHER = "dlib_resnet_v1@gui-test"


class SecondEncoder:
    """The real encoder under another id (a stand-in for a second model pack); `gate`
    holds the first person until the test releases it."""

    def __init__(self, engine, gate: threading.Event | None = None) -> None:  # noqa: ANN001
        self.engine, self.model_id, self.gate, self.calls = engine, OTHER, gate, 0

    def embed_crops(self, crops):  # noqa: ANN001, ANN201
        self.calls += 1
        if self.gate is not None:
            assert self.gate.wait(20)
        return self.engine.embed_crops(crops)


def _people(ctx, astronaut, grace_hopper):  # noqa: ANN001, ANN202
    svc = ctx.enrolment()
    out = []
    for number, name, img in (("1", "Ann", astronaut), ("2", "Bea", grace_hopper)):
        faces = [svc.check_frame(img).face, svc.check_frame(cv2.convertScaleAbs(img, alpha=1.1, beta=5)).face]
        out.append(svc.enrol(number, name, "", faces, consent_at=NOW))
    dim = ctx.engine.encoder.dim
    ctx.repo.enrol("0", "Old Timer", "", NOW, np.random.default_rng(0).standard_normal((1, dim)), [1.0],
                   ctx.engine.model_id)
    return out


def _with_second_encoder(ctx, monkeypatch, encoder) -> None:  # noqa: ANN001
    monkeypatch.setattr(ctx, "encoder_ids", lambda: [ctx.engine.model_id, OTHER])
    monkeypatch.setattr(ctx, "crop_encoder", lambda model_id: encoder if model_id == OTHER else ctx.engine)


def test_the_photo_is_the_enrolment_crop(ctx, qtbot, astronaut, grace_hopper) -> None:
    _people(ctx, astronaut, grace_hopper)
    page = EmployeesPage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=5000)
    names = [page.table.item(r, 1).text() for r in range(3)]
    page.table.selectRow(names.index("Ann"))
    qtbot.waitUntil(lambda: page.photo.pixmap() is not None and not page.photo.pixmap().isNull(), timeout=5000)
    assert page.photo.pixmap().width() == 160
    page.table.selectRow(names.index("Old Timer"))
    qtbot.waitUntil(lambda: "No photo" in page.photo.text(), timeout=5000)


def test_rebuild_dialog_shows_progress_and_lists_people_without_crops(ctx, qtbot, monkeypatch, astronaut,
                                                                      grace_hopper) -> None:
    ann, bea = _people(ctx, astronaut, grace_hopper)
    _with_second_encoder(ctx, monkeypatch, SecondEncoder(ctx.engine))
    page = EmployeesPage(ctx)
    qtbot.addWidget(page)
    dlg = page.rebuild_templates()
    dlg.encoder.setCurrentText(OTHER)
    with qtbot.waitSignal(page.changed, timeout=30000):
        dlg.start_button.click()
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=30000)
    assert dlg.progress.value() == dlg.progress.maximum() == 2
    assert [dlg.missing.item(i).text() for i in range(dlg.missing.count())] == ["0  Old Timer"]
    assert "2 people rebuilt" in dlg.status.text() and dlg.start_button.isEnabled()
    assert set(ctx.repo.template_counts(OTHER)) == {ann.id, bea.id}
    dlg.close_or_cancel()
    assert not dlg.isVisible()


def test_rebuild_is_cancelled_between_people_off_the_gui_thread(ctx, qtbot, monkeypatch, astronaut,
                                                                grace_hopper) -> None:
    ann, bea = _people(ctx, astronaut, grace_hopper)
    gate = threading.Event()
    encoder = SecondEncoder(ctx.engine, gate)
    _with_second_encoder(ctx, monkeypatch, encoder)
    page = EmployeesPage(ctx)
    qtbot.addWidget(page)
    dlg = page.rebuild_templates()
    dlg.encoder.setCurrentText(OTHER)
    dlg.start_button.click()
    qtbot.waitUntil(lambda: encoder.calls == 1, timeout=10000)  # the first person is being embedded...
    assert dlg.running and dlg.close_button.text() == "Cancel"  # ...and the GUI thread is free
    dlg.close_button.click()  # Cancel
    assert dlg.isVisible() and "Cancelling" in dlg.status.text()
    gate.set()
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=30000)
    assert dlg.report.cancelled and dlg.report.rebuilt == 1 and encoder.calls == 1
    assert len(ctx.repo.template_counts(OTHER)) == 1  # the first person stays rebuilt
    assert "(cancelled)" in dlg.status.text() and dlg.close_button.text() == "Close"
