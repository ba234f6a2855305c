"""Schedules page: timetables (add, edit, refused rules), shifts, assignments, holidays and
leave are saved through TimekeepingService and shown in their lists."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QDate, QTime

from faceapp.timekeeping.rules import Shift, Timetable
from faceapp.ui.schedule_dialogs import (AssignmentDialog, HolidayDialog, LeaveDialog, ShiftDialog,
                                         TimetableDialog)

from timekeeping_helpers import cells, person


def _page(ctx, window_factory, tmp_path, qtbot):
    w = window_factory(ctx, camera_source=str(tmp_path / "none.mp4"), autostart=False)
    w.tabs.setCurrentWidget(w.schedules_page)
    page = w.schedules_page
    qtbot.waitUntil(lambda: "employees" in page.data, timeout=5000)
    return page


def test_timetable_added_with_every_rule_then_edited(ctx, window_factory, qtbot, tmp_path):
    page = _page(ctx, window_factory, tmp_path, qtbot)
    dlg = TimetableDialog(None, page)
    dlg.name.setText("Night")
    dlg.start.setTime(QTime(22, 0))
    dlg.end.setTime(QTime(6, 0))
    dlg.crosses_midnight.setChecked(True)
    dlg.in_before.setValue(60)
    dlg.in_after.setValue(120)
    dlg.out_before.setValue(120)
    dlg.out_after.setValue(180)
    dlg.break_minutes.setValue(30)
    dlg.late_grace.setValue(5)
    dlg.early_grace.setValue(3)
    dlg.late_absent.setChecked(True)
    dlg.late_absent_after.setValue(90)
    dlg.late_absent_as.setCurrentIndex(dlg.late_absent_as.findData("half_day"))
    dlg.round_in_unit.setValue(15)
    dlg.round_in_mode.setCurrentIndex(dlg.round_in_mode.findData("up"))
    dlg.ot_after_on.setChecked(True)
    dlg.ot_after.setValue(30)
    dlg.min_ot.setValue(15)
    page.save_timetable(dlg.value())
    qtbot.waitUntil(lambda: page.timetables.table.rowCount() == 1, timeout=5000)
    tt = ctx.timekeeping().timetables()["Night"]
    assert (tt.start, tt.end, tt.crosses_midnight) == (time(22), time(6), True)
    assert (tt.in_before, tt.in_after, tt.out_before, tt.out_after, tt.break_minutes) == (60, 120, 120, 180, 30)
    assert (tt.late_grace, tt.early_grace, tt.late_absent_after, tt.late_absent_as) == (5, 3, 90, "half_day")
    assert (tt.round_in.unit, tt.round_in.mode, tt.ot_after, tt.ot_before, tt.min_ot) == (15, "up", 30, None, 15)
    row = cells(page.timetables.table)[0]
    assert row[:5] == ["Night", "fixed", "22:00", "06:00", "yes"] and row[9] == "5 / 3"

    edit = TimetableDialog(tt, page)  # Edit: the name stays, the rules change
    assert edit.name.isReadOnly() and edit.late_grace.value() == 5 and edit.round_in_mode.currentData() == "up"
    edit.late_grace.setValue(10)
    page.save_timetable(edit.value(), editing=True)
    qtbot.waitUntil(lambda: cells(page.timetables.table)[0][9] == "10 / 3", timeout=5000)
    assert ctx.timekeeping().timetables()["Night"].late_grace == 10


def test_a_rule_that_cannot_work_is_refused_in_the_dialog(qtbot):
    dlg = TimetableDialog()
    qtbot.addWidget(dlg)
    dlg.name.setText("Bad")
    dlg.start.setTime(QTime(22, 0))
    dlg.end.setTime(QTime(6, 0))  # no "crosses midnight"
    dlg.show()
    dlg.accept()
    assert dlg.isVisible() and not dlg.error.isHidden()
    assert "crosses midnight" in dlg.error.text()
    dlg.crosses_midnight.setChecked(True)
    dlg.in_after.setValue(120)
    dlg.out_before.setValue(120)
    dlg.accept()
    assert dlg.result() == dlg.DialogCode.Accepted


def test_flexible_timetable_and_a_rotation(ctx, window_factory, qtbot, tmp_path):
    page = _page(ctx, window_factory, tmp_path, qtbot)
    dlg = TimetableDialog(None, page)
    dlg.name.setText("Flex")
    dlg.kind.setCurrentIndex(dlg.kind.findData("flexible"))
    dlg.required_hours.setValue(7.5)
    assert not dlg.start.isEnabled()
    page.save_timetable(dlg.value())
    qtbot.waitUntil(lambda: page.timetables.table.rowCount() == 1 and page.add_shift_button.isEnabled(), timeout=5000)
    assert ctx.timekeeping().timetables()["Flex"].required_minutes == 450
    assert cells(page.timetables.table)[0][5] == "7:30"

    shift = ShiftDialog(list(page.data["timetables"]), page)
    shift.name.setText("4on4off")
    shift.kind.setCurrentIndex(shift.kind.findData("rotation"))
    shift.length.setValue(8)
    for i in range(8):
        shift.set_day(i, "Flex" if i < 4 else None)
    page.save_shift(shift.value())
    qtbot.waitUntil(lambda: page.shifts.table.rowCount() == 1, timeout=5000)
    assert ctx.timekeeping().shifts()["4on4off"] == Shift("4on4off", "rotation", ("Flex",) * 4 + (None,) * 4)
    assert cells(page.shifts.table)[0][1] == "8-day rotation"
    assert cells(page.shifts.table)[0][2].startswith("1: Flex, 2: Flex, 3: Flex, 4: Flex, 5: off")


def test_assignments_by_department_and_employee_and_temporary(ctx, window_factory, qtbot, tmp_path):
    ana = person(ctx, "42", "Ana Silva", "Ops")
    tk = ctx.timekeeping()
    tk.add_timetable(Timetable("Day"))
    tk.add_shift(Shift("Office", "weekly", ("Day",) * 5 + (None, None)))
    page = _page(ctx, window_factory, tmp_path, qtbot)
    qtbot.waitUntil(lambda: page.assign_button.isEnabled(), timeout=5000)
    dlg = AssignmentDialog(list(page.data["shifts"]), page.data["employees"], page.departments(), page)
    dlg.to_department.setChecked(True)
    assert dlg.department.currentText() == "Ops"
    dlg.start.setDate(QDate(2026, 11, 1))
    page.save_assignment(dlg.value())
    qtbot.waitUntil(lambda: page.assignments.table.rowCount() == 1, timeout=5000)
    dlg = AssignmentDialog(list(page.data["shifts"]), page.data["employees"], page.departments(), page)
    dlg.temporary.setChecked(True)  # one employee with an end day
    assert dlg.to_employee.isChecked() and dlg.until.isChecked()
    dlg.start.setDate(QDate(2026, 11, 9))
    dlg.end.setDate(QDate(2026, 11, 13))
    page.save_assignment(dlg.value())
    qtbot.waitUntil(lambda: page.assignments.table.rowCount() == 2, timeout=5000)
    rows = cells(page.assignments.table)
    assert rows[0][:4] == ["Office", "Department Ops", "2026-11-01", ""]
    assert rows[1] == ["Office", "Ana Silva (42)", "2026-11-09", "2026-11-13", "yes"]
    saved = tk.assignments()
    assert saved[1].employee_id == ana.id and saved[1].temporary and saved[1].end == date(2026, 11, 13)


def test_holidays_added_and_imported_and_leave(ctx, window_factory, qtbot, tmp_path):
    ana = person(ctx, "42", "Ana Silva", "Ops")
    page = _page(ctx, window_factory, tmp_path, qtbot)
    dlg = HolidayDialog(page)
    dlg.day.setDate(QDate(2026, 12, 25))
    dlg.name.setText("Christmas")
    page.save_holiday(dlg.value())
    csv = tmp_path / "holidays.csv"
    csv.write_text("date,name\n2026-10-01,国庆节\n2027-01-01,New Year\n", encoding="utf-8")
    qtbot.waitUntil(lambda: page.holidays.table.rowCount() == 1, timeout=5000)
    page.import_holidays(str(csv))
    qtbot.waitUntil(lambda: page.holidays.table.rowCount() == 3, timeout=5000)
    assert [r[0] + " " + r[2] for r in cells(page.holidays.table)] == [
        "2026-10-01 国庆节", "2026-12-25 Christmas", "2027-01-01 New Year"]

    page.leave_first.setDate(QDate(2026, 11, 1))
    page.leave_last.setDate(QDate(2026, 11, 30))
    leave = LeaveDialog(page.data["employees"], page)
    leave.first.setDate(QDate(2026, 11, 5))
    leave.last.setDate(QDate(2026, 11, 6))
    leave.kind.setCurrentIndex(leave.kind.findData("unpaid"))
    assert not leave.paid.isChecked()  # unpaid leave is unpaid by default
    leave.half.setChecked(True)
    page.save_leave(leave.value())
    qtbot.waitUntil(lambda: page.leave.table.rowCount() == 2, timeout=5000)
    assert cells(page.leave.table)[0] == ["2026-11-05", "Ana Silva (42)", "Unpaid", "half day", "no", ""]
    got = ctx.timekeeping().leave(date(2026, 11, 1), date(2026, 11, 30))
    assert [(lv.employee_id, lv.kind, lv.portion, lv.paid) for lv in got] == [(ana.id, "unpaid", "half", False)] * 2


def test_a_refused_save_is_said(ctx, window_factory, qtbot, tmp_path, monkeypatch):
    """A second timetable of the same name: the service's sentence in a message box."""
    ctx.timekeeping().add_timetable(Timetable("Day"))
    page = _page(ctx, window_factory, tmp_path, qtbot)
    said = []
    monkeypatch.setattr("faceapp.ui.schedules_page.QMessageBox.warning", lambda *a: said.append(a[2]))
    page.save_timetable(Timetable("Day"))
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert "already exists" in said[0]
