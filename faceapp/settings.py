"""All settings of a site, in named sections: every threshold has one meaning, one home and a
documented range.

Each section is defined next to the feature it configures (recognition, attendance, door,
...); the vision and retention sections live here because their packages take plain values.
The settings are stored as one flat JSON object (settings table, key "recognition") whose
keys are the sections' stored keys, so moving a field between sections changes no data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .attendance.settings import AttendanceSettings
from .hardware.settings import DoorSettings
from .recognition.settings import EnrolmentSettings, LivenessSettings, RecognitionSettings
from .shared.options import OptionInfo, SettingsError, SettingsSection, mask_secret, option

log = logging.getLogger(__name__)

__all__ = ["AttendanceSettings", "BackupSettings", "DoorSettings", "EnrolmentSettings", "LivenessSettings", "OptionInfo",
           "RecognitionSettings", "RetentionSettings", "Settings", "SettingsError", "VisionSettings"]


@dataclass(frozen=True)
class VisionSettings(SettingsSection):
    """The face pipeline: which faces the detector keeps, and where the models run."""

    NAME = "vision"
    TITLE = "Camera and detection"

    # MTCNN's pyramid starts at this box side; faces down to about half of it are still found.
    # Raise-only under the calibrated threshold: recognition/search_size.py (issue 19).
    min_face_px: int = option(40, 20, 400, "Faces smaller than about half of this are not looked for. Raise "
                                           "it when people stand close to the camera (faster). With the "
                                           "calibrated matching distance, faces are always looked for down to "
                                           "a little under the smallest face the app decides on, so a lower "
                                           "value has no effect there.",
                              label="Smallest face to look for (pixels)", advanced=True)
    # MTCNN's last stage accepts from 0.7; hair, hands and posters score 0.7-0.9, real faces
    # at a desk about 0.99.
    min_detection_score: float = option(
        0.9, 0.7, 1.0,
        "How sure the camera must be that something is a face. Lower finds faces in poor light "
        "but also takes hair, hands or posters for faces.",
        label="Certainty needed to see a face", advanced=True,
    )
    provider: str = option("auto", None, None, "What runs face recognition: automatic uses an NVIDIA graphics "
                                               "card when there is one, else the processor. Takes effect after "
                                               "a restart.",
                           label="Run recognition on", choices=("auto", "cuda", "cpu"),
                           choice_labels=("Automatic", "NVIDIA graphics card (CUDA)", "Processor (CPU)"),
                           advanced=True)


@dataclass(frozen=True)
class RetentionSettings(SettingsSection):
    """How long personal data is kept (privacy)."""

    NAME = "retention"
    TITLE = "Privacy"
    PREFIX = "retention_"

    keep_unknown_pictures: bool = option(
        True, None, None,
        "A face nobody recognised is kept with a small picture and its face data, so it can be "
        "reviewed (Unknown faces page: enrol, add to an employee, dismiss). Off: only the time is kept.",
        label="Keep pictures of unknown faces")
    unknown_days: int = option(30, 1, 3650, "Pictures of faces nobody recognised are deleted after this many "
                                            "days.", label="Keep pictures of unknown faces for (days)")
    inactive_days: int = option(
        90, 1, 3650,
        "After an employee is deactivated, their face data is deleted after this many days; "
        "their attendance stays. Activating them again then needs a new enrolment.",
        label="Keep face data of deactivated employees for (days)",
    )


def _check_time_of_day(text: str) -> None:
    """HH:MM on a 24-hour clock (the daily backup time)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts) \
            or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (e.g. 02:00)")


@dataclass(frozen=True)
class BackupSettings(SettingsSection):
    """Scheduled online backups of the database (storage.backup): where, when, how many."""

    NAME = "backup"
    TITLE = "Backups"
    PREFIX = "backup_"

    enabled: bool = option(True, None, None, "The window copies the database on a schedule while it runs, "
                                             "checks each copy and deletes the oldest ones.",
                           label="Back up the database automatically")
    folder: str = option("", None, None, "Folder for the copies, best on another drive. Empty: a folder "
                                         "named backups next to the database.", label="Backup folder")
    at: str = option("02:00", None, None, "Time of day (HH:MM) of the daily backup; a backup missed because "
                                          "the app was closed is taken when it next runs.",
                     label="Daily backup at", check=_check_time_of_day)
    every_hours: int = option(0, 0, 168, "0: once a day at the time above. Otherwise a backup every this many "
                                         "hours.", label="Or back up every (hours)", advanced=True)
    keep: int = option(7, 1, 365, "How many checked copies are kept; older ones are deleted after a new copy "
                                  "has been checked.", label="Copies to keep")


