"""Attendance log: filters, raw events or daily summaries, live updates and CSV export;
punch corrections (void, restore, add a missing punch, each with a reason) from the
right-click menu, corrected punches marked in the Event column.

Queries, corrections and the export (services.reports / services.timekeeping) run on the
thread pool.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMenu, QMessageBox, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..attendance.rules import AttendanceRules
from . import file_dialogs
from .correction_dialog import CorrectionDialog, admin_actor
from .date_range import FollowToday, date_edit, pydate, site_today
from .messages import error_text, site_offline_note
from .workers import run_in_thread

log = logging.getLogger(__name__)


def default_export_path(name: str) -> Path:
    """Exports go to the user's Documents folder by default, never next to the database."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs or Path.home()) / name


class LogPage(QWidget):
    exported = Signal(int, str)  # rows, path
    corrected = Signal(str)  # "void", "restore" or "add", after the correction is saved

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list = []
        self._people: list = []  # the employees of the filter list, for "Add missing punch"
        self.shown: list = []  # the table's rows in order: AttendanceEvent (raw) or DailySummary
        self.marks: dict[int, str] = {}  # attendance id -> "void" / "corrected"
        self.actor = admin_actor  # who corrects, for the audit (the window may set another)
        today = self._today()
        self.first = date_edit(self, today)
        self.last = date_edit(self, today)
        self.dates = FollowToday(self.first, self.last, lambda: self._today())  # To on today follows the calendar
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
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(lambda pos: self.correction_menu(
            self.table.rowAt(pos.y())).exec(self.table.viewport().mapToGlobal(pos)))
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

    def _today(self) -> date:
        return site_today(self.rules().tz)

    def filters(self) -> tuple[date, date, list[int] | None, str | None]:
        """First day, last day, employee ids, and a part of the department name (any case)."""
        emp = self.employee.currentData()
        return (pydate(self.first.date()), pydate(self.last.date()), [emp] if emp is not None else None,
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
            self._people = list(emps)
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
        self.dates.follow()
        if not self._dates_ok():
            return
        self._loading = True
        first, last, ids, dept = self.filters()
        rules, summary = self.rules(), self.summary.isChecked()

        reports, tk = self.ctx.reports(), self.ctx.timekeeping()

        def query():
            if summary:
                rows = reports.summaries(rules, first, last, ids, department_contains=dept)
                return True, rows, {}, reports.site.offline_since
            events = reports.query_events(rules, first, last, ids, department_contains=dept)
            return False, events, tk.punch_marks(first, last) if events else {}, reports.site.offline_since

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
        summary, rows, self.marks, offline_since = result
        tz = self.rules().tz
        if summary:
            heads = [self.tr("Day"), self.tr("Number"), self.tr("Name"), self.tr("Department"), self.tr("First in"),
                     self.tr("Last out"), self.tr("Worked"), self.tr("Events")]
            data = [self._summary_cells(s, tz) for s in rows]
        else:
            heads = [self.tr("Time"), self.tr("Number"), self.tr("Name"), self.tr("Department"), self.tr("Event"),
                     self.tr("Source"), self.tr("Distance")]
            shown = sorted(rows, key=lambda e: e.ts, reverse=True)
            data = [[e.ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), e.employee_number,
                     e.employee_name or self.tr("(deleted)"), e.department,
                     self._event_text(e), e.source, f"{e.score:.3f}" if e.score == e.score else ""]
                    for e in shown]
        self.rows = rows
        self.shown = shown if not summary else list(rows)
        self.table.setColumnCount(len(heads))
        self.table.setHorizontalHeaderLabels(heads)
        self.table.setRowCount(len(data))
        for r, row in enumerate(data):
            void = not summary and self.marks.get(self.shown[r].id) == "void"
            for c, v in enumerate(row):
                item = QTableWidgetItem(v)
                if void:  # a voided punch stays in the log, struck through
                    font = item.font()
                    font.setStrikeOut(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.status.setText(self.tr("%n row(s)", "", len(data)) + site_offline_note(offline_since))
        if self._again:
            self._again = False
            self.refresh()

    def _event_text(self, e) -> str:
        """"in" / "out", with the correction mark: "out - voided", "in - corrected"."""
        text = self.tr("in") if e.kind == "in" else self.tr("out")
        mark = self.marks.get(e.id)
        if mark == "void":
            return self.tr("%1 - voided").replace("%1", text)
        if mark == "corrected":
            return self.tr("%1 - corrected").replace("%1", text)
        return text

    # corrections -----------------------------------------------------------------------
    def event_at(self, row: int):
        """The raw event of a table row (None: no row, the daily summary, a deleted person)."""
        if self.summary.isChecked() or not 0 <= row < len(self.shown):
            return None
        e = self.shown[row]
        return e if e.employee_id is not None and e.id is not None else None

    def correction_menu(self, row: int) -> QMenu:
        """Right-click: Void or Restore for the punch under the mouse, Add missing punch always."""
        menu = QMenu(self)
        e = self.event_at(row)
        void = QAction(self.tr("Void punch…"), menu, triggered=lambda: self.ask_correction("void", e))
        restore = QAction(self.tr("Restore punch…"), menu, triggered=lambda: self.ask_correction("restore", e))
        add = QAction(self.tr("Add missing punch…"), menu, triggered=lambda: self.ask_correction("add", e))
        is_void = e is not None and self.marks.get(e.id) == "void"
        void.setEnabled(e is not None and not is_void)
        restore.setEnabled(is_void)
        for a in (void, restore, add):
            menu.addAction(a)
        return menu

    def correction_dialog(self, action: str, e=None) -> CorrectionDialog:
        tz = self.rules().tz
        what = ""
        if e is not None and action != "add":
            what = f"{e.employee_name} ({e.employee_number}) {e.ts.astimezone(tz):%Y-%m-%d %H:%M:%S}"
        employees = [self.employee.itemData(i) for i in range(self.employee.count())]
        people = [p for p in self._people if p.id in employees] if action == "add" else []
        when = e.ts.astimezone(tz).replace(tzinfo=None) if e is not None else None
        return CorrectionDialog(action, what, people, e.employee_id if e is not None else self.employee.currentData(),
                                when, self)

    def ask_correction(self, action: str, e=None) -> None:
        dlg = self.correction_dialog(action, e)
        if dlg.exec():
            kind = dlg.kind.currentData()
            when = dlg.local_time().replace(tzinfo=self.rules().tz) if action == "add" else None
            self.correct(action, dlg.reason.text(), e, dlg.employee.currentData(), when, kind)

    def correct(self, action: str, reason: str, e=None, employee_id: int | None = None,
                when: datetime | None = None, kind: str | None = None) -> None:
        """Save one correction on a worker; the log (and every report) shows it afterwards."""
        tk, actor = self.ctx.timekeeping(), self.actor()
        if action == "void":
            work = lambda: tk.void_punch(e.id, reason, actor)  # noqa: E731
        elif action == "restore":
            work = lambda: tk.restore_punch(e.id, reason, actor)  # noqa: E731
        else:
            work = lambda: tk.add_punch(employee_id, when, reason, actor, kind)  # noqa: E731

        def done(_result) -> None:
            self.status.setText(self.tr("Correction saved"))
            self.corrected.emit(action)
            self.refresh()

        def failed(exc: BaseException) -> None:
            QMessageBox.warning(self, self.tr("Punch correction"), error_text(exc))

        run_in_thread(work, done, failed)

    def on_event(self) -> None:
        """A new attendance event was recorded by the live view: show it (today in range)."""
        if self.dates.shows_today():
            self.refresh()

    def export_name(self) -> str:
        """attendance-events-<days>.csv or attendance-summary-<days>.csv: the two never share a name."""
        first, last = pydate(self.first.date()), pydate(self.last.date())
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
