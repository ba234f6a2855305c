"""Blocker: showing the database's folder in a file dialog silently lost every later write.

Qt's file dialog opened the files it listed to sniff their type; closing those descriptors
dropped the app's POSIX locks on faceapp.db-wal/-shm, and the next CLI process deleted the
write-ahead log under the running app. These tests use the real dialog of the attendance
log's Export button and a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QFileSystemModel

from faceapp.app import build_context

UI = Path(__file__).resolve().parents[2] / "faceapp" / "ui"


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "faceapp", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def open_db_files() -> list[str]:
    """What this process holds open of the database (Linux: /proc/self/fd)."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "life.db" in target:
            out.append(target)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd (Linux)")
def test_export_dialog_on_the_database_folder_keeps_the_app_s_writes(tmp_path, qtbot):
    import numpy as np

    from faceapp.ui.log_page import LogPage

    db = tmp_path / "data" / "life.db"
    ctx = build_context(db)
    emb = np.random.default_rng(1).standard_normal((1, 128)).astype(np.float32)
    ana = ctx.repo.enrol("1042", "Ana Silva", "", __import__("datetime").datetime.now().astimezone(), emb, [1.0], "m")
    assert any(p.endswith("life.db-wal") for p in open_db_files())

    page = LogPage(ctx)
    qtbot.addWidget(page)
    seen: dict = {}

    def drive_dialog() -> None:  # runs inside the dialog's exec()
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QFileDialog):
            QTimer.singleShot(50, drive_dialog)
            return
        model = dlg.findChild(QFileSystemModel)
        seen["dialog"] = dlg.objectName()
        model.directoryLoaded.connect(lambda path: seen.setdefault("loaded", []).append(path))
        dlg.setDirectory(str(db.parent))  # the user browses to the database's folder
        QTimer.singleShot(1500, dlg.reject)  # icons and types of every listed file are gathered meanwhile

    QTimer.singleShot(0, drive_dialog)
    page.ask_export()
    assert seen.get("dialog") == "faceappFileDialog" and str(db.parent) in seen.get("loaded", [])

    res = cli(db, "employees", "list")  # a second process opens and closes the database
    assert res.returncode == 0 and "Ana Silva" in res.stdout, res.stderr
    assert not [p for p in open_db_files() if p.endswith("(deleted)")], open_db_files()

    ctx.employees().delete(ana.id, actor="admin")  # written by the app after the dialog...
    res = cli(db, "employees", "list")
    assert "Ana Silva" not in res.stdout and "0 employee(s)" in res.stdout  # ...seen by other processes
    ctx.close()
    again = build_context(db)  # ...and still there after a restart
    assert again.employees().find("1042") is None
    again.close()


def test_no_file_dialog_is_made_outside_the_safe_helper():
    """Every dialog goes through ui/file_dialogs.py (name-only icons, Qt's own dialog)."""
    offenders = [p.name for p in UI.glob("*.py") if p.name != "file_dialogs.py" and "QFileDialog" in p.read_text()]
    assert offenders == []


def test_the_database_and_its_side_files_are_refused_as_inputs_and_outputs(tmp_path):
    db = tmp_path / "life.db"
    ctx = build_context(db)
    try:
        for p in (db, Path(str(db) + "-wal"), Path(str(db) + "-shm")):
            with pytest.raises(Exception, match="is the attendance database"):
                ctx.check_not_database(p, "an export file")
        ctx.check_not_database(tmp_path / "attendance.csv", "an export file")  # anything else is fine
        link = tmp_path / "alias.db"
        os.link(db, link)  # the same file under another name
        with pytest.raises(Exception, match="is the attendance database"):
            ctx.check_not_database(link, "a photo")
    finally:
        ctx.close()
    res = cli(db, "export-csv", "--out", str(db))
    assert res.returncode != 0 and "is the attendance database" in res.stderr
    assert "Traceback" not in res.stderr
    again = build_context(db)  # nothing was written over it
    again.close()
