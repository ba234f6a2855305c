"""Employees > Import...: the real dialog imports on a worker with a progress bar and a
result table; the window stays responsive and the employee list shows the new people."""

from __future__ import annotations

import cv2
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from faceapp.ui.import_dialog import ImportDialog


def make_csv(tmp_path, astronaut, grace_hopper):
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "g.png"), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    path = tmp_path / "people.csv"
    path.write_text("number,name,department,photo\n7,Eileen Collins,Flight,a.png\n8,Grace Hopper,Navy,g.png\n"
                    "9,Eileen Again,,a.png\n", encoding="utf-8")
    return path


def test_import_dialog_shows_progress_and_every_outcome(ctx, qtbot, tmp_path, astronaut, grace_hopper):
    dlg = ImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.path.setText(str(make_csv(tmp_path, astronaut, grace_hopper)))
    dlg.start()
    assert "consented" in dlg.status.text() and dlg.table.rowCount() == 0  # nothing without consent
    dlg.consent.setChecked(True)
    with qtbot.waitSignal(dlg.imported, timeout=120_000) as got:
        dlg.start()
        assert dlg.running and not dlg.start_button.isEnabled() and dlg.close_button.text() == "Cancel"
    assert got.args == [2]
    assert dlg.progress.value() == dlg.progress.maximum() == 3
    rows = [[dlg.table.item(r, c).text() for c in range(4)] for r in range(dlg.table.rowCount())]
    assert [r[:3] for r in rows] == [["7", "Eileen Collins", "imported"], ["8", "Grace Hopper", "imported"],
                                     ["9", "Eileen Again", "refused"]]
    assert "already enrolled as Eileen Collins" in rows[2][3]
    assert "2 imported, 1 refused of 3 people" in dlg.status.text() and dlg.close_button.text() == "Close"
    assert sorted(e.number for e in ctx.employees().list()) == ["7", "8"]


def test_bad_list_is_said_in_the_dialog(ctx, qtbot, tmp_path):
    dlg = ImportDialog(ctx)
    qtbot.addWidget(dlg)
    (tmp_path / "x.csv").write_text("a,b\n", encoding="utf-8")
    dlg.path.setText(str(tmp_path / "x.csv"))
    dlg.consent.setChecked(True)
    dlg.start()
    assert "the header must name the columns" in dlg.status.text() and not dlg.running


def test_employees_page_import_button_opens_the_dialog(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"))
    qtbot.waitUntil(lambda: w.engine is not None, timeout=120_000)
    seen = {}

    def look() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, ImportDialog):
            QTimer.singleShot(50, look)
            return
        seen["title"] = dlg.windowTitle()
        dlg.reject()

    QTimer.singleShot(0, look)
    next(b for b in w.employees_page.findChildren(QPushButton) if b.text() == "Import…").click()
    assert seen == {"title": "Import employees"}


def test_a_photo_that_is_the_database_is_refused_unread(ctx, qtbot, tmp_path, astronaut):
    """The dialog checked the list, not the photos in it: a row naming faceapp.db-wal as the
    photo was read, which drops SQLite's locks (issue 18)."""
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    path = tmp_path / "people.csv"
    path.write_text(f"number,name,department,photo\n7,Eileen Collins,,a.png\n8,Wal,,{ctx.db_path}-wal\n",
                    encoding="utf-8")
    dlg = ImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.path.setText(str(path))
    dlg.consent.setChecked(True)
    with qtbot.waitSignal(dlg.imported, timeout=120_000):
        dlg.start()
    rows = [[dlg.table.item(r, c).text() for c in range(4)] for r in range(dlg.table.rowCount())]
    assert [r[:3] for r in rows] == [["7", "Eileen Collins", "imported"], ["8", "Wal", "refused"]]
    assert "is the attendance database" in rows[1][3]
