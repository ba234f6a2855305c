"""Recognition settings: every threshold has one meaning, one home and a documented range."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable

from .door_backends import CHECKSUMS, LCUS_OFF, LCUS_ON, check_hex_template, check_http_url
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
    min_face_px: int = _f(40, 20, 400, "Face size (box side in pixels) the detector's pyramid starts from; faces "
                                       "down to about half of it are still found. Larger is faster.")
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
    door_backend: str = _f(
        "none", None, None,
        "Door relay: none (attendance only), simulated (logs pulses; demo), serial (USB relay "
        "board) or http (network relay such as Shelly or Tasmota).",
        ("none", "simulated", "serial", "http"),
    )
    door_pulse_s: float = _f(3.0, 0.5, 30.0, "Seconds the door strike stays unlocked after an access grant.")
    door_serial_port: str = _f("", None, None, "Serial port of the relay board, e.g. COM3 or /dev/ttyUSB0.")
    door_serial_baudrate: int = _f(9600, 1200, 115200, "Baud rate of the relay board (LCUS boards: 9600).")
    door_serial_channel: int = _f(1, 0, 255, "Relay channel on the board; the {ch} byte of the commands.")
    door_serial_on_hex: str = _f(
        LCUS_ON, None, None,
        "Bytes that switch the relay on: hex bytes, {ch} for the channel and {sum} for the "
        "checksum of the bytes before it. Default: LCUS boards (A0 01 01 A2).",
        check=check_hex_template,
    )
    door_serial_off_hex: str = _f(LCUS_OFF, None, None, "Bytes that switch the relay off (LCUS: A0 01 00 A1).",
                                  check=check_hex_template)
    door_serial_checksum: str = _f("sum8", None, None, "How {sum} is computed: sum8 (sum mod 256), xor8 or none.",
                                   CHECKSUMS)
    door_http_on_url: str = _f(
        "", None, None,
        "URL that unlocks; {seconds} becomes the pulse length. Prefer a relay that switches "
        "itself off (Shelly: http://HOST/relay/0?turn=on&timer={seconds}) so a crashed PC "
        "cannot leave the door open.",
        check=check_http_url,
    )
    door_http_off_url: str = _f("", None, None, "URL that locks (Shelly: http://HOST/relay/0?turn=off; "
                                "Tasmota: http://HOST/cm?cmnd=Power%20Off).", check=check_http_url)
    door_http_method: str = _f("GET", None, None, "HTTP method of the relay requests.", ("GET", "POST", "PUT"))
    door_http_on_body: str = _f("", None, None, "Request body for 'on' (POST/PUT); {seconds} is replaced.")
    door_http_off_body: str = _f("", None, None, "Request body for 'off' (POST/PUT).")
    door_http_timeout_s: float = _f(2.0, 0.2, 10.0, "Seconds to wait for the network relay before reporting it unreachable.")
    retention_unknown_days: int = _f(
        30, 1, 3650, "Days after which thumbnails of unrecognised faces are deleted.",
    )
    retention_inactive_days: int = _f(
        90, 1, 3650,
        "Days after deactivation after which a person's face templates are deleted (their "
        "attendance stays); re-activation then needs a new enrolment.",
    )
    liveness_for_door: bool = _f(
        True, None, None,
        "Open the door only for a face that passed the head-turn liveness challenge "
        "(core/liveness.py): stops printed photos and still images on a phone or monitor, "
        "not video replays or 3-D masks.",
    )
    liveness_for_attendance: bool = _f(
        False, None, None,
        "Book attendance only for a face that passed the head-turn liveness challenge.",
    )
    liveness_min_yaw_change_deg: float = _f(
        15.0, 5.0, 45.0,
        "Head turn (change of landmark yaw, degrees) the challenge needs. A flat photo turned "
        "like a head reads 2-18 degrees (landmark jitter and perspective); asking to 'turn "
        "your head left, then right' gives 20-60. Lower lets more photos reach the parallax test.",
    )
    liveness_min_parallax: float = _f(
        0.09, 0.02, 0.30,
        "Smallest nose parallax accepted as a real head: how far the nose moves with the turn "
        "beyond what one homography of the eye/mouth plane explains, as a fraction of the eye "
        "distance. build/pad_harness.py: flat photos/screens reached 0.085, real turns in the "
        "clip 0.13-0.18 (synthetic head: 15/20/30 degrees give 0.08/0.12/0.19, so ask for "
        "left AND right); a strongly bent photo 0.07-0.19 (not stopped).",
    )
    liveness_min_frames: int = _f(
        6, 3, 120, "Frames of a track the liveness challenge needs before it can pass.",
    )
    liveness_confirm_frames: int = _f(
        3, 1, 30,
        "Consecutive frames the liveness test must pass before a track counts as live; the "
        "test runs every frame, so 1 lets a single frame of landmark jitter pass a photo.",
    )
    liveness_window_frames: int = _f(
        60, 6, 600, "Most recent frames of a track the liveness challenge looks at (about 2-4 s).",
    )

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
            if isinstance(f.default, bool):
                if not isinstance(value, bool):
                    raise SettingsError(f"{f.name}={value!r}: expected true or false")
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
