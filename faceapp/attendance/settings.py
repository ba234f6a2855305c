"""Settings section of attendance: cooldown, in/out mode, the site's time zone and day start."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.options import SettingsSection, option
from ..shared.timezones import check_timezone_name

MODES: tuple[str, ...] = ("first_in_last_out", "toggle")


@dataclass(frozen=True)
class AttendanceSettings(SettingsSection):
    NAME = "attendance"
    TITLE = "Attendance"

    cooldown_s: int = option(
        60, 0, 3600, "Seconds after an attendance event during which the same person is not booked again.")
    mode: str = option(
        "first_in_last_out", None, None,
        "first_in_last_out: the day's first event is 'in', every later one 'out' (the last "
        "counts). toggle: events alternate in/out through the day (breaks are not worked time).",
        choices=MODES, key="attendance_mode",
    )
    timezone: str = option(
        "", None, None,
        "IANA time zone of the site (e.g. Europe/Berlin) that decides which calendar day an "
        "event belongs to; empty means the PC's local zone.",
        check=check_timezone_name,
    )
    day_start_hour: int = option(
        0, 0, 23,
        "Local hour at which an attendance day begins; raise it (e.g. 6) when night shifts "
        "cross midnight so a shift stays on one day.",
    )
