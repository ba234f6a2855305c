"""Recognition settings: every threshold has one meaning, one home and a documented range."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

from .errors import FaceAppError
from .timezones import check_timezone_name


# Chosen from the sharpness of LFW chips (see README, "Configuration").
ENROL_MIN_SHARPNESS = 30.0


class SettingsError(FaceAppError):
    """A setting is outside its documented range or of the wrong type."""


def _f(default: Any, lo: float | None, hi: float | None, doc: str, choices: tuple = (),
       check: Callable[[str], None] | None = None):  # noqa: ANN202
    """A documented setting. Text settings without choices name a `check` that raises
    ValueError with the reason."""
    return field(default=default, metadata={"range": (lo, hi), "doc": doc, "choices": choices, "check": check})


@dataclass
class RecognitionSettings:
    """Engine and matching settings. Distances are euclidean distances between dlib
    descriptors (smaller = more alike); a pair is "the same person" when distance <= threshold."""

    match_threshold: float = _f(
        0.5, 0.30, 0.80,
        "Largest descriptor distance accepted as the same person. Lower is stricter (fewer "
        "false accepts, more 'not recognised'). Measured on LFW (187 enrolled, 414 never "
        "enrolled, one photo each, margin 0.05): 0.50 accepts 76% of enrolled probes with "
        "0.0% wrong person and 0.7% of strangers; 0.60 (dlib's 1:1 operating point) lets "
        "12% of strangers in. `faceapp eval-ident` reproduces the table.",
    )
    min_face_px: int = _f(40, 20, 400, "Smallest face (box side in pixels) the detector looks for.")
    min_detection_score: float = _f(
        0.9, 0.7, 1.0,
        "Lowest detector confidence kept as a face. MTCNN's last stage accepts from 0.7; hair, "
        "hands and posters score 0.7-0.9, real faces at a desk about 0.99.",
    )
    provider: str = _f("auto", None, None, "Execution provider: auto (CUDA when present), cuda or cpu.",
                       ("auto", "cuda", "cpu"))
    min_margin: float = _f(
        0.05, 0.0, 0.30,
        "Smallest distance gap between the best and the second-best enrolled person for a "
        "match to count; closer calls are reported as unknown. 0 turns the check off.",
    )
    min_decision_frames: int = _f(
        3, 1, 30,
        "Frames a tracked face must agree on one person before the app decides who it is; "
        "one odd frame then cannot open the door or book attendance.",
    )
    track_iou: float = _f(
        0.3, 0.1, 0.9,
        "Box overlap (IoU) needed to treat a face in the next frame as the same track.",
    )
    track_max_missed: int = _f(
        5, 0, 100,
        "Frames a tracked face may be missing before its track ends; a face seen again "
        "later starts a new track and a new decision.",
    )
    cooldown_s: int = _f(
        60, 0, 3600,
        "Seconds after an attendance event during which the same person is not booked again.",
    )
    attendance_mode: str = _f(
        "first_in_last_out", None, None,
        "first_in_last_out: the day's first event is 'in', every later one 'out' (the last "
        "counts). toggle: events alternate in/out through the day (breaks are not worked time).",
        ("first_in_last_out", "toggle"),
    )
    timezone: str = _f(
        "", None, None,
        "IANA time zone of the site (e.g. Europe/Berlin) that decides which calendar day an "
        "event belongs to; empty means the PC's local zone.",
        check=check_timezone_name,
    )
    day_start_hour: int = _f(
        0, 0, 23,
        "Local hour at which an attendance day begins; raise it (e.g. 6) when night shifts "
        "cross midnight so a shift stays on one day.",
    )
    enrol_min_samples: int = _f(
        1, 1, 20, "Good samples needed to save an enrolment (the guided capture takes 5).",
    )
    enrol_min_face_px: int = _f(
        80, 40, 600, "Smallest face (box side in pixels) accepted as an enrolment sample: 'move closer'.",
    )
    enrol_min_sharpness: float = _f(
        ENROL_MIN_SHARPNESS, 0.0, 2000.0,
        "Smallest Laplacian variance of the aligned 150 px face accepted for enrolment: 'hold still'.",
    )
    enrol_min_brightness: float = _f(40.0, 0.0, 255.0, "Darkest mean grey level of the face accepted: 'too dark'.")
    enrol_max_brightness: float = _f(225.0, 0.0, 255.0, "Brightest mean grey level of the face accepted: 'too bright'.")
    enrol_max_yaw_deg: float = _f(25.0, 5.0, 60.0, "Largest head turn (degrees) accepted for enrolment.")
    enrol_max_roll_deg: float = _f(20.0, 5.0, 60.0, "Largest head tilt (degrees) accepted for enrolment.")

    def validate(self) -> "RecognitionSettings":
        for f in fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata["range"]
            choices = f.metadata["choices"]
            if choices:
                if value not in choices:
                    raise SettingsError(f"{f.name}={value!r}: choose one of {', '.join(choices)}")
                continue
            if isinstance(f.default, str):
                if not isinstance(value, str):
                    raise SettingsError(f"{f.name}={value!r}: expected text")
                if f.metadata["check"] is not None:
                    try:
                        f.metadata["check"](value)
                    except ValueError as exc:
                        raise SettingsError(f"{f.name}: {exc}") from None
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise SettingsError(f"{f.name}={value!r}: expected a number")
            if isinstance(f.default, int) and not isinstance(f.default, bool) and int(value) != value:
                raise SettingsError(f"{f.name}={value!r}: expected a whole number")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise SettingsError(f"{f.name}={value}: allowed range is {lo}..{hi}")
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RecognitionSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**data).validate()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def describe(cls) -> list[tuple[str, Any, tuple, str]]:
        """(name, default, (lo, hi), doc) for the README, the CLI and the settings dialog."""
        return [(f.name, f.default, f.metadata["range"], f.metadata["doc"]) for f in fields(cls)]
