"""Dialogs of the Schedules page: timetable (every rule field), shift, assignment, holiday
and leave. Each builds its plain value (timekeeping.rules) when OK is pressed, so a rule that
cannot work is refused in the dialog with the domain's own sentence and the dialog stays
open; saving is the page's job (through TimekeepingService, on a worker)."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QRadioButton,
                               QSpinBox, QTableWidget, QTimeEdit, QVBoxLayout, QWidget)

from ..shared.errors import InvalidValueError
from ..timekeeping.rules import (LEAVE_KINDS, MAX_CYCLE_DAYS, ROUND_MODES, Assignment, Holiday, Rounding, Shift,
                                 Timetable)
from .date_range import date_edit, pydate, qdate  # noqa: F401 - re-exported: older imports
from .messages import error_text

WEEKDAY_KEYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _ValueDialog(QDialog):
    """OK builds value(); a refused value is shown under the form and the dialog stays open."""

    def _finish(self, body) -> None:  # noqa: ANN001 - a layout
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(body)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def value(self):  # noqa: ANN201 - each dialog's own kind
        raise NotImplementedError

    def accept(self) -> None:
        try:
            self.value()
        except InvalidValueError as exc:
            self.error.setText(error_text(exc))
            self.error.show()
            return
        super().accept()


def _minutes_box(parent: QWidget, value: int, high: int = 24 * 60, suffix: str = " min") -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(0, high)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class TimetableDialog(_ValueDialog):
    """Add (tt None) or edit a timetable; the name of an existing one stays."""

    def __init__(self, tt: Timetable | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editing = tt is not None
        self.setWindowTitle(self.tr("Edit timetable") if self.editing else self.tr("Add timetable"))
        tt = tt or Timetable("Day")
        mins = self.tr(" min")
        self.name = QLineEdit(tt.name if self.editing else "", self)
        self.name.setReadOnly(self.editing)  # the shifts refer to it by name
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("Fixed hours"), "fixed")
        self.kind.addItem(self.tr("Flexible (required hours, no fixed start)"), "flexible")
        self.kind.setCurrentIndex(self.kind.findData(tt.kind))
        self.start = QTimeEdit(QTime(tt.start.hour, tt.start.minute), self)
        self.end = QTimeEdit(QTime(tt.end.hour, tt.end.minute), self)
        for t in (self.start, self.end):
            t.setDisplayFormat("HH:mm")
        self.crosses_midnight = QCheckBox(self.tr("Ends the next day (night shift)"), self)
        self.crosses_midnight.setChecked(tt.crosses_midnight)
        self.required_hours = QDoubleSpinBox(self)
        self.required_hours.setRange(0.25, 24)
        self.required_hours.setSingleStep(0.25)
        self.required_hours.setSuffix(self.tr(" h"))
        self.required_hours.setValue(tt.required_minutes / 60 if tt.required_minutes else 8)
        self.break_minutes = _minutes_box(self, tt.break_minutes, suffix=mins)
        self.break_must_punch = QCheckBox(self.tr("Deduct the punched break (out and in) when there is one"), self)
        self.break_must_punch.setChecked(tt.break_must_punch)
        self.in_before, self.in_after = _minutes_box(self, tt.in_before, suffix=mins), \
            _minutes_box(self, tt.in_after, suffix=mins)
        self.out_before, self.out_after = _minutes_box(self, tt.out_before, suffix=mins), \
            _minutes_box(self, tt.out_after, suffix=mins)
        self.late_grace = _minutes_box(self, tt.late_grace, suffix=mins)
        self.early_grace = _minutes_box(self, tt.early_grace, suffix=mins)
        self.late_absent = QCheckBox(self.tr("Late by more than"), self)
        self.late_absent.setChecked(tt.late_absent_after is not None)
        self.late_absent_after = _minutes_box(self, tt.late_absent_after or 60, suffix=mins)
        self.late_absent_as = QComboBox(self)
        self.late_absent_as.addItem(self.tr("counts as absent"), "absent")
        self.late_absent_as.addItem(self.tr("counts as half a day absent"), "half_day")
        self.late_absent_as.setCurrentIndex(self.late_absent_as.findData(tt.late_absent_as))
        self.round_in_unit, self.round_in_mode = self._rounding(tt.round_in)
        self.round_out_unit, self.round_out_mode = self._rounding(tt.round_out)
        self.ot_after_on = QCheckBox(self.tr("After the end, from"), self)
        self.ot_after_on.setChecked(tt.ot_after is not None)
        self.ot_after = _minutes_box(self, tt.ot_after or 0, suffix=mins)
        self.ot_before_on = QCheckBox(self.tr("Before the start, from"), self)
        self.ot_before_on.setChecked(tt.ot_before is not None)
        self.ot_before = _minutes_box(self, tt.ot_before or 0, suffix=mins)
        self.min_ot = _minutes_box(self, tt.min_ot, suffix=mins)

        day = QFormLayout()
        day.addRow(self.tr("Name"), self.name)
        day.addRow(self.tr("Kind"), self.kind)
        day.addRow(self.tr("Start"), self.start)
        day.addRow(self.tr("End"), self.end)
        day.addRow("", self.crosses_midnight)
        day.addRow(self.tr("Required work (flexible)"), self.required_hours)
        day.addRow(self.tr("Unpaid break"), self.break_minutes)
        day.addRow("", self.break_must_punch)
        windows = QFormLayout()
        windows.addRow(self.tr("Check-in: before the start"), self.in_before)
        windows.addRow(self.tr("Check-in: after the start"), self.in_after)
        windows.addRow(self.tr("Check-out: before the end"), self.out_before)
        windows.addRow(self.tr("Check-out: after the end"), self.out_after)
        late = QFormLayout()
        late.addRow(self.tr("Grace for late arrival"), self.late_grace)
        late.addRow(self.tr("Grace for early leave"), self.early_grace)
        row = QHBoxLayout()
        for w in (self.late_absent, self.late_absent_after, self.late_absent_as):
            row.addWidget(w)
        late.addRow(row)
        rounding = QFormLayout()
        rounding.addRow(self.tr("Check-in to"), self._pair(self.round_in_unit, self.round_in_mode))
        rounding.addRow(self.tr("Check-out to"), self._pair(self.round_out_unit, self.round_out_mode))
        overtime = QFormLayout()
        overtime.addRow(self.ot_after_on, self.ot_after)
        overtime.addRow(self.ot_before_on, self.ot_before)
        overtime.addRow(self.tr("Minimum overtime per day"), self.min_ot)
        grid = QGridLayout()
        for title, form, place in [(self.tr("Working day"), day, (0, 0, 2, 1)),
                                   (self.tr("Overtime"), overtime, (2, 0, 1, 1)),
                                   (self.tr("Punch windows"), windows, (0, 1, 1, 1)),
                                   (self.tr("Lateness and early leave"), late, (1, 1, 1, 1)),
                                   (self.tr("Rounding of punches"), rounding, (2, 1, 1, 1))]:
            box = QGroupBox(title, self)
            box.setLayout(form)
            grid.addWidget(box, *place)
        self._finish(grid)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _rounding(self, r: Rounding) -> tuple[QSpinBox, QComboBox]:
        unit = _minutes_box(self, r.unit, 60, self.tr(" min"))
        unit.setSpecialValueText(self.tr("no rounding"))
        mode = QComboBox(self)
        for m, text in zip(ROUND_MODES, (self.tr("up"), self.tr("down"), self.tr("nearest"))):
            mode.addItem(text, m)
        mode.setCurrentIndex(mode.findData(r.mode))
        return unit, mode

    def _pair(self, *widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for w in widgets:
            row.addWidget(w)
        return row

    def _kind_changed(self) -> None:
        flexible = self.kind.currentData() == "flexible"
        self.required_hours.setEnabled(flexible)
        for w in (self.start, self.end, self.crosses_midnight, self.in_before, self.in_after, self.out_before,
                  self.out_after, self.late_grace, self.late_absent, self.late_absent_after, self.late_absent_as,
                  self.ot_before_on, self.ot_before):
            w.setEnabled(not flexible)

    def value(self) -> Timetable:
        flexible = self.kind.currentData() == "flexible"
        return Timetable(
            self.name.text().strip(), time(self.start.time().hour(), self.start.time().minute()),
            time(self.end.time().hour(), self.end.time().minute()), self.crosses_midnight.isChecked(),
            self.in_before.value(), self.in_after.value(), self.out_before.value(), self.out_after.value(),
            self.break_minutes.value(), self.break_must_punch.isChecked(), self.late_grace.value(),
            self.early_grace.value(), self.late_absent_after.value() if self.late_absent.isChecked() else None,
            self.late_absent_as.currentData(), Rounding(self.round_in_unit.value(), self.round_in_mode.currentData()),
            Rounding(self.round_out_unit.value(), self.round_out_mode.currentData()),
            self.ot_after.value() if self.ot_after_on.isChecked() else None,
            self.ot_before.value() if self.ot_before_on.isChecked() and not flexible else None,
            self.min_ot.value(), "flexible" if flexible else "fixed",
            round(self.required_hours.value() * 60) if flexible else 0)


class ShiftDialog(_ValueDialog):
    """A week (Monday first) or an N-day rotation; each day a timetable or a day off."""

    def __init__(self, timetables: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add shift"))
        self.timetables = timetables
        self.name = QLineEdit(self)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("Weekly"), "weekly")
        self.kind.addItem(self.tr("Rotation of N days"), "rotation")
        self.length = QSpinBox(self)
        self.length.setRange(1, MAX_CYCLE_DAYS)
        self.length.setValue(7)
        self.length.setSuffix(self.tr(" days"))
        self.days = QTableWidget(0, 1, self)
        self.days.setHorizontalHeaderLabels([self.tr("Timetable")])
        self.days.horizontalHeader().setStretchLastSection(True)
        self.days.setMinimumHeight(260)
        self.setMinimumWidth(380)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Repeats"), self.kind)
        form.addRow(self.tr("Cycle length"), self.length)
        form.addRow(QLabel(self.tr("A rotation's day 1 is the first day of each assignment."), self))
        form.addRow(self.days)
        self._finish(form)
        self.kind.currentIndexChanged.connect(self._rebuild)
        self.length.valueChanged.connect(self._rebuild)
        self._rebuild()

    def _day_label(self, i: int) -> str:
        if self.kind.currentData() == "weekly":
            return [self.tr("Monday"), self.tr("Tuesday"), self.tr("Wednesday"), self.tr("Thursday"),
                    self.tr("Friday"), self.tr("Saturday"), self.tr("Sunday")][i]
        return self.tr("Day %1").replace("%1", str(i + 1))

    def _rebuild(self) -> None:
        weekly = self.kind.currentData() == "weekly"
        if weekly and self.length.value() != 7:
            self.length.setValue(7)  # comes back here
            return
        self.length.setEnabled(not weekly)
        kept = self.chosen()
        n = self.length.value()
        self.days.setRowCount(n)
        for i in range(n):
            box = QComboBox(self.days)
            box.addItem(self.tr("Day off"), None)
            for name in self.timetables:
                box.addItem(name, name)
            default = (self.timetables[0] if self.timetables and (not weekly or i < 5) else None)
            box.setCurrentIndex(max(box.findData(kept[i] if i < len(kept) else default), 0))
            self.days.setCellWidget(i, 0, box)
        self.days.setVerticalHeaderLabels([self._day_label(i) for i in range(n)])

    def chosen(self) -> list[str | None]:
        return [self.days.cellWidget(i, 0).currentData() for i in range(self.days.rowCount())
                if self.days.cellWidget(i, 0) is not None]

    def set_day(self, i: int, timetable: str | None) -> None:
        box = self.days.cellWidget(i, 0)
        box.setCurrentIndex(max(box.findData(timetable), 0))

    def value(self) -> Shift:
        return Shift(self.name.text().strip(), self.kind.currentData(), tuple(self.chosen()))


class AssignmentDialog(_ValueDialog):
    """A shift for an employee or a department from a day; optionally until a day, and
    "temporary" (one employee, a date range that beats every other schedule)."""

    def __init__(self, shifts: list[str], employees, departments: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign shift"))
        self.shift = QComboBox(self)
        self.shift.addItems(shifts)
        self.to_employee = QRadioButton(self.tr("Employee"), self)
        self.to_department = QRadioButton(self.tr("Department"), self)
        self.to_employee.setChecked(True)
        self.employee = QComboBox(self)
        for e in employees:
            self.employee.addItem(f"{e.name} ({e.number})", e.id)
        self.department = QComboBox(self)
        self.department.addItems(departments)
        self.start = date_edit(self)
        self.until = QCheckBox(self.tr("Until"), self)
        self.end = date_edit(self)
        self.temporary = QCheckBox(self.tr("Temporary schedule (beats every other one in its dates)"), self)
        form = QFormLayout()
        form.addRow(self.tr("Shift"), self.shift)
        form.addRow(self.to_employee, self.employee)
        form.addRow(self.to_department, self.department)
        form.addRow(self.tr("From"), self.start)
        form.addRow(self.until, self.end)
        form.addRow("", self.temporary)
        self._finish(form)
        for w in (self.to_employee.toggled, self.until.toggled, self.temporary.toggled):
            w.connect(self._update)
        self._update()

    def _update(self) -> None:
        if self.temporary.isChecked():  # one employee, with an end day
            self.to_employee.setChecked(True)
            self.until.setChecked(True)
        self.employee.setEnabled(self.to_employee.isChecked())
        self.department.setEnabled(not self.to_employee.isChecked())
        self.end.setEnabled(self.until.isChecked())

    def value(self) -> Assignment:
        if not self.shift.currentText():
            raise InvalidValueError(self.tr("Add a shift first."))
        emp = self.employee.currentData() if self.to_employee.isChecked() else None
        dept = None if self.to_employee.isChecked() else self.department.currentText().strip() or None
        if emp is None and dept is None:
            raise InvalidValueError(self.tr("Choose an employee or a department."))
        return Assignment(self.shift.currentText(), pydate(self.start.date()), emp, dept,
                          pydate(self.end.date()) if self.until.isChecked() else None, self.temporary.isChecked())


class HolidayDialog(_ValueDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add public holiday"))
        self.day = date_edit(self)
        self.name = QLineEdit(self)
        form = QFormLayout()
        form.addRow(self.tr("Date"), self.day)
        form.addRow(self.tr("Name"), self.name)
        self._finish(form)

    def value(self) -> Holiday:
        if not self.name.text().strip():
            raise InvalidValueError(self.tr("A holiday needs a name."))
        return Holiday(pydate(self.day.date()), self.name.text().strip())


def leave_kind_text(kind: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return {"annual": QCoreApplication.translate("LeaveDialog", "Annual"),
            "sick": QCoreApplication.translate("LeaveDialog", "Sick"),
            "unpaid": QCoreApplication.translate("LeaveDialog", "Unpaid"),
            "other": QCoreApplication.translate("LeaveDialog", "Other")}.get(kind, kind)


class LeaveDialog(_ValueDialog):
    """Leave of one employee on every day from..to; value() is the service's arguments."""

    def __init__(self, employees, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add leave"))
        self.employee = QComboBox(self)
        for e in employees:
            self.employee.addItem(f"{e.name} ({e.number})", e.id)
        self.first = date_edit(self)
        self.last = date_edit(self)
        self.kind = QComboBox(self)
        for k in LEAVE_KINDS:
            self.kind.addItem(leave_kind_text(k), k)
        self.half = QCheckBox(self.tr("Half day"), self)
        self.paid = QCheckBox(self.tr("Paid"), self)
        self.paid.setChecked(True)
        self.note = QLineEdit(self)
        form = QFormLayout()
        form.addRow(self.tr("Employee"), self.employee)
        form.addRow(self.tr("From"), self.first)
        form.addRow(self.tr("To"), self.last)
        form.addRow(self.tr("Type"), self.kind)
        form.addRow("", self.half)
        form.addRow("", self.paid)
        form.addRow(self.tr("Note"), self.note)
        self._finish(form)
        self.kind.currentIndexChanged.connect(lambda: self.paid.setChecked(self.kind.currentData() != "unpaid"))

    def value(self) -> dict:
        if self.employee.currentData() is None:
            raise InvalidValueError(self.tr("Choose an employee."))
        first, last = pydate(self.first.date()), pydate(self.last.date())
        if first > last:
            raise InvalidValueError(self.tr("The From date is after the To date."))
        return dict(employee_id=self.employee.currentData(), first=first, last=last, kind=self.kind.currentData(),
                    portion="half" if self.half.isChecked() else "full", paid=self.paid.isChecked(),
                    note=self.note.text().strip())
