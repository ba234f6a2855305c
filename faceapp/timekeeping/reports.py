"""Report tables from daily results: time card, monthly summary (per employee and per
department), exceptions and the payroll pay codes. Tables are plain values with typed
columns, so each writer (XLSX, CSV, PDF, a GUI table) formats a cell by its kind:

  text      plain text            number    an int or float
  id        text that looks numeric (employee numbers: "0042" stays "0042")
  date      a date                clock     a local datetime shown as a time of day
  duration  whole minutes, shown as [h]:mm in spreadsheets and H:MM in CSV

The ZKBio Time "Total Time Card" is the model of the time card's columns."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable, Mapping, Protocol, Sequence

from .daily import DayResult
from .rules import LEAVE_KINDS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ReportedPerson(Protocol):
    """What a report row shows of a person (an Employee fits)."""

    id: int
    number: str
    name: str
    department: str


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name (31 characters at most in Excel)
    columns: tuple[Column, ...]
    rows: list[list[Any]]

    @property
    def header(self) -> list[str]:
        return [c.title for c in self.columns]


def _cols(*spec: str) -> tuple[Column, ...]:
    out = []
    for s in spec:
        title, _, kind = s.partition("|")
        out.append(Column(title, kind or "text"))
    return tuple(out)


def _person(people: Mapping[int, ReportedPerson], emp: int) -> list[Any]:
    p = people.get(emp)
    return [p.number, p.name, p.department] if p is not None else ["", f"(id {emp})", ""]


def _naive(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=None) if dt is not None else None


TIMECARD_COLUMNS = _cols("Number|id", "Name", "Department", "Date|date", "Weekday", "Timetable", "Check-in|clock",
                         "Check-out|clock", "Scheduled|duration", "Worked|duration", "Late (min)|number",
                         "Early leave (min)|number", "Absent (days)|number", "Leave", "Leave hours|duration",
                         "OT normal|duration", "OT day off|duration", "OT holiday|duration", "Status", "Exceptions",
                         "Corrected")


def timecard(results: Iterable[DayResult], people: Mapping[int, ReportedPerson]) -> Table:
    """One row per employee per day (ZKBio Time's Total Time Card columns)."""
    rows = []
    for r in results:
        leave = f"{r.leave_kind}{' (half)' if r.leave_min and r.leave_min < r.scheduled_min else ''}" \
            f"{'' if r.leave_paid or not r.leave_kind else ', unpaid'}" if r.leave_kind else ""
        status = r.holiday and f"holiday: {r.holiday}" or r.status.replace("_", " ")
        rows.append([*_person(people, r.employee_id), r.day, WEEKDAYS[r.day.weekday()], r.timetable,
                     _naive(r.check_in), _naive(r.check_out), r.scheduled_min, r.worked_min, r.late_min, r.early_min,
                     r.absent_days, leave, r.leave_min, r.ot_normal_min, r.ot_dayoff_min, r.ot_holiday_min, status,
                     ", ".join(r.exceptions), "yes" if r.corrected else ""])
    return Table("Time card", TIMECARD_COLUMNS, rows)


_SUMMARY_TAIL = ("Days scheduled|number", "Present|number", "Absent (days)|number",
                 *(f"Leave {k} (days)|number" for k in LEAVE_KINDS), "Holidays|number", "Worked|duration",
                 "Regular|duration", "Late (times)|number", "Late (min)|number", "Early leave (times)|number",
                 "Early leave (min)|number", "OT normal|duration", "OT day off|duration", "OT holiday|duration",
                 "Missing punches|number", "Corrected days|number")


def _totals(rs: Sequence[DayResult]) -> list[Any]:
    leave_days = defaultdict(float)
    for r in rs:
        if r.leave_kind:
            leave_days[r.leave_kind] += 1.0 if r.status == "leave" else 0.5
    return [sum(1 for r in rs if r.scheduled), sum(1 for r in rs if r.status == "present"),
            sum(r.absent_days for r in rs), *(leave_days[k] for k in LEAVE_KINDS),
            sum(1 for r in rs if r.status == "holiday" and r.scheduled),
            sum(r.worked_min for r in rs), sum(r.regular_min for r in rs), sum(1 for r in rs if r.late_min),
            sum(r.late_min for r in rs), sum(1 for r in rs if r.early_min), sum(r.early_min for r in rs),
            sum(r.ot_normal_min for r in rs), sum(r.ot_dayoff_min for r in rs), sum(r.ot_holiday_min for r in rs),
            sum(1 for r in rs if r.missing), sum(1 for r in rs if r.corrected)]


def summary_by_employee(results: Iterable[DayResult], people: Mapping[int, ReportedPerson]) -> Table:
    by: dict[int, list[DayResult]] = defaultdict(list)
    for r in results:
        by[r.employee_id].append(r)
    rows = [[*_person(people, emp), *_totals(rs)] for emp, rs in by.items()]
    rows.sort(key=lambda row: (row[2], row[1], row[0]))
    return Table("Summary by employee", _cols("Number|id", "Name", "Department", *_SUMMARY_TAIL), rows)


def summary_by_department(results: Iterable[DayResult], people: Mapping[int, ReportedPerson]) -> Table:
    by: dict[str, list[DayResult]] = defaultdict(list)
    staff: dict[str, set[int]] = defaultdict(set)
    for r in results:
        dept = _person(people, r.employee_id)[2]
        by[dept].append(r)
        staff[dept].add(r.employee_id)
    rows = [[dept, len(staff[dept]), *_totals(rs)] for dept, rs in sorted(by.items())]
    return Table("Summary by department", _cols("Department", "Employees|number", *_SUMMARY_TAIL), rows)


EXCEPTION_COLUMNS = _cols("Number|id", "Name", "Department", "Date|date", "Weekday", "Timetable", "Exception",
                          "Minutes|number", "Days|number", "Check-in|clock", "Check-out|clock", "Corrected")


def exceptions(results: Iterable[DayResult], people: Mapping[int, ReportedPerson]) -> Table:
    """Late, early leave, absent and missing punches, one row each."""
    rows = []
    for r in results:
        base = [*_person(people, r.employee_id), r.day, WEEKDAYS[r.day.weekday()], r.timetable]
        tail = [_naive(r.check_in), _naive(r.check_out), "yes" if r.corrected else ""]
        if r.late_min:
            rows.append([*base, "late", r.late_min, None, *tail])
        if r.early_min:
            rows.append([*base, "early leave", r.early_min, None, *tail])
        if r.absent_days:
            rows.append([*base, "absent", None, r.absent_days, *tail])
        if r.missing:
            rows.append([*base, f"missing {'check-out' if r.missing == 'out' else 'check-in'}", None, None, *tail])
    return Table("Exceptions", EXCEPTION_COLUMNS, rows)


# Pay codes of the payroll export, in this order for every employee (zeros included, so a
# payroll import can map fixed codes): hours unless the code ends in _DAYS.
PAY_CODES: tuple[tuple[str, str], ...] = (
    ("REG", "regular hours worked (worked minus overtime)"),
    ("OT_NORMAL", "overtime on a working day"),
    ("OT_DAYOFF", "hours worked on a day off"),
    ("OT_HOLIDAY", "hours worked on a public holiday"),
    ("HOLIDAY", "scheduled hours that fell on a public holiday (paid holiday)"),
    ("LEAVE_ANNUAL", "annual leave hours"),
    ("LEAVE_SICK", "sick leave hours"),
    ("LEAVE_UNPAID", "unpaid leave hours"),
    ("LEAVE_OTHER", "other leave hours"),
    ("ABSENT_DAYS", "days absent without leave (half days as 0.5)"),
)
PAYROLL_COLUMNS = _cols("employee_number|id", "employee_name", "department", "period_start|date", "period_end|date",
                        "pay_code", "hours|number", "days|number", "paid")


def payroll(results: Iterable[DayResult], people: Mapping[int, ReportedPerson], first: date, last: date) -> Table:
    """One row per employee and pay code: hours (2 decimals) or days."""
    by: dict[int, list[DayResult]] = defaultdict(list)
    for r in results:
        by[r.employee_id].append(r)
    rows = []
    order = sorted(by, key=lambda e: tuple(_person(people, e)))
    for emp in order:
        rs = by[emp]
        minutes = {"REG": sum(r.regular_min for r in rs), "OT_NORMAL": sum(r.ot_normal_min for r in rs),
                   "OT_DAYOFF": sum(r.ot_dayoff_min for r in rs), "OT_HOLIDAY": sum(r.ot_holiday_min for r in rs),
                   "HOLIDAY": sum(r.holiday_min for r in rs)}
        days: dict[str, float] = defaultdict(float)
        paid: dict[str, bool] = {}
        for k in LEAVE_KINDS:
            code = f"LEAVE_{k.upper()}"
            mine = [r for r in rs if r.leave_kind == k]
            minutes[code] = sum(r.leave_min for r in mine)
            days[code] = sum(1.0 if r.status == "leave" else 0.5 for r in mine)
            paid[code] = k != "unpaid" and all(r.leave_paid for r in mine)
        for code, _ in PAY_CODES:
            if code == "ABSENT_DAYS":
                rows.append([*_person(people, emp), first, last, code, None, sum(r.absent_days for r in rs), "no"])
                continue
            hours = round(minutes[code] / 60, 2)
            day_count = days.get(code) if code.startswith("LEAVE_") else None
            rows.append([*_person(people, emp), first, last, code, hours, day_count,
                         "yes" if paid.get(code, True) else "no"])
    return Table("Payroll", PAYROLL_COLUMNS, rows)


def cell_text(kind: str, value: Any) -> str:
    """A cell as CSV/PDF text: dates ISO, check-in/out as local "YYYY-MM-DD HH:MM" (a night
    shift's check-out is on the next day), durations H:MM, numbers without trailing zeros."""
    if value is None or value == "":
        return ""
    if kind == "date":
        return value.isoformat()
    if kind == "clock":
        return value.strftime("%Y-%m-%d %H:%M")
    if kind == "duration":
        m = int(value)
        return f"{'-' if m < 0 else ''}{abs(m) // 60}:{abs(m) % 60:02d}"
    if kind == "number":
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value)
