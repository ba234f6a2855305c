"""Shared set-up of the time-keeping UI tests: people, a 09:00-17:00 week and punches."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import numpy as np

from faceapp.shared.records import AttendanceEvent
from faceapp.timekeeping.rules import Assignment, Shift, Timetable

MONDAY = date(2026, 11, 2)  # a past Monday (the tests' clock is later)


def person(ctx, number: str, name: str, dept: str):
    emb = np.random.default_rng(int(number)).standard_normal((1, 128)).astype(np.float32)
    return ctx.repo.enrol(number, name, dept, datetime.now(timezone.utc), emb, [1.0], "test-model")


def utc_site(ctx) -> None:
    """The site's time zone is UTC, so local clock times in the tests are the stored ones."""
    ctx.save_settings(type(ctx.settings).from_dict({**ctx.settings.to_dict(), "timezone": "UTC"}))


def office_week(ctx, *emps, grace: int = 0) -> None:
    tk = ctx.timekeeping()
    tk.add_timetable(Timetable("Day", time(9), time(17), late_grace=grace))
    tk.add_shift(Shift("Office", "weekly", ("Day",) * 5 + (None, None)))
    for e in emps:
        tk.assign(Assignment("Office", MONDAY.replace(day=1), employee_id=e.id))


def punch(ctx, emp, day: date, hh: int, mm: int, kind: str = "in") -> AttendanceEvent:
    return ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime(day.year, day.month, day.day, hh, mm,
                                                                    tzinfo=timezone.utc), kind, "cam"))


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]
