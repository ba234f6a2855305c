"""The red bar above the window when the database file was deleted or replaced under the app.

Every few seconds a worker asks AppContext.check_database() (storage.watch.DatabaseWatch)
whether the open database is still the file at its path, with its -wal; SQLite itself would
go on "recording" into a deleted file until the app closes. The bar says so, offers to save
what the app still holds to a new file, and stays until the file is back.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from . import file_dialogs
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)

CHECK_MS = 5000


class DatabaseAlert(QFrame):
    problem_changed = Signal(object)  # the DatabaseProblem, or None when all is well again
    copy_saved = Signal(str)  # path of the saved copy

    def __init__(self, ctx, parent: QWidget | None = None, interval_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.problem = None
        self.saved_to: str | None = None  # the rescue copy the admin saved, if any
        self.kiosk = False
        self.setObjectName("databaseAlert")
        self.setStyleSheet("#databaseAlert { background: #b3261e; border-radius: 6px; } "
                           "#databaseAlert QLabel { color: white; font-size: 15px; font-weight: bold; }")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save a copy…"), self)
        self.save_button.clicked.connect(self.ask_save_copy)
        lay = QHBoxLayout(self)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.save_button)
        self.hide()
        self._checking = False
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        """Ask on a worker: a stat of a file on a network drive can take its time."""
        if self._checking:
            return
        self._checking = True
        run_in_thread(self.ctx.check_database, self._checked, self._check_failed)

    def _check_failed(self, exc: BaseException) -> None:
        self._checking = False
        log.warning("database check failed: %s", exc)

    def _checked(self, problem) -> None:
        self._checking = False
        if (problem and problem.kind) != (self.problem and self.problem.kind):
            self.problem = problem
            self._show()
            self.problem_changed.emit(problem)

    def set_kiosk(self, kiosk: bool) -> None:
        self.kiosk = kiosk
        self._show()

    def message(self) -> str:
        p = self.problem
        if p is None:
            return ""
        if self.kiosk:
            return self.tr("Attendance is NOT being saved - please call the administrator.")
        if self.saved_to:  # a copy saved in place looks like "replaced" to the watch: it is the admin's own
            return self.tr("A copy of the database was saved to %1. Quit faceapp now and start it again with "
                           "that file.").replace("%1", self.saved_to)
        texts = {
            "deleted": self.tr("The database file %1 was deleted while faceapp is running. What is recorded now "
                               "is lost when faceapp closes: save a copy, then restart faceapp with it."),
            "replaced": self.tr("The database file %1 was replaced by another file while faceapp is running. "
                                "faceapp still writes to the old one, which is lost when it closes: save a copy, "
                                "then restart faceapp."),
            "wal-missing": self.tr("Part of the database (%1-wal) was deleted by another program while faceapp is "
                                   "running. Changes since are lost when faceapp closes: save a copy, then "
                                   "restart faceapp with it."),
            "wal-replaced": self.tr("Part of the database (%1-wal) was deleted and made again by another program "
                                    "while faceapp is running. Changes since are lost when faceapp closes: save a "
                                    "copy, then restart faceapp with it."),
        }
        return texts.get(p.kind, p.message).replace("%1", p.path)

    def _show(self) -> None:
        self.text.setText(self.message())
        self.save_button.setVisible(not self.kiosk)
        self.setVisible(self.problem is not None)

    def default_copy_path(self) -> Path:
        """Back in place when the file is gone; next to it when something else is there now."""
        path = Path(self.problem.path if self.problem else self.ctx.db_path)
        return path if not path.exists() else path.with_name(f"{path.stem}-rescued{path.suffix}")

    def ask_save_copy(self) -> None:
        path = file_dialogs.save_file(self, self.tr("Save a copy of the database"), self.default_copy_path(),
                                      self.tr("Databases (*.db)"))
        if path:
            self.save_copy(path)

    def save_copy(self, path: str | Path) -> None:
        self.save_button.setEnabled(False)
        run_in_thread(lambda: self.ctx.save_database_copy(path), self._saved, self._save_failed)

    def _saved(self, path) -> None:
        self.save_button.setEnabled(True)
        self.saved_to = str(path)
        self._show()
        self.copy_saved.emit(str(path))
        QMessageBox.information(self, self.tr("Database"), self.tr(
            "A copy of the open database was saved to %1.\n\nQuit faceapp now and start it again with this "
            "file (put it in place of %2, or start with --db).").replace("%1", str(path))
            .replace("%2", str(self.ctx.db_path)))

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        QMessageBox.warning(self, self.tr("Database"), error_text(exc))