@dataclass(frozen=True)
class Settings:
    """Every section of the site's settings. Immutable: replace() gives a new, validated copy."""

    vision: VisionSettings = field(default_factory=VisionSettings)
    recognition: RecognitionSettings = field(default_factory=RecognitionSettings)
    enrolment: EnrolmentSettings = field(default_factory=EnrolmentSettings)
    liveness: LivenessSettings = field(default_factory=LivenessSettings)
    attendance: AttendanceSettings = field(default_factory=AttendanceSettings)
    door: DoorSettings = field(default_factory=DoorSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)

    # -- sections ----------------------------------------------------------------------------

    def sections(self) -> list[SettingsSection]:
        return [getattr(self, f.name) for f in fields(self)]

    @classmethod
    def section_types(cls) -> list[type[SettingsSection]]:
        return [f.default_factory for f in fields(cls)]  # type: ignore[misc]

    @classmethod
    def section_of_key(cls) -> dict[str, str]:
        """Stored key -> section name."""
        return {key: t.NAME for t in cls.section_types() for key in t.keys()}

    def changed_sections(self, other: "Settings") -> set[str]:
        """Names of the sections whose values differ between the two."""
        return {a.NAME for a, b in zip(self.sections(), other.sections()) if a != b}

    # -- flat stored form ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """{stored key: value}: the JSON stored in the database."""
        out: dict[str, Any] = {}
        for s in self.sections():
            out.update(s.to_dict())
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        """From stored keys; unknown keys are refused (a typo must not be ignored)."""
        unknown = set(data) - set(cls.section_of_key())
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**{f.name: f.default_factory.from_dict(data) for f in fields(cls)})  # type: ignore[misc]

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Settings":
        """What the database holds; keys this version does not know (written by a newer one)
        are ignored with a log line rather than refusing to start."""
        known = cls.section_of_key()
        extra = sorted(k for k in data if k not in known)
        if extra:
            log.warning("ignoring unknown stored setting(s): %s", ", ".join(extra))
        clean = {k: v for k, v in data.items() if k in known}
        try:
            return cls.from_dict(clean)
        except SettingsError:
            fixed, problems = cls._without_conflicts(clean)
            if not problems:
                raise
            settings = cls.from_dict(fixed)  # still refused when a value is bad on its own
            log.warning("stored settings broke a rule between values (an older version allowed it): %s",
                        "; ".join(problems))
            return settings

    @classmethod
    def _without_conflicts(cls, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Values each valid on its own may still break a rule between them (a minimum above its
        maximum, checked since this version): those go back to their defaults, the pair first,
        the whole section if that is not enough. Sections with a value bad on its own are left
        as they are (that is damage, for repair mode)."""
        out, problems = dict(data), []
        for section in cls.section_types():
            mine = {k: v for k, v in out.items() if k in section.keys()}
            try:
                section.from_dict(mine)
                continue
            except (SettingsError, TypeError) as exc:
                why = str(exc)
            try:
                for key, value in mine.items():
                    section.check_one(key, value)
            except (SettingsError, TypeError):
                continue
            dropped: list[str] = []
            infos = section.describe()
            value = {i.key: mine.get(i.key, i.default) for i in infos}  # stored, else the default
            for info in infos:
                hi = info.not_above
                if hi and value[info.key] > value[hi]:
                    dropped += [k for k in (info.key, hi) if k in mine]
            try:
                section.from_dict({k: v for k, v in mine.items() if k not in dropped})
            except (SettingsError, TypeError):
                dropped = list(mine)
            for key in dropped:
                out.pop(key, None)
            problems.append(f"{why}; back to the defaults: {', '.join(dropped)}")
        return out, problems

    @classmethod
    def from_stored_leniently(cls, data: dict[str, Any]) -> tuple["Settings", list[str]]:
        """Repair mode for damaged stored settings: every value that is valid on its own is
        kept, the others fall back to their defaults; returns the settings and what was wrong."""
        known = cls.section_of_key()
        good: dict[str, Any] = {}
        problems: list[str] = []
        types = {t.NAME: t for t in cls.section_types()}
        for key, value in data.items():
            if key not in known:
                continue
            try:  # each value on its own: a minimum is judged against the stored maximum below
                types[known[key]].check_one(key, value)
                good[key] = value
            except (SettingsError, TypeError) as exc:
                problems.append(str(exc))
        good, conflicts = cls._without_conflicts(good)  # rules between values, pair by pair
        try:
            return cls.from_dict(good), problems + conflicts
        except (SettingsError, TypeError) as exc:
            return cls(), problems + conflicts + [str(exc)]

    @classmethod
    def secret_keys(cls) -> set[str]:
        """Stored keys whose values may carry credentials (relay URLs and bodies)."""
        return {info.key for info in cls.describe() if info.secret}

    @classmethod
    def masked(cls, values: dict[str, Any]) -> dict[str, Any]:
        """`values` (stored key -> value) with the secret ones masked: for audit entries,
        listings and logs."""
        secret = cls.secret_keys()
        return {k: mask_secret(v) if k in secret else v for k, v in values.items()}

    def get(self, key: str) -> Any:
        sections = self.section_of_key()
        if key not in sections:
            raise SettingsError(f"unknown setting {key!r}")
        section = getattr(self, sections[key])
        return getattr(section, type(section).keys()[key])

    def replace(self, **values: Any) -> "Settings":
        """A copy with some stored keys changed, validated."""
        data = self.to_dict()
        unknown = set(values) - set(data)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        data.update(values)
        return Settings.from_dict(data)

    def with_section(self, section: SettingsSection) -> "Settings":
        return replace(self, **{section.NAME: section.validate()})

    def validate(self) -> "Settings":
        for s in self.sections():
            s.validate()
        return self

    @classmethod
    def describe(cls) -> list[OptionInfo]:
        """Every setting with its section, default, range and explanation, in section order."""
        return [info for t in cls.section_types() for info in t.describe()]
