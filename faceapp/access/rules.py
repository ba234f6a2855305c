"""Door access rules: who may open the door when.

Schedules are weekly local wall-clock windows where the site is ("Mon 08:00-18:00"),
because that is how a site manager thinks of them: on a DST day a 22:00-06:00 night
window still ends at 06:00 on the clock, though it lasted 7 or 9 real hours. Each
instant is converted to the site's wall time with zoneinfo, then compared; no
timedelta arithmetic on local times. A window whose end is not after its start crosses
midnight and belongs to the day it starts on (Fri 22:00-06:00 covers Saturday 05:00).
A group may be closed on public holidays (the time-keeping holiday list): then no window
that starts on a holiday opens the door, the night window from the eve included.

Pure rules: the repository supplies the employee and their groups.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Container, Iterable, Mapping, Sequence

from ..shared.records import Employee
from ..shared.timezones import resolve_timezone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_NAMES = {name: i for names in (DAYS, _FULL) for i, name in enumerate(names)}  # strict: not "monkey"

GRANTED = "granted"
UNKNOWN = "unknown"
INACTIVE = "inactive"
LIVENESS_FAILED = "liveness failed"
PRESENTATION_ATTACK = "photo or screen"  # the passive check refused the face (recognition/passive.py)
NO_GROUP = "no access group"
OUTSIDE_SCHEDULE = "outside schedule"
SYSTEM_ERROR = "system error"  # the rights could not be read: fail secure
HOLIDAY_CLOSED = "closed for holiday"  # inside the schedule, but the group is closed on holidays
STALE_DATA = "site data out of date"  # a site kiosk offline past door_stale_site_hours
REASONS = (GRANTED, UNKNOWN, INACTIVE, LIVENESS_FAILED, PRESENTATION_ATTACK, NO_GROUP, OUTSIDE_SCHEDULE, HOLIDAY_CLOSED,
           SYSTEM_ERROR, STALE_DATA)

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A schedule text or JSON is malformed; the message names the bad part."""


def _minutes(text: str, allow_24: bool) -> int:
    m = _HHMM.match(text)
    if not m:
        raise ScheduleError(f"{text!r} is not a time like 08:00")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and (mi or not allow_24)):
        raise ScheduleError(f"{text!r} is not a time of day (00:00..23:59, or 24:00 as an end)")
    return h * 60 + mi


@dataclass(frozen=True)
class Window:
    """[start, end) in minutes after local midnight; end <= start crosses midnight,
    except 00:00-24:00 (all day). end == start is refused (ambiguous: nothing or 24 h)."""

    start: int
    end: int

    @classmethod
    def parse(cls, text: str) -> "Window":
        parts = text.split("-")
        if len(parts) != 2:
            raise ScheduleError(f"{text!r} is not a window like 08:00-18:00")
        start, end = _minutes(parts[0], False), _minutes(parts[1], True)
        if start == end:
            raise ScheduleError(f"{text!r} is empty; use 00:00-24:00 for a whole day")
        return cls(start, end)

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True)
class WeeklySchedule:
    """Windows per weekday (0 = Monday). JSON form: {"mon": ["08:00-18:00"], ...}."""

    days: tuple[tuple[Window, ...], ...] = field(default_factory=lambda: ((),) * 7)

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[str]]) -> "WeeklySchedule":
        if not isinstance(data, Mapping):
            raise ScheduleError("a schedule is a mapping of weekday to windows, e.g. {\"mon\": [\"08:00-18:00\"]}")
        days: list[list[Window]] = [[] for _ in DAYS]
        for key, windows in data.items():
            day = _DAY_NAMES.get(str(key).strip().lower())
            if day is None:
                raise ScheduleError(f"{key!r} is not a weekday (mon..sun or monday..sunday)")
            if isinstance(windows, str):
                windows = [windows]
            if not isinstance(windows, (list, tuple)) or not all(isinstance(w, str) for w in windows):
                raise ScheduleError(f"{key!r}: a day's windows are a list of texts like [\"08:00-18:00\"]")
            days[day].extend(Window.parse(w) for w in windows)
        return cls(tuple(tuple(d) for d in days))

    @classmethod
    def from_json(cls, text: str) -> "WeeklySchedule":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScheduleError(f"schedule is not valid JSON: {exc}") from None
        except RecursionError:
            raise ScheduleError("schedule is nested too deeply") from None
        return cls.from_dict(data)

    @classmethod
    def always(cls) -> "WeeklySchedule":
        return cls.from_dict({d: ["00:00-24:00"] for d in DAYS})

    def to_dict(self) -> dict[str, list[str]]:
        return {DAYS[i]: [str(w) for w in ws] for i, ws in enumerate(self.days) if ws}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=False)

    def allows(self, wall: datetime, closed: Container[date] = ()) -> bool:
        """Whether the local wall-clock time `wall` (naive or in the site zone) is inside.
        `closed`: dates whose windows do not open (holidays); a window belongs to the date
        it starts on, so a night window from a holiday's eve is closed too only when that
        eve is itself in `closed`."""
        day, minute = wall.weekday(), wall.hour * 60 + wall.minute + wall.second / 60
        if wall.date() not in closed:
            for w in self.days[day]:
                if w.crosses_midnight:
                    if minute >= w.start:
                        return True
                elif w.start <= minute < w.end:
                    return True
        if (wall.date() - timedelta(days=1)) in closed:
            return False
        return any(w.crosses_midnight and minute < w.end for w in self.days[(day - 1) % 7])


