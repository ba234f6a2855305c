"""Rules check themselves when made (faceapp.timekeeping.rules)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from faceapp.shared.errors import InvalidValueError
from faceapp.timekeeping.rules import Assignment, Leave, Rounding, Shift, Timetable, TimekeepingRuleError


def test_end_before_start_needs_crosses_midnight():
    with pytest.raises(TimekeepingRuleError, match="crosses midnight"):
        Timetable("N", time(22), time(6))
    assert Timetable("N", time(22), time(6), crosses_midnight=True, in_after=60, out_before=60).duration_minutes == 480


def test_overlapping_windows_are_refused():
    with pytest.raises(TimekeepingRuleError, match="overlaps"):
        Timetable("T", time(9), time(13), in_after=180, out_before=120)


def test_bad_values_are_usage_errors():
    assert issubclass(TimekeepingRuleError, InvalidValueError)
    with pytest.raises(TimekeepingRuleError):
        Rounding(15, "sideways")  # type: ignore[arg-type]
    with pytest.raises(TimekeepingRuleError):
        Timetable("T", late_grace=-1)
    with pytest.raises(TimekeepingRuleError):
        Shift("S", "weekly", ("Day",) * 6)
    with pytest.raises(TimekeepingRuleError):
        Shift("S", "rotation", (None, None))
    with pytest.raises(TimekeepingRuleError):
        Assignment("S", date(2026, 1, 1))
    with pytest.raises(TimekeepingRuleError):
        Assignment("S", date(2026, 1, 2), employee_id=1, end=date(2026, 1, 1))
    with pytest.raises(TimekeepingRuleError):
        Leave(1, date(2026, 1, 1), "holiday")


def test_rounding_on_the_local_clock():
    tz = ZoneInfo("Asia/Kathmandu")  # +05:45: rounding to 15 min must follow the wall clock, not UTC
    ts = datetime(2026, 6, 1, 9, 7, 30, tzinfo=tz)
    assert Rounding(15, "up").apply(ts, tz) == datetime(2026, 6, 1, 9, 15, tzinfo=tz)
    assert Rounding(15, "down").apply(ts, tz) == datetime(2026, 6, 1, 9, 0, tzinfo=tz)
    assert Rounding(15, "nearest").apply(ts, tz) == datetime(2026, 6, 1, 9, 15, tzinfo=tz)  # half way: up
    assert Rounding(15, "nearest").apply(ts.replace(second=29), tz) == datetime(2026, 6, 1, 9, 0, tzinfo=tz)
    assert Rounding(0).apply(ts, tz) == ts
