"""Employees > Rebuild templates...: re-embed everyone from their enrolment face crops with
an encoder (the same service as `faceapp templates rebuild`), off the GUI thread, with a
progress bar; Cancel stops between people (each person is one transaction, so everyone
rebuilt before stays rebuilt)."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QListWidget, QProgressBar,
                               QVBoxLayout, QWidget)

from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)


class _RebuildBridge(QObject):
    """Carries the rebuild's progress callback from the worker to the GUI thread."""

    progress = Signal(int, int, object)  # done, total, RebuildOutcome


class RebuildDialog(QDialog):
    rebuilt = Signal(int)  # people rebuilt (the gallery must reload)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:  # noqa: ANN001 - AppContext
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Rebuild face templates"))
        self.resize(560, 420)
        intro = QLabel(self.tr("Computes every employee's face templates again from the face crops kept at "
                               "enrolment, for the chosen face model. Templates of other models are kept. "
                               "People enrolled before crops were kept are listed: re-enrol them."), self)
        intro.setWordWrap(True)
        self.encoder = QComboBox(self)
        self.encoder.addItems(ctx.encoder_ids())
        self.encoder.setCurrentText(ctx.model_id)
        form = QFormLayout()
        form.addRow(self.tr("Face model"), self.encoder)
        self.progress = QProgressBar(self)
        self.progress.setValue(0)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.missing = QListWidget(self)
        self.buttons = QDialogButtonBox(self)
        self.start_button = self.buttons.addButton(self.tr("Rebuild"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close_or_cancel)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(QLabel(self.tr("Without face crops (re-enrol):"), self))
        lay.addWidget(self.missing, 1)
        lay.addWidget(self.buttons)
        self._bridge = _RebuildBridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._cancel = threading.Event()
        self.running = False
        self.report = None

    def start(self) -> None:
        if self.running:
            return
        model_id = self.encoder.currentText()
        self.running = True
        self._cancel.clear()
        self.report = None
        self.start_button.setEnabled(False)
        self.encoder.setEnabled(False)
        self.close_button.setText(self.tr("Cancel"))
        self.progress.setValue(0)
        self.missing.clear()
        self.status.setText(self.tr("Rebuilding…"))
        ctx, bridge, cancel = self.ctx, self._bridge, self._cancel

        def work():  # noqa: ANN202 - on a pool thread: load the encoder, re-embed, one person at a time
            encoder = ctx.crop_encoder(model_id)
            return ctx.templates().rebuild(encoder, actor="admin", cancel=cancel,
                                           progress=lambda d, t, o: bridge.progress.emit(d, t, o))

        run_in_thread(work, self._on_finished, self._on_failed)

    def _on_progress(self, done: int, total: int, outcome) -> None:  # noqa: ANN001
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.status.setText(self.tr("%1 of %2: %3").replace("%1", str(done)).replace("%2", str(total))
                            .replace("%3", outcome.employee.name))

    def _on_finished(self, report) -> None:  # noqa: ANN001 - RebuildReport
        self.report = report
        if not report.outcomes and not report.cancelled:
            self.progress.setMaximum(1)
            self.progress.setValue(1)
        for emp in report.without_crops:
            self.missing.addItem(f"{emp.number}  {emp.name}")
        for o in report.failed:
            self.missing.addItem(f"{o.employee.number}  {o.employee.name}: {o.reason}")
        self._done(report.summary())
        if report.rebuilt:
            self.rebuilt.emit(report.rebuilt)

    def _on_failed(self, exc: BaseException) -> None:
        self._done(self.tr("The rebuild stopped (people rebuilt before it are kept): %1")
                   .replace("%1", error_text(exc)))

    def _done(self, text: str) -> None:
        self.running = False
        self.status.setText(text)
        self.start_button.setEnabled(True)
        self.encoder.setEnabled(True)
        self.close_button.setText(self.tr("Close"))

    def close_or_cancel(self) -> None:
        if self.running:
            self._cancel.set()  # between people: everyone rebuilt so far stays
            self.status.setText(self.tr("Cancelling after the current person…"))
            return
        self.accept()

    def reject(self) -> None:  # Esc while rebuilding cancels instead of hiding a running rebuild
        if self.running:
            self.close_or_cancel()
            return
        super().reject()
