"""Time-keeping rules as plain values: timetables, shifts, assignments, holidays, leave and
punches. Each checks itself when it is made, so a bad rule is refused where it is typed
(CLI, a settings page), never discovered by payroll. No Qt, no SQL: storage keeps them,
timekeeping.daily computes with them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from ..shared.errors import InvalidValueError

RoundMode = Literal["up", "down", "nearest"]
ROUND_MODES: tuple[str, ...] = ("up", "down", "nearest")
LEAVE_KINDS: tuple[str, ...] = ("annual", "sick", "unpaid", "other")
LEAVE_PORTIONS: tuple[str, ...] = ("full", "half")
LATE_ABSENT_AS: tuple[str, ...] = ("absent", "half_day")
TIMETABLE_KINDS: tuple[str, ...] = ("fixed", "flexible")
SHIFT_KINDS: tuple[str, ...] = ("weekly", "rotation")
MAX_CYCLE_DAYS = 366


class TimekeepingRuleError(InvalidValueError):
    """A timetable, shift, assignment or leave entry that cannot work as given (exit 2)."""


def _minutes(value: int, what: str, low: int = 0, high: int = 24 * 60) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TimekeepingRuleError(f"{what} {value!r}: whole minutes from {low} to {high}")
    return value


@dataclass(frozen=True)
class Rounding:
    """Punch rounding for one direction: to `unit` minutes on the local clock (0: none).
    Rounding changes worked time and overtime only; lateness and early leave are measured
    on the real punch, so rounding cannot hide them."""

    unit: int = 0
    mode: RoundMode = "nearest"

    def __post_init__(self) -> None:
        _minutes(self.unit, "rounding unit", 0, 60)
        if self.mode not in ROUND_MODES:
            raise TimekeepingRuleError(f"rounding {self.mode!r}: choose one of {', '.join(ROUND_MODES)}")

    def apply(self, ts: datetime, tz) -> datetime:  # noqa: ANN001 - a tzinfo
        """`ts` moved to the rounded local clock time (by real seconds, so DST is no issue)."""
        if not self.unit:
            return ts
        local = ts.astimezone(tz)
        secs = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        step = self.unit * 60
        q = secs / step
        k = math.ceil(q) if self.mode == "up" else math.floor(q) if self.mode == "down" else math.floor(q + 0.5)
        return ts + timedelta(seconds=k * step - secs)


@dataclass(frozen=True)
class Timetable:
    """One working day's rule. Windows are minutes around the start and the end: a punch
    from start - in_before to start + in_after is a check-in, from end - out_before to
    end + out_after a check-out; the two may not overlap.

    kind "flexible": no fixed start; the day's first and last punch (between two day-change
    hours) are in and out, `required_minutes` of work are expected, shortfall shows as early
    leave and anything beyond required + ot_after_min is overtime."""

    name: str
    start: time = time(9, 0)
    end: time = time(17, 0)
    crosses_midnight: bool = False
    in_before: int = 120
    in_after: int = 240
    out_before: int = 240
    out_after: int = 240
    break_minutes: int = 0
    break_must_punch: bool = False  # True: the punched break (out/in between) is deducted
    late_grace: int = 0
    early_grace: int = 0
    late_absent_after: int | None = None  # late by more than this: absent (or half a day)
    late_absent_as: str = "absent"
    round_in: Rounding = field(default_factory=Rounding)
    round_out: Rounding = field(default_factory=Rounding)
    ot_after: int | None = None  # overtime counts from end + this many minutes (None: no overtime after)
    ot_before: int | None = None  # overtime counts before start - this many minutes (None: none)
    min_ot: int = 0  # a day's overtime below this is not counted
    kind: str = "fixed"
    required_minutes: int = 0  # flexible only

    def __post_init__(self) -> None:
        if not (self.name or "").strip():
            raise TimekeepingRuleError("a timetable needs a name")
        if self.kind not in TIMETABLE_KINDS:
            raise TimekeepingRuleError(f"timetable kind {self.kind!r}: choose one of {', '.join(TIMETABLE_KINDS)}")
        for what in ("in_before", "in_after", "out_before", "out_after", "break_minutes", "late_grace",
                     "early_grace", "min_ot"):
            _minutes(getattr(self, what), what.replace("_", " "))
        for what in ("late_absent_after", "ot_after", "ot_before"):
            if getattr(self, what) is not None:
                _minutes(getattr(self, what), what.replace("_", " "))
        if self.late_absent_as not in LATE_ABSENT_AS:
            raise TimekeepingRuleError(f"late counts as {self.late_absent_as!r}: choose absent or half_day")
        if self.kind == "flexible":
            _minutes(self.required_minutes, "required minutes", 1)
            return
        span = self.duration_minutes
        if span <= 0:
            raise TimekeepingRuleError(
                f"timetable {self.name}: end {self.end:%H:%M} is not after start {self.start:%H:%M}; "
                "use crosses midnight for a night shift")
        if self.crosses_midnight and self.end > self.start:
            raise TimekeepingRuleError(f"timetable {self.name}: crosses midnight, but end {self.end:%H:%M} is "
                                       f"after start {self.start:%H:%M} on the same day")
        if self.in_after + self.out_before > span:
            raise TimekeepingRuleError(
                f"timetable {self.name}: the check-in window (to {self.in_after} min after the start) overlaps "
                f"the check-out window (from {self.out_before} min before the end) in a {span} min shift")
        if self.in_before + span + self.out_after >= 24 * 60:
            raise TimekeepingRuleError(f"timetable {self.name}: the windows span 24 hours or more; "
                                       "narrow the check-in or check-out window")
        if self.break_minutes >= span:
            raise TimekeepingRuleError(f"timetable {self.name}: the break is as long as the shift")

    @property
    def duration_minutes(self) -> int:
        """Wall-clock length of the shift (a DST night is longer or shorter in real time)."""
        a = self.start.hour * 60 + self.start.minute
        b = self.end.hour * 60 + self.end.minute
        return b - a + (24 * 60 if self.crosses_midnight else 0)

    @property
    def flexible(self) -> bool:
        return self.kind == "flexible"


@dataclass(frozen=True)
class Shift:
    """A repeating cycle of timetables: `days[i]` is the timetable name of cycle day i,
    None a day off. weekly: 7 days, Monday first. rotation: N days counted from the
    assignment's start day (4 on / 4 off = 8 days, the last 4 None)."""

    name: str
    kind: str
    days: tuple[str | None, ...]

    def __post_init__(self) -> None:
        if not (self.name or "").strip():
            raise TimekeepingRuleError("a shift needs a name")
        if self.kind not in SHIFT_KINDS:
            raise TimekeepingRuleError(f"shift kind {self.kind!r}: choose weekly or rotation")
        if self.kind == "weekly" and len(self.days) != 7:
            raise TimekeepingRuleError(f"a weekly shift has 7 days, got {len(self.days)}")
        if not 1 <= len(self.days) <= MAX_CYCLE_DAYS:
            raise TimekeepingRuleError(f"a rotation has 1 to {MAX_CYCLE_DAYS} days, got {len(self.days)}")
        if all(d is None for d in self.days):
            raise TimekeepingRuleError(f"shift {self.name} has only days off")

    def timetable_on(self, day: date, anchor: date) -> str | None:
        if self.kind == "weekly":
            return self.days[day.weekday()]
        return self.days[(day - anchor).days % len(self.days)]


