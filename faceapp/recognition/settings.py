"""Settings sections of recognition: matching and tracking, enrolment gates, liveness.

Distances are euclidean distances between dlib descriptors (smaller = more alike); a pair
is "the same person" when distance <= threshold."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.options import SettingsSection, option

# Chosen from the sharpness of LFW chips (see README, "Configuration").
ENROL_MIN_SHARPNESS = 30.0


@dataclass(frozen=True)
class RecognitionSettings(SettingsSection):
    """Who is this: the distance rule and how many frames a decision needs."""

    NAME = "recognition"
    TITLE = "Recognition"

    threshold_mode: str = option(
        "calibrated", None, None,
        "calibrated: the app derives the distance threshold from the enrolled people and the "
        "strangers-per-1,000 target below, and recomputes it whenever someone is enrolled or "
        "removed (recognition/calibration.py). fixed: the expert override, match_threshold is "
        "used as it is and the stranger rate is not controlled.",
        choices=("calibrated", "fixed"),
    )
    strangers_per_1000: float = option(
        1.0, 0.01, 50.0,
        "How many visits of never-enrolled people (out of 1,000) may be taken for an "
        "employee. Lower is stricter: fewer strangers booked or let in, more employees asked "
        "to look at the camera again. The threshold for it falls as more people are enrolled.",
    )
    match_threshold: float = option(
        0.5, 0.30, 0.80,
        "Fixed threshold (threshold_mode fixed only): the largest distance between a face and "
        "an enrolled person accepted as that person. It does not adapt to the number of people "
        "enrolled, so its stranger rate grows with the site: see README, Choosing the threshold.",
    )
    min_margin: float = option(
        0.05, 0.0, 0.30,
        "Smallest distance gap between the best and the second-best enrolled person for a "
        "match to count; closer calls are reported as unknown. 0 turns the check off.",
    )
    min_decision_frames: int = option(
        3, 1, 30,
        "Frames of a face fused before the first comparison with the enrolled people; later "
        "looks come after 3x, 9x ... as many frames. One odd frame then cannot open the door "
        "or book attendance.",
    )
    decision_window_frames: int = option(
        90, 1, 900,
        "Frames fused at the last look (about 3 s at 30 frames/s): a face not recognised by "
        "then is unknown ('please see reception'). The looks share the stranger budget, so "
        "more looks mean a stricter threshold per look.",
    )
    track_iou: float = option(
        0.3, 0.1, 0.9,
        "Box overlap (IoU) needed to treat a face in the next frame as the same track.",
    )
    track_max_missed: int = option(
        5, 0, 100,
        "Frames a tracked face may be missing before its track ends; a face seen again "
        "later starts a new track and a new decision.",
    )
    track_split_distance: float = option(
        0.60, 0.30, 1.20,
        "A face in a track's place whose descriptor jumped farther than this from the track's "
        "previous frame is another person (a cut, someone stepping in) and starts a new track, "
        "so a name never passes to someone else. Default: dlib's own same-person distance; two "
        "consecutive frames of one person are much closer than two photos of them.",
        advanced=True,
    )


@dataclass(frozen=True)
class EnrolmentSettings(SettingsSection):
    """Quality gates of an enrolment sample, each with the advice the wizard shows."""

    NAME = "enrolment"
    TITLE = "Enrolment"
    PREFIX = "enrol_"

    min_samples: int = option(1, 1, 20, "Good samples needed to save an enrolment (the guided capture takes 5).")
    min_face_px: int = option(
        80, 40, 600, "Smallest face (box side in pixels) accepted as an enrolment sample: 'move closer'.")
    min_sharpness: float = option(
        ENROL_MIN_SHARPNESS, 0.0, 2000.0,
        "Smallest Laplacian variance of the aligned 150 px face accepted for enrolment: 'hold still'.")
    min_brightness: float = option(40.0, 0.0, 255.0, "Darkest mean grey level of the face accepted: 'too dark'.")
    max_brightness: float = option(225.0, 0.0, 255.0, "Brightest mean grey level of the face accepted: 'too bright'.")
    max_yaw_deg: float = option(25.0, 5.0, 60.0, "Largest head turn (degrees) accepted for enrolment.")
    max_roll_deg: float = option(20.0, 5.0, 60.0, "Largest head tilt (degrees) accepted for enrolment.")
    duplicate_refuse_percent: float = option(
        0.5, 0.01, 10.0,
        "A new person is refused as already enrolled when they are closer to an enrolled person "
        "than distinct people are in more than this percent of enrolments (calibrated to the "
        "gallery like the recognition threshold).",
    )
    duplicate_ask_percent: float = option(
        5.0, 0.1, 50.0,
        "Above the refusal distance and up to this percent, the admin is asked 'looks like "
        "<name>: same person?' and may save anyway (recorded in the audit log).",
    )


@dataclass(frozen=True)
class LivenessSettings(SettingsSection):
    """The head-turn challenge (recognition/liveness.py) and what it guards."""

    NAME = "liveness"
    TITLE = "Liveness"
    PREFIX = "liveness_"

    for_door: bool = option(
        True, None, None,
        "Open the door only for a face that passed the head-turn liveness challenge "
        "(recognition/liveness.py): stops printed photos and still images on a phone or monitor, "
        "not video replays or 3-D masks.",
    )
    for_attendance: bool = option(
        False, None, None,
        "Book attendance only for a face that passed the head-turn liveness challenge.",
    )
    min_yaw_change_deg: float = option(
        15.0, 5.0, 45.0,
        "Head turn (change of landmark yaw, degrees) the challenge needs. A flat photo turned "
        "like a head reads 2-18 degrees (landmark jitter and perspective); asking to 'turn "
        "your head left, then right' gives 20-60. Lower lets more photos reach the parallax test.",
    )
    min_parallax: float = option(
        0.09, 0.02, 0.30,
        "Smallest nose parallax accepted as a real head: how far the nose moves with the turn "
        "beyond what one homography of the eye/mouth plane explains, as a fraction of the eye "
        "distance. build/pad_harness.py: flat photos/screens reached 0.085, real turns in the "
        "clip 0.13-0.18 (synthetic head: 15/20/30 degrees give 0.08/0.12/0.19, so ask for "
        "left AND right); a strongly bent photo 0.07-0.19 (not stopped).",
    )
    min_frames: int = option(6, 3, 120, "Frames of a track the liveness challenge needs before it can pass.")
    confirm_frames: int = option(
        3, 1, 30,
        "Consecutive frames the liveness test must pass before a track counts as live; the "
        "test runs every frame, so 1 lets a single frame of landmark jitter pass a photo.",
    )
    window_frames: int = option(
        60, 6, 600, "Most recent frames of a track the liveness challenge looks at (about 2-4 s).")
