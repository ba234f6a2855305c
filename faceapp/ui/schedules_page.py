"""Schedules: timetables, shifts, assignments (department, employee, temporary), public
holidays and leave, one tab each, as `faceapp timetable|shift|holiday|leave` on the command
line. Reads and saves go through TimekeepingService / EmployeeService on the thread pool."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from . import file_dialogs
from .correction_dialog import admin_actor
from .messages import error_text
from .schedule_dialogs import (AssignmentDialog, HolidayDialog, LeaveDialog, ShiftDialog,
                               TimetableDialog, date_edit, leave_kind_text, pydate)
from .workers import run_in_thread

log = logging.getLogger(__name__)


def _hhmm(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60}:{minutes % 60:02d}"


class _Section(QWidget):
    """A table with buttons above it."""

    def __init__(self, parent: QWidget, buttons: list[QPushButton], extra: list[QWidget] = ()) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        row = QHBoxLayout()
        for w in extra:
            row.addWidget(w)
        row.addStretch()
        for b in buttons:
            b.setParent(self)
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)

    def fill(self, heads: list[str], rows: list[list[str]]) -> None:
        self.table.clearContents()
        self.table.setColumnCount(len(heads))
        self.table.setHorizontalHeaderLabels(heads)
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, v in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)


class SchedulesPage(QWidget):
    changed = Signal()  # a rule, assignment, holiday or leave was saved (reports follow)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: dict = {}  # what the last refresh read
        self.sections = QTabWidget(self)
        self.add_timetable_button = QPushButton(self.tr("Add timetable…"))
        self.edit_timetable_button = QPushButton(self.tr("Edit…"))
        self.add_shift_button = QPushButton(self.tr("Add shift…"))
        self.assign_button = QPushButton(self.tr("Assign shift…"))
        self.add_holiday_button = QPushButton(self.tr("Add holiday…"))
        self.import_holidays_button = QPushButton(self.tr("Import CSV…"))
        self.add_leave_button = QPushButton(self.tr("Add leave…"))
        today = date.today()
        self.leave_first = date_edit(self, today.replace(day=1))
        self.leave_last = date_edit(self, (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
        self.timetables = _Section(self, [self.add_timetable_button, self.edit_timetable_button])
        self.shifts = _Section(self, [self.add_shift_button])
        self.assignments = _Section(self, [self.assign_button])
        self.holidays = _Section(self, [self.add_holiday_button, self.import_holidays_button])
        self.leave = _Section(self, [self.add_leave_button],
                              [QLabel(self.tr("From"), self), self.leave_first, QLabel(self.tr("To"), self),
                               self.leave_last])
        for sec, title in [(self.timetables, self.tr("Timetables")), (self.shifts, self.tr("Shifts")),
                           (self.assignments, self.tr("Assignments")), (self.holidays, self.tr("Holidays")),
                           (self.leave, self.tr("Leave"))]:
            self.sections.addTab(sec, title)
        self.status = QLabel(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.sections, 1)
        lay.addWidget(self.status)
        self.add_timetable_button.clicked.connect(lambda: self.ask_timetable())
        self.edit_timetable_button.clicked.connect(lambda: self.ask_timetable(self.selected_timetable()))
        self.timetables.table.doubleClicked.connect(lambda _i: self.ask_timetable(self.selected_timetable()))
        self.add_shift_button.clicked.connect(self.ask_shift)
        self.assign_button.clicked.connect(self.ask_assignment)
        self.add_holiday_button.clicked.connect(self.ask_holiday)
        self.import_holidays_button.clicked.connect(self.ask_import_holidays)
        self.add_leave_button.clicked.connect(self.ask_leave)
        for d in (self.leave_first, self.leave_last):
            d.dateChanged.connect(lambda _d: self.refresh())
        self._loading = False
        self._again = False

    # reading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading = True
        tk, emps = self.ctx.timekeeping(), self.ctx.employees()
        first, last = pydate(self.leave_first.date()), pydate(self.leave_last.date())

        def read() -> dict:
            leave = tk.leave(first, last) if first <= last and (last - first).days < 366 else []
            return {"timetables": tk.timetables(), "shifts": tk.shifts(), "assignments": tk.assignments(),
                    "holidays": tk.holidays(), "leave": leave, "employees": emps.list()}

        run_in_thread(read, self._show, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.status.setText(self.tr("Could not read the schedules: %1").replace("%1", error_text(exc)))
        self._again_if_asked()

    def _again_if_asked(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    def _show(self, data: dict) -> None:
        self._loading = False
        self.data = data
        people = {e.id: e for e in data["employees"]}

        def who(emp_id: int) -> str:
            e = people.get(emp_id)
            return f"{e.name} ({e.number})" if e else f"(id {emp_id})"

        yes, no = self.tr("yes"), self.tr("no")
        rows = []
        for tt in data["timetables"].values():
            flexible = tt.kind == "flexible"
            rounding = ", ".join(f"{label} {r.unit} {self._mode(r.mode)}" for label, r in
                                 ((self.tr("in"), tt.round_in), (self.tr("out"), tt.round_out)) if r.unit)
            ot = ", ".join(t for t in (
                self.tr("after end +%1").replace("%1", str(tt.ot_after)) if tt.ot_after is not None else "",
                self.tr("before start -%1").replace("%1", str(tt.ot_before)) if tt.ot_before is not None else "",
                self.tr("min %1").replace("%1", str(tt.min_ot)) if tt.min_ot else "") if t)
            rows.append([tt.name, self.tr("flexible") if flexible else self.tr("fixed"),
                         "" if flexible else f"{tt.start:%H:%M}", "" if flexible else f"{tt.end:%H:%M}",
                         yes if tt.crosses_midnight else "",
                         _hhmm(tt.required_minutes) if flexible else "",
                         "" if flexible else f"-{tt.in_before} / +{tt.in_after}",
                         "" if flexible else f"-{tt.out_before} / +{tt.out_after}",
                         f"{tt.break_minutes}{' ' + self.tr('(punched)') if tt.break_must_punch else ''}",
                         f"{tt.late_grace} / {tt.early_grace}",
                         "" if tt.late_absent_after is None else
                         f"> {tt.late_absent_after}: {self.tr('absent') if tt.late_absent_as == 'absent' else self.tr('half day')}",
                         rounding, ot])
        self.timetables.fill([self.tr("Name"), self.tr("Kind"), self.tr("Start"), self.tr("End"),
                              self.tr("Crosses midnight"), self.tr("Required"), self.tr("Check-in window (min)"),
                              self.tr("Check-out window (min)"), self.tr("Break (min)"), self.tr("Grace late / early"),
                              self.tr("Late as absent"), self.tr("Rounding (min)"), self.tr("Overtime (min)")], rows)
        off = self.tr("off")
        self.shifts.fill([self.tr("Name"), self.tr("Repeats"), self.tr("Days")], [
            [s.name, self.tr("weekly") if s.kind == "weekly" else self.tr("%1-day rotation").replace("%1", str(len(s.days))),
             ", ".join(f"{self._weekday(i) if s.kind == 'weekly' else i + 1}: {d or off}"
                       for i, d in enumerate(s.days))]
            for s in data["shifts"].values()])
        self.assignments.fill([self.tr("Shift"), self.tr("Assigned to"), self.tr("From"), self.tr("Until"),
                               self.tr("Temporary")], [
            [a.shift, who(a.employee_id) if a.employee_id is not None else self.tr("Department %1").replace("%1", a.department),
             str(a.start), str(a.end or ""), yes if a.temporary else ""]
            for a in data["assignments"]])
        self.holidays.fill([self.tr("Date"), self.tr("Weekday"), self.tr("Name")],
                           [[str(h.day), self._weekday(h.day.weekday()), h.name]
                            for h in data["holidays"].values()])
        self.leave.fill([self.tr("Date"), self.tr("Employee"), self.tr("Type"), self.tr("Portion"), self.tr("Paid"),
                         self.tr("Note")], [
            [str(lv.day), who(lv.employee_id), leave_kind_text(lv.kind),
             self.tr("full day") if lv.portion == "full" else self.tr("half day"), yes if lv.paid else no, lv.note]
            for lv in data["leave"]])
        self.edit_timetable_button.setEnabled(bool(data["timetables"]))
        self.add_shift_button.setEnabled(bool(data["timetables"]))
        self.assign_button.setEnabled(bool(data["shifts"]))
        self.status.setText("")
        self._again_if_asked()

    def _weekday(self, i: int) -> str:
        return [self.tr("Mon"), self.tr("Tue"), self.tr("Wed"), self.tr("Thu"), self.tr("Fri"), self.tr("Sat"),
                self.tr("Sun")][i]

    def _mode(self, mode: str) -> str:
        return {"up": self.tr("up"), "down": self.tr("down"), "nearest": self.tr("nearest")}.get(mode, mode)

    def selected_timetable(self):
        row = self.timetables.table.currentRow()
        items = list(self.data.get("timetables", {}).values())
        if not items:
            return None
        return items[row] if 0 <= row < len(items) else items[0]

    def departments(self) -> list[str]:
        return sorted({e.department for e in self.data.get("employees", []) if e.department})

    # saving ----------------------------------------------------------------------------
    def save(self, what: str, work) -> None:  # noqa: ANN001 - a callable returning anything
        """Run one save on a worker; the lists are read again afterwards, an error is shown."""
        def done(_result) -> None:
            self.status.setText(self.tr("Saved: %1").replace("%1", what))
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.status.setText("")
            QMessageBox.warning(self, self.tr("Schedules"), error_text(exc))

        run_in_thread(work, done, failed)

    def save_timetable(self, tt, editing: bool = False) -> None:  # noqa: ANN001 - Timetable
        tk = self.ctx.timekeeping()
        self.save(tt.name, (lambda: tk.update_timetable(tt, admin_actor())) if editing else (lambda: tk.add_timetable(tt, admin_actor())))

    def save_shift(self, shift) -> None:  # noqa: ANN001
        tk = self.ctx.timekeeping()
        self.save(shift.name, lambda: tk.add_shift(shift, admin_actor()))

    def save_assignment(self, a) -> None:  # noqa: ANN001
        tk = self.ctx.timekeeping()
        self.save(a.shift, lambda: tk.assign(a, admin_actor()))

    def save_holiday(self, h) -> None:  # noqa: ANN001
        tk = self.ctx.timekeeping()
        self.save(h.name, lambda: tk.add_holidays([h], admin_actor()))

    def import_holidays(self, path: str) -> None:
        tk = self.ctx.timekeeping()
        self.save(path, lambda: tk.import_holidays(path, admin_actor()))

    def save_leave(self, leave: dict) -> None:
        tk = self.ctx.timekeeping()
        self.save(leave_kind_text(leave["kind"]), lambda: tk.add_leave(**leave, actor=admin_actor()))

    # dialogs ---------------------------------------------------------------------------
    def ask_timetable(self, tt=None) -> None:  # noqa: ANN001
        dlg = TimetableDialog(tt, self)
        if dlg.exec():
            self.save_timetable(dlg.value(), dlg.editing)

    def ask_shift(self) -> None:
        dlg = ShiftDialog(list(self.data.get("timetables", {})), self)
        if dlg.exec():
            self.save_shift(dlg.value())

    def ask_assignment(self) -> None:
        dlg = AssignmentDialog(list(self.data.get("shifts", {})), self.data.get("employees", []),
                               self.departments(), self)
        if dlg.exec():
            self.save_assignment(dlg.value())

    def ask_holiday(self) -> None:
        dlg = HolidayDialog(self)
        if dlg.exec():
            self.save_holiday(dlg.value())

    def ask_import_holidays(self) -> None:
        path = file_dialogs.open_file(self, self.tr("Import public holidays"),
                                      self.tr("CSV files with date,name (*.csv)"))
        if path:
            self.import_holidays(path)

    def ask_leave(self) -> None:
        dlg = LeaveDialog(self.data.get("employees", []), self)
        if dlg.exec():
            self.save_leave(dlg.value())
