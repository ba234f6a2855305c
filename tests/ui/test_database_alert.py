"""The database file deleted under the running window (issue 13 item 6): noticed, shown,
logged, and what the app still holds can be saved; at start-up the admin is asked before a
new, empty database replaces one that is gone."""

from __future__ import annotations

import argparse
import logging
import sqlite3
from datetime import datetime, timezone

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from faceapp.access.pin import hash_pin
from faceapp.shared.records import AttendanceEvent
from faceapp.ui import launch


def _delete_database_files(path) -> None:
    for f in path.parent.glob(path.name + "*"):
        f.unlink()


def test_a_deleted_database_is_shown_logged_and_can_be_saved(ctx, window_factory, qtbot, tmp_path, caplog,
                                                            monkeypatch):
    caplog.set_level(logging.ERROR, logger="faceapp")
    emb = np.random.default_rng(3).standard_normal((1, 128)).astype(np.float32)
    emp = ctx.repo.enrol("5", "Ana", "", datetime.now(timezone.utc), emb, [1.0], "m")
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w.db_alert.timer.setInterval(100)
    qtbot.wait(300)
    assert not w.db_alert.isVisible()
    _delete_database_files(ctx.db_path)
    ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime.now(timezone.utc), "in", "cam"))  # "recorded"
    qtbot.waitUntil(w.db_alert.isVisible, timeout=5000)
    assert "was deleted while faceapp is running" in w.db_alert.text.text() and str(ctx.db_path) in w.db_alert.text.text()
    assert "color: #b3261e" in w.db_label.styleSheet()
    assert any("DATABASE PROBLEM" in r.getMessage() for r in caplog.records)
    assert w.db_alert.default_copy_path() == ctx.db_path  # nothing is there: back in place

    rescued = tmp_path / "rescued.db"
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a: infos.append(text))
    with qtbot.waitSignal(w.db_alert.copy_saved, timeout=10000):
        w.db_alert.save_copy(rescued)
    assert "Quit faceapp now" in infos[-1]
    con = sqlite3.connect(rescued)
    assert con.execute("SELECT count(*) FROM attendance").fetchone()[0] == 1  # the event is not lost
    con.close()


def test_a_copy_saved_in_place_is_not_called_a_replaced_file(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """Saving the rescue copy back at the database's path makes it another file there; the bar
    said "was replaced by another file" about the admin's own copy."""
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w.db_alert.timer.setInterval(100)
    _delete_database_files(ctx.db_path)
    qtbot.waitUntil(w.db_alert.isVisible, timeout=5000)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    with qtbot.waitSignal(w.db_alert.copy_saved, timeout=10000):
        w.db_alert.save_copy(w.db_alert.default_copy_path())
    qtbot.waitUntil(lambda: w.db_alert.problem is not None and w.db_alert.problem.kind == "replaced", timeout=5000)
    text = w.db_alert.text.text()
    assert "was replaced" not in text and "A copy of the database was saved to" in text and str(ctx.db_path) in text


def test_the_kiosk_says_call_the_administrator(ctx, window_factory, qtbot, tmp_path):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), kiosk_pin_hash=hash_pin("2580"),
                       autostart=False)
    w.db_alert.timer.setInterval(100)
    assert w.enter_kiosk()
    _delete_database_files(ctx.db_path)
    qtbot.waitUntil(w.db_alert.isVisible, timeout=5000)
    assert "NOT being saved" in w.db_alert.text.text() and not w.db_alert.save_button.isVisible()
    w.kiosk = False
    QApplication.restoreOverrideCursor()


def _press_in_message_box(text: str, seen: dict) -> None:
    """Like a person: wait for the modal box, read it, press the button named `text`."""
    def look() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, look)
            return
        seen.update(text=box.text(), default=box.defaultButton().text())
        next(b for b in box.findChildren(QPushButton) if b.text() == text).click()

    QTimer.singleShot(0, look)


def _args(db):
    return argparse.Namespace(db=str(db), provider="cpu", models_dir=None, kiosk=False, new_db=False)


def test_start_up_asks_before_replacing_a_missing_database(tmp_path, qtbot, monkeypatch):
    from faceapp.app import build_context
    from faceapp.shared import logfile

    db = tmp_path / "site.db"
    build_context(db).close()
    _delete_database_files(db)
    seen: dict = {}
    _press_in_message_box("Quit", seen)
    assert launch.main_from_args(_args(db)) == 1
    assert "site.db that faceapp used before is missing" in seen["text"] and seen["default"] == "Quit"
    assert not db.exists(), "an empty database was created silently"

    opened = {}

    def fake_exec(self=None) -> int:
        w = next(x for x in QApplication.topLevelWidgets() if type(x).__name__ == "MainWindow" and x.isVisible())
        opened["db"] = str(w.ctx.db_path)
        w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    _press_in_message_box("Start with a new, empty database", seen)
    assert launch.main_from_args(_args(db)) == 0
    assert opened["db"] == str(db) and db.exists()
    logfile.remove_log_file()
