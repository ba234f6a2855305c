"""The status bar's backup field ("Last backup 02:00, 7 kept") and the schedule that runs backups.

Once a minute it asks the backup service whether a backup is due and runs it on a worker
thread (the database stays in use meanwhile: SQLite's backup API reads a snapshot). A failure
turns the field red with the reason in its tooltip and is logged as an error by the service:
a site whose backups stopped must see it, not find out on the day it needs one.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from .workers import run_in_thread

log = logging.getLogger(__name__)

CHECK_MS = 60_000  # how often the schedule is looked at (the first look too: start-up stays quick)
FAILED_STYLE = "color: #b3261e; font-weight: bold;"


class BackupStatus(QLabel):
    finished = Signal(object)  # BackupOutcome or the exception, for tests

    def __init__(self, ctx, parent: QWidget | None = None, check_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.service = ctx.backups()
        self.running = False
        self.timer = QTimer(self, interval=check_ms)
        self.timer.timeout.connect(self.check_schedule)
        self.timer.start()
        self.refresh()

    def check_schedule(self) -> None:
        if self.running:
            return
        if self.service.due():
            self.back_up_now(scheduled=True)
        else:
            self.refresh()  # a copy made by `faceapp backup`, a changed folder

    def back_up_now(self, *_checked, scheduled: bool = False) -> None:
        if self.running:
            return
        self.running = True
        self.setStyleSheet("")
        self.setText(self.tr("Backing up…"))
        run_in_thread(lambda: self.service.run(scheduled=scheduled), self._done, self._failed)

    def _done(self, outcome) -> None:  # noqa: ANN001 - services.backups.BackupOutcome
        self.running = False
        self.refresh()
        self.finished.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if not self.service.error:  # not a BackupError: the service did not log it
            self.service.error = str(exc)
            log.error("BACKUP FAILED: %s", exc)
        self.refresh()
        self.finished.emit(exc)

    def refresh(self) -> None:
        st = self.service.status()
        if st.error:
            self.setStyleSheet(FAILED_STYLE)
            self.setText(self.tr("Backup failed - see the log"))
            self.setToolTip(st.error)
            return
        self.setStyleSheet("")
        self.setToolTip(self.tr("Backups in %1").replace("%1", str(st.folder)))
        if st.last is None:
            text = self.tr("No backup yet")
        else:
            when = st.last.strftime("%H:%M") if st.last.date() == self.service.clock().date() else \
                st.last.strftime("%Y-%m-%d %H:%M")
            text = self.tr("Last backup %1, %2 kept").replace("%1", when).replace("%2", str(st.kept))
        if not self.service.settings().enabled:
            text += " " + self.tr("(automatic backups off)")
        self.setText(text)
