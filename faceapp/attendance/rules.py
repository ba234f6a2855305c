"""Attendance rules: which recognitions become "in"/"out" events, and the daily totals.

Days are the site's local days (see timezones.local_day), elapsed times are real elapsed
times (UTC arithmetic), so DST days and night shifts come out right."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Iterable, Literal

from ..shared.records import AttendanceEvent, DailySummary, Kind
from .settings import MODES, AttendanceSettings
from ..shared.timezones import day_bounds, elapsed, local_day, resolve_timezone

log = logging.getLogger(__name__)

Mode = Literal["first_in_last_out", "toggle"]


class AttendanceRules:
    """Turns "employee X recognised at time t" into an event kind, or None when the
    cooldown suppresses it.

    first_in_last_out: the first event of a local day is "in", every later one "out"; the
    day's worked time is last out - first in. toggle: events alternate in/out within the
    day (a lunch break out/in is not worked time); every new day starts with "in".
    """

    def __init__(self, cooldown_s: float = 60, mode: Mode = "first_in_last_out",
                 tz: tzinfo | str | None = None, day_start_hour: int = 0) -> None:
        if mode not in MODES:
            raise ValueError(f"mode={mode!r}: choose one of {', '.join(MODES)}")
        if not 0 <= day_start_hour <= 23:
            raise ValueError(f"day_start_hour={day_start_hour}: allowed range is 0..23")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must be >= 0")
        self.cooldown = timedelta(seconds=cooldown_s)
        self.mode: Mode = mode
        self.tz = resolve_timezone(tz)
        self.day_start_hour = int(day_start_hour)

    @classmethod
    def from_settings(cls, settings: AttendanceSettings) -> "AttendanceRules":
        return cls(settings.cooldown_s, settings.mode,  # type: ignore[arg-type]
                   settings.timezone or None, settings.day_start_hour)

    def day_of(self, ts: datetime) -> date:
        return local_day(ts, self.tz, self.day_start_hour)

    def booking_window(self, ts: datetime) -> tuple[datetime, datetime]:
        """[start, end) of the events decide() needs for an event at `ts`: its local day,
        widened by the cooldown on both sides (a repeat just across midnight is still one)."""
        start, end = day_bounds(self.day_of(ts), self.tz, self.day_start_hour)
        return start - self.cooldown, end + self.cooldown

    def decide(self, employee_id: int, now: datetime,
               events: AttendanceEvent | Iterable[AttendanceEvent] | None) -> Kind | None:
        """Kind of the event to record for employee_id at `now` (aware), or None when it
        falls within the cooldown of one of that person's events (before or after it).

        `events`: the person's events around `now` (at least its local day, see
        booking_window; one event or None also do). The kind is decided within `now`'s own
        local day, from the events before it in time order - not from the person's latest
        event overall - so a back-filled recording, or one future-dated event (a year typo),
        cannot turn the days around it into "in, in"."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware, got {now!r}")
        given = [] if events is None else [events] if isinstance(events, AttendanceEvent) else list(events)
        for e in given:
            if e.employee_id != employee_id:
                raise ValueError(f"an event of employee {e.employee_id} was given to decide for employee {employee_id}")
        if any(abs(elapsed(e.ts, now)) < self.cooldown for e in given):
            return None
        day = self.day_of(now)
        same_day = sorted((e for e in given if self.day_of(e.ts) == day), key=_time_order)
        before = [e for e in same_day if elapsed(e.ts, now) >= timedelta(0)]
        if len(before) < len(same_day):
            log.warning("event for employee %s at %s is booked before %d later event(s) of that day",
                        employee_id, now.isoformat(), len(same_day) - len(before))
        if not before:
            return "in"
        if self.mode == "toggle":
            return "out" if before[-1].kind == "in" else "in"
        return "out"

    def summaries(self, events: list[AttendanceEvent]) -> list[DailySummary]:
        return daily_summaries(events, self.tz, self.mode, self.day_start_hour)


def daily_summaries(events: list[AttendanceEvent], tz: tzinfo | str | None,
                    mode: Mode = "first_in_last_out", day_start_hour: int = 0) -> list[DailySummary]:
    """One row per employee per local day, ordered by day then employee id.

    first_in: earliest "in"; last_out: latest "out" (local time, None if absent).
    worked: first_in_last_out mode: last_out - first_in when the out follows the in;
    toggle mode: the sum of in->out pairs in time order (an "out" without an open "in" and
    a trailing open "in" add nothing; a repeated "in" keeps the earlier one).
    events: how many events the day has. Name, number and department come from the
    day's latest event that carries them.

    Events of deleted employees (employee_id None) come last in each day, as one row with
    employee_id None: they can no longer be told apart by person, so that row only counts
    them (no first in, last out or worked time is made up from several people's events)."""
    if mode not in MODES:
        raise ValueError(f"mode={mode!r}: choose one of {', '.join(MODES)}")
    zone = resolve_timezone(tz)
    groups: dict[tuple[date, int | None], list[AttendanceEvent]] = defaultdict(list)
    for ev in events:
        groups[(local_day(ev.ts, zone, day_start_hour), ev.employee_id)].append(ev)
    rows: list[DailySummary] = []
    for (day, emp), evs in sorted(groups.items(), key=_day_then_employee):
        if emp is None:
            rows.append(DailySummary(employee_id=None, employee_number="", employee_name="", department="",
                                     day=day, first_in=None, last_out=None, worked=timedelta(0), events=len(evs)))
            continue
        evs.sort(key=lambda e: e.ts.astimezone(timezone.utc))  # stable: ties keep input order
        ins = [e.ts for e in evs if e.kind == "in"]
        outs = [e.ts for e in evs if e.kind == "out"]
        first_in = ins[0].astimezone(zone) if ins else None
        last_out = outs[-1].astimezone(zone) if outs else None
        if mode == "toggle":
            worked = _paired_time(evs)
        elif first_in is not None and last_out is not None and elapsed(first_in, last_out) > timedelta(0):
            worked = elapsed(first_in, last_out)
        else:
            worked = timedelta(0)
        rows.append(DailySummary(
            employee_id=emp,
            employee_number=_latest(evs, "employee_number"),
            employee_name=_latest(evs, "employee_name"),
            department=_latest(evs, "department"),
            day=day, first_in=first_in, last_out=last_out, worked=worked, events=len(evs),
        ))
    return rows


def _time_order(e: AttendanceEvent) -> tuple[datetime, int]:
    """Real time order; events at the same instant in the order they were stored."""
    return e.ts.astimezone(timezone.utc), e.id if e.id is not None else 0


def _day_then_employee(item: tuple[tuple[date, int | None], list[AttendanceEvent]]) -> tuple[date, bool, int]:
    """Sort key: day, then known employees by id, then the deleted employees' row."""
    (day, emp), _ = item
    return day, emp is None, emp or 0


def _paired_time(evs: list[AttendanceEvent]) -> timedelta:
    total = timedelta(0)
    open_in: datetime | None = None
    for e in evs:
        if e.kind == "in":
            open_in = open_in or e.ts
        elif open_in is not None:
            total += elapsed(open_in, e.ts)
            open_in = None
    return total


def _latest(evs: list[AttendanceEvent], attr: str) -> str:
    return next((getattr(e, attr) for e in reversed(evs) if getattr(e, attr)), "")
