"""Time keeping for the CLI and the GUI: schedules, leave, holidays, punch corrections,
daily results computed on demand, and the reports (XLSX, CSV; PDF is drawn by the UI).

Plain dataclasses in and out, no Qt: a Schedules page or a Reports page calls these
methods directly. Results are computed from the stored punches and rules each time
(a month of 500 people takes well under a second, see build/bench_timekeeping.py), so
they can never be stale after a punch, a schedule, a leave entry or a correction."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..attendance.csv_export import ExportError, write_table_csv
from ..attendance.settings import AttendanceSettings
from ..shared.errors import InputFileError, InvalidValueError
from ..shared.records import Employee, Kind
from ..shared.text import department_matches
from ..shared.timezones import day_bounds, local_day, resolve_timezone
from ..timekeeping import reports
from ..timekeeping.daily import DayResult, Schedules, compute_results
from ..timekeeping.rules import Assignment, Holiday, Leave, Punch, Shift, Timetable
from ..timekeeping.xlsx import write_xlsx
from .site_fallback import SiteFallback

if TYPE_CHECKING:
    from ..storage.repository import Repository
    from .site_fallback import WentOffline

log = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
REPORTS: tuple[str, ...] = ("timecard", "summary", "exceptions", "payroll")


class PeriodError(InvalidValueError):
    """A report period that runs backwards or is longer than a year (exit 2)."""


class UnknownPeopleError(InvalidValueError):
    """An employee number or department that matches nobody (exit 2)."""


@dataclass(frozen=True)
class Period:
    """Daily results of first..last and the people they are about (by id)."""

    first: date
    last: date
    results: list[DayResult]
    people: dict[int, Employee]


def check_period(first: date, last: date) -> None:
    if first > last:
        raise PeriodError(f"the period runs backwards: {first} is after {last}")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"the period {first} to {last} is longer than a year ({MAX_PERIOD_DAYS} days at most)")


class TimekeepingService:
    def __init__(self, repo: "Repository", attendance: AttendanceSettings,
                 site_punches: "Callable[[datetime, datetime], list[Punch]] | None" = None,
                 went_offline: "WentOffline | None" = None) -> None:
        self.repo = repo
        # A site kiosk's reports: the whole site's punches from the server (faceapp.sync),
        # its own while the server is unreachable (self.site.offline_since says so);
        # the kiosk banner's "late 12 min" stays on local data (it must work offline)
        self.site_punches = site_punches
        self.site = SiteFallback(went_offline)
        self.tz = resolve_timezone(attendance.timezone or None)
        self.day_change_hour = attendance.day_start_hour

    # -- schedules -----------------------------------------------------------------------------

    def add_timetable(self, tt: Timetable, actor: str = "admin") -> Timetable:
        return self.repo.add_timetable(tt, actor)

    def update_timetable(self, tt: Timetable, actor: str = "admin") -> Timetable:
        return self.repo.update_timetable(tt, actor)

    def timetables(self) -> dict[str, Timetable]:
        return self.repo.timetables()

    def add_shift(self, shift: Shift, actor: str = "admin") -> Shift:
        return self.repo.add_shift(shift, actor)

    def shifts(self) -> dict[str, Shift]:
        return self.repo.shifts()

    def assign(self, assignment: Assignment, actor: str = "admin") -> Assignment:
        if assignment.department is not None and not any(
                e.department == assignment.department for e in self.repo.list_employees()):
            raise UnknownPeopleError(f"no employee is in department {assignment.department!r}")
        return self.repo.assign_shift(assignment, actor)

    def assignments(self) -> list[Assignment]:
        return self.repo.assignments()

    def add_holidays(self, holidays: Sequence[Holiday], actor: str = "admin") -> int:
        return self.repo.add_holidays(holidays, actor)

    def import_holidays(self, path: str | Path, actor: str = "admin") -> int:
        """A CSV with header date,name (UTF-8, BOM allowed): all rows or none."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputFileError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or not {"date", "name"} <= set(rows[0]):
            raise InputFileError(f"{path}: expected a header date,name and at least one row")
        holidays = []
        for n, row in enumerate(rows, start=2):
            try:
                holidays.append(Holiday(date.fromisoformat((row["date"] or "").strip()), (row["name"] or "").strip()))
            except ValueError:
                raise InputFileError(f"{path} line {n}: {row['date']!r} is not a date (YYYY-MM-DD)") from None
        return self.repo.add_holidays(holidays, actor)

    def holidays(self, first: date | None = None, last: date | None = None) -> dict[date, Holiday]:
        return self.repo.holidays(first, last)

    def add_leave(self, employee_id: int, first: date, last: date, kind: str, portion: str = "full",
                  paid: bool | None = None, note: str = "", actor: str = "admin") -> int:
        """Leave on every day first..last; unpaid leave is unpaid unless said otherwise."""
        check_period(first, last)
        paid = kind != "unpaid" if paid is None else paid
        entries = [Leave(employee_id, first + timedelta(days=i), kind, portion, paid, note)
                   for i in range((last - first).days + 1)]
        return self.repo.add_leave(entries, actor)

    def leave(self, first: date, last: date) -> list[Leave]:
        """Leave days of everyone in first..last, by day (the Schedules page's list)."""
        check_period(first, last)
        return self.repo.leave(first, last)

    # -- corrections ---------------------------------------------------------------------------------

    def add_punch(self, employee_id: int, ts: datetime, reason: str, actor: str, kind: Kind | None = None) -> int:
        """Add a forgotten punch; kind (for the log) defaults to "in" when it is the first
        punch of its local day, else "out"."""
        if kind is None:
            day = local_day(ts, self.tz, self.day_change_hour)
            start, _ = day_bounds(day, self.tz, self.day_change_hour)
            earlier = self.repo.events(start, ts, employee_ids=[employee_id])
            kind = "out" if earlier else "in"
        return self.repo.add_punch(employee_id, ts, kind, reason, actor)

    def void_punch(self, punch_id: int, reason: str, actor: str) -> Punch:
        return self.repo.void_punch(punch_id, reason, actor)

    def restore_punch(self, punch_id: int, reason: str, actor: str) -> Punch:
        return self.repo.restore_punch(punch_id, reason, actor)

    def punch_marks(self, first: date, last: date) -> dict[int, str]:
        """Attendance row id -> "void" or "corrected" (added, or voided and restored) for the
        local days first..last: the attendance log marks these rows."""
        start = day_bounds(first, self.tz, self.day_change_hour)[0]
        end = day_bounds(last, self.tz, self.day_change_hour)[1]
        return {p.id: "void" if p.voided else "corrected" for p in self.repo.punches(start, end)
                if p.id is not None and (p.voided or p.corrected)}

    def punch_history(self, punch_id: int) -> list[tuple[str, str, str, datetime]]:
        """(action, reason, actor, when) of one punch's corrections, oldest first."""
        return self.repo.punch_corrections(punch_id)

    def punches(self, employee_id: int, first: date, last: date) -> list[Punch]:
        """One person's punches of the local days first..last, voided and added ones marked."""
        check_period(first, last)
        start = day_bounds(first, self.tz, self.day_change_hour)[0]
        end = day_bounds(last, self.tz, self.day_change_hour)[1]
        return [p for p in self.repo.punches(start, end) if p.employee_id == employee_id]

    # -- results -----------------------------------------------------------------------------------------

    def people(self, employee_numbers: Sequence[str] | None = None, department: str | None = None) -> list[Employee]:
        """The employees a report is about; an unknown number or a department nobody is in
        is an error rather than an empty report."""
        everyone = self.repo.list_employees()
        chosen = everyone
        if employee_numbers:
            by_number = {e.number: e for e in everyone}
            unknown = [n for n in employee_numbers if n.strip() not in by_number]
            if unknown:
                raise UnknownPeopleError(f"unknown employee number {', '.join(unknown)}")
            chosen = [by_number[n.strip()] for n in employee_numbers]
        if department:
            chosen = [e for e in chosen if department_matches(e.department, department)]
            if not chosen:
                raise UnknownPeopleError(f"no employee in a department matching {department!r}")
        return chosen

    def period(self, first: date, last: date, employee_numbers: Sequence[str] | None = None,
               department: str | None = None) -> Period:
        """Daily results for first..last of the chosen people (everyone by default)."""
        check_period(first, last)
        people = self.people(employee_numbers, department)
        return self.results_for(people, first, last, site=True)

    def results_for(self, people: Sequence[Employee], first: date, last: date, site: bool = False) -> Period:
        """site=True: from the site's punches on a site kiosk (the reports)."""
        check_period(first, last)
        # Windows reach up to a day around a shift, and the day before `first` is computed too.
        start = day_bounds(first - timedelta(days=2), self.tz, self.day_change_hour)[0]
        end = day_bounds(last + timedelta(days=2), self.tz, self.day_change_hour)[1]
        wanted = {e.id for e in people}
        site_punches = self.site_punches
        if site and site_punches is not None:
            every = self.site.read(lambda: site_punches(start, end), lambda: self.repo.punches(start, end))
        else:
            every = self.repo.punches(start, end)
        punches = [p for p in every if p.employee_id in wanted]
        schedules = Schedules(self.repo.timetables(), self.repo.shifts(), self.repo.assignments(),
                              self.repo.holidays(first - timedelta(days=1), last),
                              [lv for lv in self.repo.leave(first - timedelta(days=1), last) if lv.employee_id in wanted])
        results = compute_results(people, punches, schedules, first, last, self.tz, self.day_change_hour)
        return Period(first, last, results, {e.id: e for e in people})

    def late_minutes(self, employee_id: int, ts: datetime) -> int:
        """Minutes late of the person's shift that day, as the rules count them (0: on time,
        off duty or no schedule), for a kiosk banner such as "late 12 min"."""
        emp = self.repo.get_employee(employee_id)
        if emp is None:
            return 0
        day = local_day(ts, self.tz, self.day_change_hour)
        period = self.results_for([emp], day, day)
        return next((r.late_min for r in period.results if r.day == day), 0)

    # -- reports -----------------------------------------------------------------------------------------

    def report_tables(self, report: str, period: Period) -> list[reports.Table]:
        if report == "timecard":
            return [reports.timecard(period.results, period.people)]
        if report == "summary":
            return [reports.summary_by_employee(period.results, period.people),
                    reports.summary_by_department(period.results, period.people)]
        if report == "exceptions":
            return [reports.exceptions(period.results, period.people)]
        if report == "payroll":
            return [reports.payroll(period.results, period.people, period.first, period.last)]
        raise InvalidValueError(f"report {report!r}: choose one of {', '.join(REPORTS)}")

    def export(self, tables: Sequence[reports.Table], out: str | Path,
               pdf_writer: Callable[[Sequence[reports.Table], Path, str], None] | None = None,
               title: str = "") -> int:
        """Write the tables to out by its suffix: .xlsx (one sheet each), .csv (the first
        table, through the Excel-safe CSV writer), .pdf (through pdf_writer, which the UI
        provides: Qt draws it). Returns the rows written."""
        out = Path(out)
        self.repo.refuse_own_file(out, "a report file")
        suffix = out.suffix.lower()
        rows = sum(len(t.rows) for t in tables)
        if suffix == ".xlsx":
            try:
                write_xlsx(tables, out)
            except OSError as exc:
                raise ExportError(f"cannot write {out}: {exc.strerror or exc}; nothing was written") from exc
        elif suffix == ".csv":
            table = tables[0]
            kinds = [c.kind for c in table.columns]
            return write_table_csv(out, table.header,
                                   ([reports.cell_text(k, v) for k, v in zip(kinds, row)] for row in table.rows))
        elif suffix == ".pdf":
            if pdf_writer is None:
                raise InvalidValueError("PDF needs the desktop UI's printing (PySide6)")
            pdf_writer(tables, out, title)
        else:
            raise InvalidValueError(f"{out.name}: choose a .xlsx, .csv or .pdf file name")
        log.info("report written to %s (%d rows)", out, rows)
        return rows

