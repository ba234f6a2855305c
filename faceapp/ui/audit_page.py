"""Audit log viewer: who did what, when, read-only; filters by action, person, admin and date;
CSV export of the rows shown (services.audit, same CSV rules as the attendance export).

Queries and the export run on the thread pool; nothing here can change the log.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ..services.audit import AuditFilter, details_text
from . import file_dialogs
from .date_range import FollowToday, date_edit, pydate, site_today
from .log_page import default_export_path
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)


class AuditPage(QWidget):
    loaded = Signal(int)  # rows shown, for tests
    exported = Signal(int, str)  # rows, path

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list = []
        today = self._today()
        self.use_dates = QCheckBox(self.tr("From"), self)
        self.first = date_edit(self, today - timedelta(days=30))
        self.last = date_edit(self, today)
        self.dates = FollowToday(self.first, self.last, lambda: self._today())  # To on today follows the calendar
        for d in (self.first, self.last):
            d.dateChanged.connect(self.refresh)
        self.use_dates.toggled.connect(self.refresh)
        self.action = QComboBox(self)
        self.actor = QComboBox(self)
        for combo in (self.action, self.actor):
            combo.addItem(self.tr("all"), "")
            combo.currentIndexChanged.connect(self.refresh)
        self.person = QLineEdit(self)
        self.person.setPlaceholderText(self.tr("number or name"))
        self.person.setClearButtonEnabled(True)
        self.person.editingFinished.connect(self.refresh)
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.clicked.connect(self.ask_export)
        self.status = QLabel(self)
        dates = QHBoxLayout()
        dates.addWidget(self.use_dates)
        dates.addWidget(self.first)
        dates.addWidget(QLabel(self.tr("To"), self))
        dates.addWidget(self.last)
        dates.addStretch()
        dates.addWidget(self.export_button)
        filters = QHBoxLayout()
        for label, w in [(self.tr("Action"), self.action), (self.tr("Person"), self.person),
                         (self.tr("Admin"), self.actor)]:
            filters.addWidget(QLabel(label, self))
            filters.addWidget(w, 1)
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Admin"), self.tr("Action"),
                                              self.tr("Person"), self.tr("Details")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # read-only
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for col in range(4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addLayout(dates)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        self._loading = False
        self._again = False

    def _today(self) -> date:
        """The site's day (settings `timezone`), as the rows' times are shown: not the PC's."""
        return site_today(self.ctx.audit().tz)

    def on_database_change(self) -> None:
        """Another process wrote to the database (storage.watch.ChangeWatch, via the window):
        a shown page follows at once, a hidden one when its tab is chosen."""
        if self.isVisible():
            self.load_choices()
            self.refresh()

    def current_filter(self) -> AuditFilter:
        dated = self.use_dates.isChecked()
        return AuditFilter(self.action.currentData() or "", self.actor.currentData() or "", self.person.text().strip(),
                           pydate(self.first.date()) if dated else None, pydate(self.last.date()) if dated else None)

    def load_choices(self) -> None:
        """Fill the action and admin lists from what the log holds (keeps the current choice)."""
        def done(result) -> None:
            actions, actors = result
            for combo, values in ((self.action, actions), (self.actor, actors)):
                current = combo.currentData()
                combo.blockSignals(True)
                combo.clear()
                combo.addItem(self.tr("all"), "")
                for v in values:
                    combo.addItem(v, v)
                combo.setCurrentIndex(max(0, combo.findData(current)))
                combo.blockSignals(False)

        run_in_thread(self.ctx.audit().choices, done, self._failed)

    def refresh(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        self.dates.follow()
        f = self.current_filter()
        run_in_thread(lambda: self.ctx.audit().entries(f), self._show, self._failed)

    def _show(self, entries: list) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.refresh()
            return
        self.entries = entries
        tz = self.ctx.audit().tz
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            cells = (e.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.person,
                     details_text(e.details))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.status.setText(self.tr("%n entries", "", len(entries)))
        self.loaded.emit(len(entries))

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self._again = False
        self.entries = []
        self.table.setRowCount(0)
        self.status.setText(error_text(exc))
        self.loaded.emit(-1)

    def export_name(self) -> str:
        return "audit-log.csv"

    def ask_export(self) -> None:
        path = file_dialogs.save_file(self, self.tr("Export audit log"), default_export_path(self.export_name()),
                                      self.tr("CSV files (*.csv)"))
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        entries = list(self.entries)

        def done(n: int) -> None:
            self.status.setText(self.tr("Exported %1 rows to %2").replace("%1", str(n)).replace("%2", path))
            self.exported.emit(n, path)

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, self.tr("Export audit log"), error_text(exc))

        run_in_thread(lambda: self.ctx.audit().export_csv(entries, path), done, failed)