@dataclass(frozen=True)
class Assignment:
    """Who works which shift from when. Exactly one of employee_id and department.
    temporary: a schedule for start..end (inclusive) that beats every other one."""

    shift: str
    start: date
    employee_id: int | None = None
    department: str | None = None
    end: date | None = None
    temporary: bool = False
    id: int | None = None

    def __post_init__(self) -> None:
        if (self.employee_id is None) == (self.department is None):
            raise TimekeepingRuleError("assign a shift to an employee or to a department, not both or neither")
        if self.end is not None and self.end < self.start:
            raise TimekeepingRuleError(f"the assignment ends {self.end} before it starts {self.start}")
        if self.temporary and (self.employee_id is None or self.end is None):
            raise TimekeepingRuleError("a temporary schedule is for one employee and needs an end day")

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str


@dataclass(frozen=True)
class Leave:
    employee_id: int
    day: date
    kind: str = "annual"
    portion: str = "full"
    paid: bool = True
    note: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in LEAVE_KINDS:
            raise TimekeepingRuleError(f"leave type {self.kind!r}: choose one of {', '.join(LEAVE_KINDS)}")
        if self.portion not in LEAVE_PORTIONS:
            raise TimekeepingRuleError(f"leave {self.portion!r}: choose full or half")


@dataclass(frozen=True)
class Punch:
    """A recorded recognition or an admin's added punch. `corrected`: added, or voided and
    restored, by an admin. A voided punch is passed too: it counts for nothing, but marks
    the day it falls in as corrected."""

    employee_id: int
    ts: datetime  # aware
    id: int | None = None
    corrected: bool = False
    voided: bool = False


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def parse_hhmm(text: str, what: str = "time") -> time:
    """'HH:MM' (24 h) -> time, or TimekeepingRuleError."""
    try:
        hh, mm = str(text).strip().split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise TimekeepingRuleError(f"{what} {text!r}: use HH:MM, e.g. 08:30 or 22:00") from None


def timetable_to_dict(tt: Timetable) -> dict:
    """The stored form of a timetable's rules (JSON-ready; the name is kept apart)."""
    d = {k: getattr(tt, k) for k in Timetable.__dataclass_fields__ if k != "name"}
    d.update(start=_hhmm(tt.start), end=_hhmm(tt.end),
             round_in=[tt.round_in.unit, tt.round_in.mode], round_out=[tt.round_out.unit, tt.round_out.mode])
    return d


def timetable_from_dict(name: str, d: dict) -> Timetable:
    """Inverse of timetable_to_dict; unknown keys (a newer version's) are ignored."""
    known = {k: v for k, v in d.items() if k in Timetable.__dataclass_fields__ and k != "name"}
    for key in ("start", "end"):
        if key in known:
            known[key] = parse_hhmm(known[key], key)
    for key in ("round_in", "round_out"):
        if key in known:
            known[key] = Rounding(int(known[key][0]), known[key][1])
    return Timetable(name, **known)
