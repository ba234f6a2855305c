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
        60, 0, 3600, "After someone is booked they are not booked again within this time, so standing in "
                     "front of the camera books them once.", label="Ignore repeat visits for (seconds)")
    mode: str = option(
        "first_in_last_out", None, None,
        "First in, last out: the day's first visit is \"in\", every later one \"out\" (the last "
        "one counts). Alternate: visits alternate in and out through the day, so breaks are not "
        "counted as worked time.",
        label="How in and out are counted", choices=MODES,
        choice_labels=("First in, last out", "Alternate in and out"), key="attendance_mode",
    )
    timezone: str = option(
        "", None, None,
        "Decides which calendar day a visit belongs to, for example Europe/Berlin or "
        "Asia/Shanghai. Leave empty to use this PC's time zone.",
        label="Time zone of the site", check=check_timezone_name,
    )
    day_start_hour: int = option(
        0, 0, 23,
        "Hour at which a new attendance day begins. Raise it (for example to 6) when night "
        "shifts go past midnight, so a shift stays on one day.",
        label="Attendance day starts at (hour)",
    )
    announce_late: bool = option(
        False, None, None,
        "The check-in greeting also says how late the person is by their shift, for example "
        "\"late 12 min\" (grace minutes count as on time). Off: the greeting never mentions it.",
        label="Say \"late N min\" when someone checks in late", key="announce_late",
    )
