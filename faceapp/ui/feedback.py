"""What the kiosk says, shows and plays for one announcement: the door's decision first
(Announcement.door, typed data from the recognition service), then the booking.

"Hello again - already recorded" must never hide what the door did: with a door decision
the banner is green "Door open - welcome, Ana" or red with the reason in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from ..access import rules as access
from ..recognition.views import Announcement

CONTEXT = "Kiosk"

# Access-rule reason code (access/rules.py) -> what the person at the door reads. A new deny
# reason is one line here; one missing from the table reads as DENIED_OTHER.
DENIED_WORDS: dict[str, str] = {
    access.OUTSIDE_SCHEDULE: QT_TRANSLATE_NOOP("Kiosk", "No access at this time"),
    access.NO_GROUP: QT_TRANSLATE_NOOP("Kiosk", "No access at this time"),
    access.HOLIDAY_CLOSED: QT_TRANSLATE_NOOP("Kiosk", "No access at this time"),
    access.STALE_DATA: QT_TRANSLATE_NOOP("Kiosk", "No access - please see reception"),
    access.LIVENESS_FAILED: QT_TRANSLATE_NOOP("Kiosk", "Please turn your head slightly"),
    access.PRESENTATION_ATTACK: QT_TRANSLATE_NOOP(
        "Kiosk", "Not let in - this looks like a photo or a screen; please see reception"),
    access.UNKNOWN: QT_TRANSLATE_NOOP("Kiosk", "Not recognised - please see reception"),
    access.INACTIVE: QT_TRANSLATE_NOOP("Kiosk", "No access - please see reception"),
    access.SYSTEM_ERROR: QT_TRANSLATE_NOOP("Kiosk", "No access - please see reception"),
}
DENIED_OTHER = QT_TRANSLATE_NOOP("Kiosk", "No access - please see reception")

# Attendance kinds without a door decision -> banner colour and sound.
SOUND_OF_KIND = {"in": "granted", "out": "granted", "repeat": "granted", "queued": "granted",
                 "unknown": "unknown", "liveness_failed": "denied", "spoof": "denied"}


@dataclass(frozen=True)
class Feedback:
    text: str
    style: str  # banner colour: "granted", "denied", "unknown", or the attendance kind ("in", ...)
    sound: str | None  # "granted", "denied", "unknown" (ui/sounds.py), None: silent


def _tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def denied_words(reason: str) -> str:
    """The plain words for an access-rule reason, in the UI's language."""
    return _tr(DENIED_WORDS.get(reason, DENIED_OTHER))


def booking_line(ann: Announcement, local_time: str) -> str:
    """"checked in 08:59" when this decision booked attendance, else ""."""
    if ann.kind == "in":
        return QCoreApplication.translate("Kiosk", "checked in %1").replace("%1", local_time)
    if ann.kind == "out":
        return QCoreApplication.translate("Kiosk", "checked out %1").replace("%1", local_time)
    return ""


def feedback(ann: Announcement, attendance_text: str, local_time: str) -> Feedback:
    """The banner and sound for `ann`; `attendance_text` is what the booking alone would say."""
    door = ann.door
    if door is None:  # no door configured: the booking is the whole story
        return Feedback(attendance_text, ann.kind, SOUND_OF_KIND.get(ann.kind))
    booked = booking_line(ann, local_time)
    if door.granted:
        text = QCoreApplication.translate("Kiosk", "Door open - welcome, %1").replace("%1", ann.name)
        if ann.kind == "queued":
            text = f"{text}\n{attendance_text}"
        return Feedback(f"{text} - {booked}" if booked else text, "granted", "granted")
    if door.reason == access.UNKNOWN:
        # "please come closer" (faces too small to decide on) is more useful than "see reception"
        text = attendance_text if ann.kind == "unknown" and ann.reason else denied_words(door.reason)
        return Feedback(text, "unknown", "unknown")
    text = denied_words(door.reason)
    if booked:
        text = f"{text}\n{ann.name} - {booked}"
    return Feedback(text, "denied", "denied")
