"""book_attendance: the booking rule runs inside the write transaction, on the latest row."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from faceapp.attendance.rules import AttendanceRules
from faceapp.storage import EmployeeNotFoundError
from storage_helpers import enrol

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def test_booking_decides_from_the_latest_event_and_inserts(repo):
    emp, _ = enrol(repo)
    rules = AttendanceRules(cooldown_s=60, tz="UTC")
    rule = lambda ts: (lambda last: rules.decide(emp.id, ts, last))  # noqa: E731
    first = repo.book_attendance(emp.id, T0, rule(T0), "cam", 0.3, 0.1)
    assert first.kind == "in" and first.last is None and first.event.id is not None
    assert first.event.employee_name == emp.name
    repeat = repo.book_attendance(emp.id, T0 + timedelta(seconds=30), rule(T0 + timedelta(seconds=30)))
    assert repeat.event is None and repeat.last.id == first.event.id  # within the cooldown
    later = repo.book_attendance(emp.id, T0 + timedelta(minutes=5), rule(T0 + timedelta(minutes=5)))
    assert later.kind == "out"
    assert [(e.kind, e.ts) for e in repo.events()] == [("in", T0), ("out", T0 + timedelta(minutes=5))]


def test_a_failing_rule_writes_nothing_and_a_bad_kind_is_refused(repo):
    emp, _ = enrol(repo)
    with pytest.raises(ValueError, match="lunch"):
        repo.book_attendance(emp.id, T0, lambda last: "lunch")
    with pytest.raises(EmployeeNotFoundError):
        repo.book_attendance(emp.id + 9, T0, lambda last: "in")
    assert repo.events() == [] and not repo.db.conn.in_transaction


def test_booking_decides_within_the_events_local_day_not_from_the_latest_event(repo):
    """Issue 18 item 5: one future-dated event (a year typo in --start) made every later day
    "in, in" with 0 h worked, and so did back-filling yesterday after today's events."""
    emp, _ = enrol(repo)
    rules = AttendanceRules(cooldown_s=60, tz="Europe/Berlin")

    def book(ts: datetime) -> str | None:
        return repo.book_attendance(emp.id, ts, lambda evs: rules.decide(emp.id, ts, evs),
                                    window=rules.booking_window(ts)).kind

    assert book(T0.replace(year=2027)) == "in"  # the typo
    assert [book(T0), book(T0 + timedelta(hours=9))] == ["in", "out"]
    yesterday = T0 - timedelta(days=1)
    assert [book(yesterday), book(yesterday + timedelta(hours=8))] == ["in", "out"]  # back-filled
    summary = {s.day.isoformat(): s.worked for s in rules.summaries(repo.events())}
    assert summary == {"2026-11-22": timedelta(hours=8), "2026-11-23": timedelta(hours=9),
                       "2027-11-23": timedelta(0)}
