"""Attendance queries and CSV export shared by the CLI and the log page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..core.attendance import AttendanceRules
from ..core.export import write_events_csv, write_summary_csv
from ..core.records import AttendanceEvent, DailySummary
from ..core.timezones import day_bounds


def query_events(repo, rules: AttendanceRules, first_day: date | None, last_day: date | None,
                 employee_ids: list[int] | None = None, department: str | None = None) -> list[AttendanceEvent]:
    """Events of the site's attendance days first_day..last_day (inclusive, local days)."""
    start = day_bounds(first_day, rules.tz, rules.day_start_hour)[0] if first_day else None
    end = day_bounds(last_day, rules.tz, rules.day_start_hour)[1] if last_day else None
    return repo.events(start, end, employee_ids=employee_ids, department=department)


def summaries(repo, rules: AttendanceRules, first_day: date | None, last_day: date | None,
              employee_ids: list[int] | None = None, department: str | None = None) -> list[DailySummary]:
    return rules.summaries(query_events(repo, rules, first_day, last_day, employee_ids, department))


def export_csv(repo, rules: AttendanceRules, out: str | Path, first_day: date | None, last_day: date | None,
               employee_ids: list[int] | None = None, department: str | None = None,
               summary: bool = False) -> int:
    """Write raw events (or daily summaries) to `out` atomically; returns the row count."""
    events = query_events(repo, rules, first_day, last_day, employee_ids, department)
    if summary:
        return write_summary_csv(rules.summaries(events), out)
    return write_events_csv(events, out, tz=rules.tz)
