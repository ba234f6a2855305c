"""Attendance log: filters, raw events or daily summaries, live updates and CSV export.

Queries and the export (services.reports, the CLI's exporter) run on the thread pool.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..attendance.rules import AttendanceRules
from . import file_dialogs
from .messages import error_text
from .workers import run_in_thread

log = logging.getLogger(__name__)


def default_export_path(name: str) -> Path:
    """Exports go to the user's Documents folder by default, never next to the database."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs or Path.home()) / name


def _py(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


class LogPage(QWidget):
    exported = Signal(int, str)  # rows, path

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list = []
        today = QDate.currentDate()
        self.first = QDateEdit(today, self, calendarPopup=True)
        self.last = QDateEdit(today, self, calendarPopup=True)
        for d in (self.first, self.last):
            d.setDisplayFormat("yyyy-MM-dd")
        self.employee = QComboBox(self)
        self.department = QLineEdit(self)
        self.department.setPlaceholderText(self.tr("any department"))
        self.summary = QCheckBox(self.tr("Daily summary"), self)
        for w in (self.first.dateChanged, self.last.dateChanged, self.employee.currentIndexChanged,
                  self.summary.toggled):
            w.connect(self.refresh)
        self._typing = QTimer(self, singleShot=True, interval=300)  # filter as the department is typed
        self._typing.timeout.connect(self.refresh)
        self.department.textChanged.connect(lambda _text: self._typing.start())
        self.excel_layout = QCheckBox(self.tr("For Excel"), self)
        self.excel_layout.setToolTip(self.tr("Date and time in separate columns and employee numbers kept as "
                                             "text (0042), for spreadsheets; without it: ISO timestamps, for "
                                             "programs"))
        self.export_button = QPushButton(self.tr("Export CSV…"), self)
        self.export_button.clicked.connect(self.ask_export)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy indicator
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel(self)
        filters = QHBoxLayout()
        for label, w in [(self.tr("From"), self.first), (self.tr("To"), self.last),
                         (self.tr("Employee"), self.employee), (self.tr("Department"), self.department)]:
            filters.addWidget(QLabel(label, self))
            filters.addWidget(w)
        filters.addStretch()
        actions = QHBoxLayout()  # a second row, so the page fits a 1024 px screen
        actions.addWidget(self.summary)
        actions.addStretch()
        actions.addWidget(self.progress)
        actions.addWidget(self.excel_layout)
        actions.addWidget(self.export_button)
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        lay = QVBoxLayout(self)
        lay.addLayout(filters)
        lay.addLayout(actions)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        self._loading = False
        self._again = False
        self._exporting = False
        self._poll = QTimer(self, interval=15000)  # events booked by the CLI or another PC
        self._poll.timeout.connect(lambda: self.isVisible() and self.refresh())
        self._poll.start()

    def rules(self) -> AttendanceRules:
        return AttendanceRules.from_settings(self.ctx.settings.attendance)

    def filters(self) -> tuple[date, date, list[int] | None, str | None]:
        """First day, last day, employee ids, and a part of the department name (any case)."""
        emp = self.employee.currentData()
        return (_py(self.first.date()), _py(self.last.date()), [emp] if emp is not None else None,
                self.department.text().strip() or None)

    def _dates_ok(self) -> bool:
        """A From date after the To date shows nothing and cannot be exported: say why."""
        ok = self.first.date() <= self.last.date()
        self.export_button.setEnabled(ok and not self._exporting)
        if not ok:
            self.rows = []
            self.table.setRowCount(0)
            self.status.setText(self.tr("The From date is after the To date."))
        return ok

    def load_employees(self) -> None:
        def show(emps) -> None:
            current = self.employee.currentData()
            self.employee.blockSignals(True)
            self.employee.clear()
            self.employee.addItem(self.tr("All employees"), None)
            for e in emps:
                self.employee.addItem(f"{e.name} ({e.number})", e.id)
            i = self.employee.findData(current)
            self.employee.setCurrentIndex(max(i, 0))
            self.employee.blockSignals(False)

        run_in_thread(lambda: self.ctx.employees().list(), show)

    def refresh(self) -> None:
        """Re-query with the current filters; coalesces bursts of new events into one query."""
        if self._loading:
            self._again = True
            return
        if not self._dates_ok():
            return
        self._loading = True
        first, last, ids, dept = self.filters()
        rules, summary = self.rules(), self.summary.isChecked()

        reports = self.ctx.reports()

        def query():
            if summary:
                return True, reports.summaries(rules, first, last, ids, department_contains=dept)
            return False, reports.query_events(rules, first, last, ids, department_contains=dept)

        run_in_thread(query, self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        """The table is emptied: rows of the previous view must not pass for the new one."""
        self._loading = False
        self.rows = []
        self.table.setRowCount(0)
        self.status.setText(self.tr("Could not load the log: %1").replace("%1", error_text(exc)))
        if self._again:
            self._again = False
            self.refresh()

    def _summary_cells(self, s, tz) -> list[str]:
        """One summary row; the deleted employees' row only has its day and event count."""
        if s.employee_id is None:
            return [str(s.day), "", self.tr("(deleted)"), "", "", "", "", str(s.events)]
        secs = int(s.worked.total_seconds())
        return [str(s.day), s.employee_number, s.employee_name, s.department,
                s.first_in.astimezone(tz).strftime("%H:%M") if s.first_in else "",
                s.last_out.astimezone(tz).strftime("%H:%M") if s.last_out else "",
                f"{secs // 3600}:{secs % 3600 // 60:02d}", str(s.events)]

    def _show(self, result) -> None:
        self._loading = False
        summary, rows = result
        tz = self.rules().tz
        if summary:
            heads = [self.tr("Day"), self.tr("Number"), self.tr("Name"), self.tr("Department"), self.tr("First in"),
                     self.tr("Last out"), self.tr("Worked"), self.tr("Events")]
            data = [self._summary_cells(s, tz) for s in rows]
        else:
            heads = [self.tr("Time"), self.tr("Number"), self.tr("Name"), self.tr("Department"), self.tr("Event"),
                     self.tr("Source"), self.tr("Distance")]
            data = [[e.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), e.employee_number,
                     e.employee_name or self.tr("(deleted)"), e.department,
                     self.tr("in") if e.kind == "in" else self.tr("out"), e.source, f"{e.score:.3f}"]
                    for e in sorted(rows, key=lambda e: e.ts, reverse=True)]
        self.rows = rows
        self.table.setColumnCount(len(heads))
        self.table.setHorizontalHeaderLabels(heads)
        self.table.setRowCount(len(data))
        for r, row in enumerate(data):
            for c, v in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.status.setText(self.tr("%n row(s)", "", len(data)))
        if self._again:
            self._again = False
            self.refresh()

    def on_event(self) -> None:
        """A new attendance event was recorded by the live view: show it (today in range)."""
        if self.last.date() < QDate.currentDate():
            return
        self.refresh()

    def export_name(self) -> str:
        """attendance-events-<days>.csv or attendance-summary-<days>.csv: the two never share a name."""
        first, last = _py(self.first.date()), _py(self.last.date())
        days = str(first) if first == last else f"{first}_{last}"
        return f"attendance-{'summary' if self.summary.isChecked() else 'events'}-{days}.csv"

    def ask_export(self) -> None:
        path = file_dialogs.save_file(self, self.tr("Export attendance"), default_export_path(self.export_name()),
                                      self.tr("CSV files (*.csv)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        first, last, ids, dept = self.filters()
        rules, summary = self.rules(), self.summary.isChecked()
        layout = "excel" if self.excel_layout.isChecked() else "iso"
        self._exporting = True
        self.export_button.setEnabled(False)
        self.progress.show()
        self.status.setText(self.tr("Exporting…"))

        def done(n: int) -> None:
            self._exporting = False
            self.progress.hide()
            self.export_button.setEnabled(True)
            self.status.setText(self.tr("Exported %1 row(s) to %2").replace("%1", str(n)).replace("%2", str(path)))
            self.exported.emit(int(n), str(path))

        def failed(exc: BaseException) -> None:
            self._exporting = False
            self.progress.hide()
            self.export_button.setEnabled(True)
            self.status.setText("")
            QMessageBox.warning(self, self.tr("Export attendance"), error_text(exc))

        reports = self.ctx.reports()
        run_in_thread(lambda: reports.export_csv(rules, path, first, last, ids, summary=summary,
                                                 department_contains=dept, layout=layout), done, failed)