@dataclass(frozen=True)
class AccessGroup:
    id: int | None
    name: str
    schedule: WeeklySchedule
    holidays_closed: bool = False  # no access on the time-keeping holiday list's dates

    def allows(self, wall: datetime, holidays: Container[date] = ()) -> bool:
        """The schedule at local wall time `wall`, with `holidays` closed if the group says so."""
        return self.schedule.allows(wall, holidays if self.holidays_closed else ())


@dataclass(frozen=True)
class AccessDecision:
    granted: bool
    reason: str  # one of REASONS
    group: str = ""  # the group whose schedule granted access


@dataclass(frozen=True)
class AccessAttempt:
    """One row of the access log: every attempt, granted or not."""

    ts: datetime  # timezone-aware
    employee_id: int | None  # None: unknown face
    granted: bool
    reason: str
    score: float = float("nan")  # descriptor distance of the decision
    source: str = ""  # camera name
    id: int | None = None
    employee_number: str = ""  # filled in when read back
    employee_name: str = ""
    # What the door did: "" (denied, the relay was not asked), "no door" (none configured),
    # "pending" (the relay has not answered yet), "opened", or "failed: <why>".
    relay: str = ""


class AccessRules:
    """Evaluates one recognition against the person's flag and groups, in the site zone."""

    def __init__(self, tz: tzinfo | str | None = None) -> None:
        self.tz = resolve_timezone(tz)

    @classmethod
    def from_timezone(cls, timezone: str) -> "AccessRules":
        """The site's zone setting ('' = the PC's local zone)."""
        return cls(timezone or None)

    def evaluate(self, employee: Employee | None, groups: Sequence[AccessGroup], ts: datetime,
                 liveness_ok: bool | None = None, holidays: Container[date] = (),
                 liveness_reason: str = LIVENESS_FAILED) -> AccessDecision:
        """Deny reasons in order: liveness failed (a photo of a known face is not that
        person; liveness_reason says which check: LIVENESS_FAILED for the head turn,
        PRESENTATION_ATTACK for the passive check), unknown, inactive, no access group,
        outside schedule, closed for holiday (a group's schedule allows the time but the
        group is closed on `holidays`, local dates). liveness_ok=None means not checked."""
        if ts.tzinfo is None or ts.utcoffset() is None:
            raise ValueError(f"access time must be timezone-aware, got {ts!r}")
        if liveness_ok is False:
            return AccessDecision(False, liveness_reason if liveness_reason in REASONS else LIVENESS_FAILED)
        if employee is None:
            return AccessDecision(False, UNKNOWN)
        if not employee.active:
            return AccessDecision(False, INACTIVE)
        if not groups:
            return AccessDecision(False, NO_GROUP)
        wall = ts.astimezone(self.tz)
        for g in groups:
            if g.allows(wall, holidays):
                return AccessDecision(True, GRANTED, g.name)
        if any(g.schedule.allows(wall) for g in groups):
            return AccessDecision(False, HOLIDAY_CLOSED)
        return AccessDecision(False, OUTSIDE_SCHEDULE)

    def wall_date(self, ts: datetime) -> date:
        """The site's local date at `ts` (which holidays matter for a decision)."""
        return ts.astimezone(self.tz).date()
