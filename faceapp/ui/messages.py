"""Error messages as the window shows them: sentences, and in the UI's language.

The layers below word their errors in English for the CLI ("error: the attendance database
... is busy"), where lower case after "error:" is the convention. The window shows them as
sentences; in a translated UI it puts a translated summary of the error's kind first and
keeps the original below it, which names the file, number or value at fault.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

if TYPE_CHECKING:
    from ..recognition.calibration import OperatingPoint

# Summaries by error class name (the UI may not import storage); the most specific class of
# an error's MRO that is listed here wins.
SUMMARIES = {
    "DatabaseLockedError": QT_TRANSLATE_NOOP("Errors", "The database is busy: another program or faceapp window "
                                                       "is writing to it. Nothing was saved; try again in a moment."),
    "DiskFullError": QT_TRANSLATE_NOOP("Errors", "The disk holding the database is full. Nothing was saved."),
    "DatabaseCorruptError": QT_TRANSLATE_NOOP("Errors", "The database file is damaged or is not a faceapp database."),
    "SchemaTooNewError": QT_TRANSLATE_NOOP("Errors", "The database was written by a newer version of faceapp."),
    "DatabaseMissingError": QT_TRANSLATE_NOOP("Errors", "The database used before is missing."),
    "DatabaseFileError": QT_TRANSLATE_NOOP("Errors", "That file is the attendance database itself; choose another "
                                                     "file."),
    "DuplicateEmployeeError": QT_TRANSLATE_NOOP("Errors", "This employee number is already in use."),
    "EmployeeNotFoundError": QT_TRANSLATE_NOOP("Errors", "This employee no longer exists."),
    "CorruptRowError": QT_TRANSLATE_NOOP("Errors", "A stored face template is damaged; re-enrol the employee."),
    # site-server errors are StorageErrors too, but the local database is fine
    "SiteUnreachableError": QT_TRANSLATE_NOOP("Errors", "The site server cannot be reached."),
    "SiteRefusedError": QT_TRANSLATE_NOOP("Errors", "The site server refused this login or this change."),
    "SiteError": QT_TRANSLATE_NOOP("Errors", "The site server could not do what was asked."),
    "StorageError": QT_TRANSLATE_NOOP("Errors", "The database could not be read or written."),
    "VideoFileMissingError": QT_TRANSLATE_NOOP("Errors", "The video file does not exist."),
    "CameraError": QT_TRANSLATE_NOOP("Errors", "The camera or video could not be opened."),
    "ExportError": QT_TRANSLATE_NOOP("Errors", "The export file could not be written; nothing was left behind."),
    "DateRangeError": QT_TRANSLATE_NOOP("Errors", "The first day is after the last day."),
    "ModelError": QT_TRANSLATE_NOOP("Errors", "The face models cannot be used."),
    "ProviderError": QT_TRANSLATE_NOOP("Errors", "The chosen processor for face recognition is not available."),
    "ImageReadError": QT_TRANSLATE_NOOP("Errors", "The image could not be read."),
    "EnrolmentError": QT_TRANSLATE_NOOP("Errors", "The enrolment was refused."),
    "DoorError": QT_TRANSLATE_NOOP("Errors", "The door relay did not answer as expected."),
    "SettingsError": QT_TRANSLATE_NOOP("Errors", "This value is not accepted."),
    "PinError": QT_TRANSLATE_NOOP("Errors", "This PIN is not accepted."),
    "TimekeepingRuleError": QT_TRANSLATE_NOOP("Errors", "This time-keeping rule or correction cannot be saved as "
                                                        "given."),
    "PeriodError": QT_TRANSLATE_NOOP("Errors", "The report period runs backwards or is longer than a year."),
    "UnknownPeopleError": QT_TRANSLATE_NOOP("Errors", "No employee matches the chosen filter."),
}


def sentence(text: str) -> str:
    """First letter upper-cased (the rest untouched: paths and names keep their case)."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def summary(exc: BaseException) -> str | None:
    """The translated summary of the error's kind, or None when the UI is in English (or the
    kind is not listed): the original message is then the whole story."""
    for cls in type(exc).__mro__:
        source = SUMMARIES.get(cls.__name__)
        if source:
            text = QCoreApplication.translate("Errors", source)
            return text if text != source else None
    return None


def error_text(exc: BaseException) -> str:
    """What a message box or status line says for an error."""
    if any(cls.__name__ == "SiteAdminRequiredError" for cls in type(exc).__mro__):
        # the CLI's message names an environment variable; the window has its sign-in
        # (any master change: people, groups, schedules, site-wide settings; not only enrolling)
        return QCoreApplication.translate("Errors", "Sign in as the site admin to change the site's people, access "
                                                    "groups, schedules or site-wide settings on a site kiosk (File > "
                                                    "Sign in as site admin…). Nothing was changed.")
    detail = sentence(str(exc) or type(exc).__name__)
    translated = summary(exc)
    return f"{translated}\n{detail}" if translated else detail


def operating_point_text(point: "OperatingPoint") -> str:
    """The operating point in the UI's language, with the same facts as OperatingPoint.describe()
    (the CLI's English): people enrolled, threshold, expected stranger rate and its source."""
    who = (QCoreApplication.translate("OperatingPoint", "%1 enrolled: threshold %2")
           .replace("%1", f"{point.people:,}").replace("%2", f"{point.threshold:.2f}"))
    if point.tail is None:
        return who + QCoreApplication.translate(
            "OperatingPoint", " (fixed by the administrator; strangers accepted not controlled)")
    rate = point.expected_rate()
    per = (QCoreApplication.translate("OperatingPoint", "about 1 stranger in %1 accepted")
           .replace("%1", f"{round(1 / rate):,}") if rate > 0
           else QCoreApplication.translate("OperatingPoint", "no stranger expected to pass"))
    source = (QCoreApplication.translate("OperatingPoint", "from this gallery") if point.tail.source == "gallery"
              else QCoreApplication.translate("OperatingPoint", "from the shipped model: too few people "
                                                                "enrolled to measure"))
    if point.clamped:
        source += QCoreApplication.translate("OperatingPoint", ", clamped")
    rule = ""
    if getattr(point, "quality", None) is not None:  # recognition/quality_model.py
        rule = "; " + (QCoreApplication.translate("OperatingPoint", "faces under %1 px: please come closer")
                       .replace("%1", f"{point.quality.model.min_quality:g}"))
        lowest = min(point.quality.thresholds)
        if lowest < point.threshold - 5e-4:
            rule += QCoreApplication.translate("OperatingPoint", "; smaller faces need down to %1").replace(
                "%1", f"{lowest:.2f}")
    return f"{who}, {per} ({source}){rule}"


def site_offline_note(since: str | None) -> str:
    """" - site server unreachable - ..." beside a site kiosk's report that fell back to the
    kiosk's own records (since: local HH:MM; None: the site's data, no note)."""
    if since is None:
        return ""
    if since:
        return " - " + QCoreApplication.translate(
            "SiteOffline", "site server unreachable - showing this kiosk's records only (since %1)").replace("%1", since)
    return " - " + QCoreApplication.translate("SiteOffline", "site server unreachable - showing this kiosk's records only")
