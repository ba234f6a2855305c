"""Employees > Import...: enrol many people from a CSV list of photos, with a progress bar and
a result table (the same importer as `faceapp employees import`)."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from . import file_dialogs

log = logging.getLogger(__name__)


class _ImportBridge(QObject):
    """Carries the importer's callbacks from its thread to the GUI thread (queued signals)."""

    progress = Signal(int, int, object)  # done, total, ImportOutcome
    finished = Signal(object)  # ImportReport
    failed = Signal(str)


class ImportDialog(QDialog):
    """Choose the CSV, confirm consent, watch the import; the table lists every person."""

    imported = Signal(int)  # people imported (the gallery must reload)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:  # noqa: ANN001 - AppContext
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Import employees"))
        self.resize(820, 560)
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("CSV file with the columns number,name,department,photo"))
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        help_ = QLabel(self.tr("One row per photo; rows with the same number are one person's photos. "
                               "Relative photo paths are relative to the CSV file's folder."), self)
        help_.setWordWrap(True)
        self.consent = QCheckBox(self.tr("Every person in this file has consented to face enrolment"), self)
        self.allow_similar = QCheckBox(self.tr("Also save people who look similar to someone already enrolled "
                                               "(recorded in the audit log)"), self)
        self.progress = QProgressBar(self)
        self.progress.setValue(0)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("Number"), self.tr("Name"), self.tr("Result"),
                                              self.tr("Details")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton(self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close_or_cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(help_)
        lay.addWidget(self.consent)
        lay.addWidget(self.allow_similar)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.buttons)
        self._bridge = _ImportBridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.finished.connect(self._on_finished)
        self._bridge.failed.connect(self._on_failed)
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.report = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _browse(self) -> None:
        path = file_dialogs.open_file(self, self.tr("Employee list"), self.tr("CSV files (*.csv)"))
        if path:
            self.path.setText(path)

    def start(self) -> None:
        """Read the list here (a bad file is said at once), import on a named worker thread."""
        from ..services.bulk_import import BulkImporter, read_people_csv
        from ..services.enrolment import consent_now
        from ..shared.errors import FaceAppError

        if self.running:
            return
        if not self.consent.isChecked():
            self.status.setText(self.tr("Confirm that every person consented before importing."))
            return
        try:
            self.ctx.check_not_database(self.path.text().strip(), "an import list")
            people = read_people_csv(self.path.text().strip())
        except FaceAppError as exc:
            self.status.setText(str(exc))
            return
        self.table.setRowCount(0)
        self.progress.setRange(0, len(people))
        self.progress.setValue(0)
        self.status.setText(self.tr("Importing %1 people…").replace("%1", str(len(people))))
        self.start_button.setEnabled(False)
        self.close_button.setText(self.tr("Cancel"))
        self._cancel.clear()
        bridge, cancel, allow = self._bridge, self._cancel, self.allow_similar.isChecked()
        enrolment = self.ctx.enrolment()

        def work() -> None:
            try:
                report = BulkImporter(enrolment).run(people, consent_now(), actor="admin:import",
                                                     allow_similar=allow, cancel=cancel,
                                                     progress=lambda d, t, o: bridge.progress.emit(d, t, o))
            except Exception as exc:  # noqa: BLE001 - shown in the dialog, never lost
                log.exception("import failed")
                bridge.failed.emit(str(exc))
                return
            bridge.finished.emit(report)

        self._thread = threading.Thread(target=work, name="faceapp-import", daemon=True)
        self._thread.start()

    def _on_progress(self, done: int, total: int, outcome) -> None:  # noqa: ANN001
        self.progress.setValue(done)
        r = self.table.rowCount()
        self.table.insertRow(r)
        result = self.tr("imported") if outcome.imported else self.tr("refused")
        for c, text in enumerate([outcome.number, outcome.name, result, outcome.reason]):
            item = QTableWidgetItem(text)
            if c == 2:
                item.setForeground(QColor("#1b7f3a" if outcome.imported else "#b3261e"))
            self.table.setItem(r, c, item)
        self.table.scrollToBottom()

    def _on_finished(self, report) -> None:  # noqa: ANN001
        self.report = report
        self._done(report.summary())
        if report.imported:
            self.imported.emit(report.imported)

    def _on_failed(self, message: str) -> None:
        self._done(self.tr("The import stopped: %1").replace("%1", message))

    def _done(self, text: str) -> None:
        self.status.setText(text)
        self.start_button.setEnabled(True)
        self.close_button.setText(self.tr("Close"))

    def close_or_cancel(self) -> None:
        if self.running:
            self._cancel.set()  # people already imported stay: each was its own transaction
            self.status.setText(self.tr("Cancelling after the current batch…"))
            return
        self.accept()

    def reject(self) -> None:  # Esc while importing cancels instead of hiding a running import
        if self.running:
            self.close_or_cancel()
            return
        super().reject()

    def wait(self, timeout: float | None = None) -> None:
        """Tests: wait for the worker to finish (signals still need the event loop)."""
        if self._thread is not None:
            self._thread.join(timeout)
