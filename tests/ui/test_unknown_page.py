"""Unknown faces page through the real window and models: strangers grouped (one row per
person), one enrolled with the wizard from their pictures and then recognised, another
refused by the same-person check and dismissed; every answer audited."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWizard

pytestmark = pytest.mark.usefixtures("needs_models")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def _visit(ctx, image, frames: int = 8) -> list:
    svc = ctx.recognition(source="door", follow_changes=False)
    anns = []
    for i in range(frames):
        anns += svc.process(image, i, T0)[1]
    return anns + svc.finish(T0)


def test_group_enrol_with_the_wizard_add_refused_dismiss(ctx, engine, window_factory, qtbot, grace_hopper,
                                                         astronaut, tmp_path, monkeypatch):
    if engine.model_id == ctx.model_id:
        ctx._engine = engine  # the session's models
    for _ in range(3):
        _visit(ctx, grace_hopper)
    _visit(ctx, astronaut)
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w.engine = ctx.engine  # loaded (no camera in this test)
    page = w.unknown_page
    w.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=10000)
    assert "2 people not recognised, seen 4 times" in page.summary.text()
    assert [page.table.item(r, 1).text() for r in range(2)] == ["3", "1"]
    assert not page.table.item(0, 0).icon().isNull()  # the best picture
    assert not page.enrol_button.isEnabled()  # nothing selected yet

    page.table.selectRow(0)
    seen: dict = {}

    def drive() -> None:  # the wizard the window opened (modal), driven like a person
        from PySide6.QtWidgets import QApplication

        wiz = QApplication.activeModalWidget()
        if isinstance(wiz, QMessageBox):  # not the wizard: note why, close it, fail below
            seen["box"] = wiz.text()
            wiz.close()
            return
        if not isinstance(wiz, QWizard):
            QTimer.singleShot(50, drive)
            return
        seen["samples"] = len(wiz.samples)
        wiz.details.number.setText("42")
        wiz.details.name.setText("Grace Hopper")
        wiz.next()
        qtbot.waitUntil(lambda: wiz.currentPage() is wiz.consent, timeout=5000)
        wiz.consent.check.setChecked(True)
        wiz.next()
        seen["complete"] = wiz.currentPage() is wiz.capture and wiz.capture.isComplete()  # pictures = samples
        wiz.next()
        seen["review"] = wiz.review.list.count()
        wiz.next()
        qtbot.waitUntil(lambda: wiz.save.checked, timeout=30000)
        wiz.button(QWizard.WizardButton.FinishButton).click()

    QTimer.singleShot(0, drive)
    with qtbot.waitSignal(page.enrol_requested, timeout=10000) as sig:
        page.enrol_selected()
    qtbot.waitUntil(lambda: ctx.repo.find_employee("42") is not None or "box" in seen, timeout=60000)
    assert "box" not in seen, seen.get("box")
    group, faces = sig.args
    assert group.count == 3 and 1 <= len(faces) <= 5
    assert seen["samples"] == seen["review"] == len(faces) and seen["complete"]
    emp = ctx.repo.find_employee("42")
    assert ctx.repo.audit_log(1)[0].details["unknown_sightings"] == 3
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=10000)
    assert [a.employee_id for a in _visit(ctx, grace_hopper)] == [emp.id]  # recognised now

    page.table.selectRow(0)  # Eileen Collins (the astronaut): not Grace Hopper
    asked: list = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    page.add_selected(employee_id=emp.id)
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "do not clearly look like Grace Hopper" in asked[0]
    assert ctx.repo.template_counts()[emp.id] == len(faces)  # nothing added
    page.dismiss_selected(confirm=False)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=10000)
    assert ctx.repo.audit_log(1)[0].action == "unknown.dismiss"
