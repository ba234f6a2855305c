"""The site's time zone and its "local day": attendance days are calendar days where the
site is, not UTC days, and DST days last 23 or 25 hours."""

from __future__ import annotations

import logging
import os
import time
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

_ZERO = timedelta(0)


class LocalTimezone(tzinfo):
    """The operating system's local zone through time.localtime (DST-correct per instant,
    PEP 495 fold for the repeated hour). Fallback when the system zone has no IANA name we
    can find (Windows without a TZ variable); an IANA ZoneInfo is preferred because it does
    not depend on the PC's settings."""

    _EPOCH = datetime(1970, 1, 1)

    def _resolve(self, dt: datetime) -> tuple[int, int]:
        """(UTC timestamp, offset in seconds) of the wall time dt, honouring dt.fold."""
        wall = dt.replace(tzinfo=None, microsecond=0)
        t = (wall - self._EPOCH) // timedelta(seconds=1)
        # Offsets a day before and after cover any transition near this wall time.
        before, after = (time.localtime(t + d).tm_gmtoff for d in (-86400, 86400))
        hits = sorted((t - off, off) for off in {before, after}
                      if time.localtime(t - off)[:6] == wall.timetuple()[:6])
        if not hits:  # skipped hour: fold 0 uses the offset before, fold 1 the one after
            off = after if dt.fold else before
            return t - off, off
        return hits[-1] if dt.fold and len(hits) > 1 else hits[0]

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=-time.timezone)
        return timedelta(seconds=self._resolve(dt)[1])

    def dst(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return _ZERO
        return self.utcoffset(dt) - timedelta(seconds=-time.timezone)

    def tzname(self, dt: datetime | None) -> str:
        return time.localtime(self._resolve(dt)[0]).tm_zone if dt is not None else "local"

    def fromutc(self, dt: datetime) -> datetime:
        stamp = (dt.replace(tzinfo=None) - self._EPOCH) // timedelta(seconds=1)
        tm = time.localtime(stamp)
        wall = datetime(*tm[:6], dt.microsecond, tzinfo=self)
        if self._resolve(wall)[0] != stamp:  # the second occurrence of a repeated hour
            wall = wall.replace(fold=1)
        return wall

    def __repr__(self) -> str:
        return "LocalTimezone()"


def check_timezone_name(name: str) -> None:
    """Raise ValueError unless `name` is "" (system local) or a known IANA zone name."""
    if name == "":
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"{name!r} is not a known IANA time zone name (e.g. Europe/Berlin)") from exc


def _system_zone_name() -> str | None:
    """IANA name of the system zone: TZ variable, /etc/localtime symlink or /etc/timezone."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="ascii").strip())
    except (OSError, UnicodeDecodeError):
        pass
    for name in candidates:
        if name:
            try:
                check_timezone_name(name)
                return name
            except ValueError:
                continue
    return None


def resolve_timezone(tz: tzinfo | str | None) -> tzinfo:
    """A tzinfo for the setting: a tzinfo passes through, an IANA name becomes ZoneInfo,
    "" or None means the system's local zone (by IANA name when it can be found)."""
    if isinstance(tz, tzinfo):
        return tz
    if tz:
        check_timezone_name(tz)
        return ZoneInfo(tz)
    name = _system_zone_name()
    if name:
        return ZoneInfo(name)
    log.info("system time zone has no IANA name here; using the OS local-time rules")
    return LocalTimezone()


def _require_aware(dt: datetime) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {dt!r}")


def local_day(dt: datetime, tz: tzinfo, day_start_hour: int = 0) -> date:
    """The site's attendance day of an instant: the local calendar date of the wall-clock
    time shifted back by day_start_hour (so with 6, 05:59 still counts for the day before).
    Wall-clock arithmetic, so a DST change does not move the boundary."""
    _require_aware(dt)
    wall = dt.astimezone(tz).replace(tzinfo=None)
    return (wall - timedelta(hours=day_start_hour)).date()


def day_bounds(day: date, tz: tzinfo, day_start_hour: int = 0) -> tuple[datetime, datetime]:
    """[start, end) of an attendance day as UTC instants (23 or 25 hours apart on DST days).
    Storage can select a day's events with these."""
    def start_of(d: date) -> datetime:
        wall = datetime(d.year, d.month, d.day, day_start_hour)
        return wall.replace(tzinfo=tz).astimezone(timezone.utc)

    return start_of(day), start_of(day + timedelta(days=1))


def elapsed(a: datetime, b: datetime) -> timedelta:
    """b - a as real elapsed time. Plain subtraction of two datetimes that share a tzinfo
    is wall-clock arithmetic in Python and is an hour off across a DST change."""
    _require_aware(a)
    _require_aware(b)
    return b.astimezone(timezone.utc) - a.astimezone(timezone.utc)
