"""Employees page: search, edit, deactivate, delete (templates erased) through the real page."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
from PySide6.QtWidgets import QDialog, QMessageBox

from faceapp.ui import employees as employees_mod


def _enrol(ctx, number: str, name: str, dept: str) -> None:
    rng = np.random.default_rng(int(number))
    ctx.repo.enrol(number=number, name=name, department=dept, consent_at=datetime.now(timezone.utc),
                   embeddings=rng.normal(size=(2, 128)).astype(np.float32), qualities=[50.0, 50.0],
                   model_id="test-model", actor="test")


def test_search_edit_deactivate_delete(ctx, window_factory, qtbot, monkeypatch, tmp_path):
    _enrol(ctx, "7", "Ana Silva", "Front desk")
    _enrol(ctx, "8", "Bo Chen", "Kitchen")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    page = w.employees_page
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=5000)
    page.search.setText("kitchen")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and page.table.item(0, 1).text() == "Bo Chen", timeout=5000)

    page.table.selectRow(0)
    monkeypatch.setattr(employees_mod.EditDialog, "exec", lambda self: (self.name.setText("Bo Chen-Li"),
                                                                       QDialog.DialogCode.Accepted)[1])
    page.edit_selected()
    assert ctx.repo.find_employee("8").name == "Bo Chen-Li"
    qtbot.waitUntil(lambda: page.table.item(0, 1) is not None and page.table.item(0, 1).text() == "Bo Chen-Li",
                    timeout=5000)
    page.table.selectRow(0)
    page.toggle_active()
    assert not ctx.repo.find_employee("8").active
    qtbot.waitUntil(lambda: page.table.item(0, 3).text() == "inactive", timeout=5000)

    page.table.selectRow(0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.delete_selected()
    assert ctx.repo.find_employee("8") is not None  # refused at the confirmation
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.delete_selected()
    assert ctx.repo.find_employee("8") is None
    assert ctx.repo.template_model_ids() == {"test-model": 2}  # only Ana's templates remain
    page.search.setText("")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=5000)
