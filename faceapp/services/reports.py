"""Attendance queries and CSV export shared by the CLI and the log page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..attendance.csv_export import write_events_csv, write_summary_csv
from ..attendance.rules import AttendanceRules
from ..shared.errors import FaceAppError, InvalidValueError
from ..shared.records import AttendanceEvent, DailySummary
from ..shared.text import department_matches
from ..shared.timezones import day_bounds
from .site_fallback import SiteFallback

if TYPE_CHECKING:
    from ..storage.repository import Repository
    from .site_fallback import WentOffline


class DateRangeError(FaceAppError):
    """The first day of a range is after its last day."""


class DayOutOfRangeError(InvalidValueError):
    """A day whose bounds a datetime cannot hold (9999-12-31 in a zone east of UTC)."""


def _bounds(day: date, rules: AttendanceRules) -> tuple:
    try:
        return day_bounds(day, rules.tz, rules.day_start_hour)
    except OverflowError:
        raise DayOutOfRangeError(f"{day} is outside the days that can be searched") from None


class ReportService:
    """Events and daily summaries of the site's attendance days, and their CSV export.

    `department` and `department_contains` are the same filter (the CLI's --department, the
    log page's field): a part of the employee's current department, ignoring case
    (shared.text.department_matches); they are kept as two names for the callers."""

    def __init__(self, repo: "Repository",
                 site_events: "Callable[[datetime | None, datetime | None, list[int] | None], list[AttendanceEvent]]"
                 " | None" = None, went_offline: "WentOffline | None" = None) -> None:
        self.repo = repo
        # A joined kiosk reads the whole site's attendance from the server (faceapp.sync),
        # the site's cooldown applied: two kiosks seeing someone at once give one booking;
        # its own events while the server is unreachable (self.site.offline_since says so).
        self.site_events = site_events
        self.site = SiteFallback(went_offline)

    def query_events(self, rules: AttendanceRules, first_day: date | None, last_day: date | None,
                     employee_ids: list[int] | None = None, department: str | None = None,
                     department_contains: str | None = None) -> list[AttendanceEvent]:
        """Events of the attendance days first_day..last_day (inclusive, local days)."""
        if first_day and last_day and first_day > last_day:
            raise DateRangeError(f"the first day {first_day} is after the last day {last_day}")
        start = _bounds(first_day, rules)[0] if first_day else None
        end = _bounds(last_day, rules)[1] if last_day else None
        wanted = department_contains or department
        if self.site_events is not None:
            site_events = self.site_events
            events = self.site.read(lambda: site_events(start, end, employee_ids),
                                    lambda: self.repo.events(start, end, employee_ids=employee_ids))
        else:
            events = self.repo.events(start, end, employee_ids=employee_ids)
        if not wanted:
            return events
        return [e for e in events if e.employee_id is not None and department_matches(e.department, wanted)]

    def summaries(self, rules: AttendanceRules, first_day: date | None, last_day: date | None,
                  employee_ids: list[int] | None = None, department: str | None = None,
                  department_contains: str | None = None) -> list[DailySummary]:
        return rules.summaries(self.query_events(rules, first_day, last_day, employee_ids, department,
                                                 department_contains))

    def export_csv(self, rules: AttendanceRules, out: str | Path, first_day: date | None, last_day: date | None,
                   employee_ids: list[int] | None = None, department: str | None = None,
                   summary: bool = False, department_contains: str | None = None, layout: str = "iso") -> int:
        """Write raw events (or daily summaries) to `out` atomically; returns the row count.
        layout: "iso" (timestamps for programs) or "excel" (local date and time columns)."""
        self.repo.refuse_own_file(out, "an export file")
        events = self.query_events(rules, first_day, last_day, employee_ids, department, department_contains)
        if summary:
            return write_summary_csv(rules.summaries(events), out, layout=layout)
        return write_events_csv(events, out, tz=rules.tz, layout=layout)
