"""Settings sections of recognition: matching and tracking, enrolment gates, liveness.

Distances are euclidean distances between the active encoder's descriptors (smaller = more
alike); a pair is "the same person" when distance <= threshold. Their scale depends on the
encoder: distance settings left at their defaults follow the encoder's pack
(recognition/units.py); the defaults written here are dlib's."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.options import SettingsSection, option

# Encoder packs shipped in models/manifest.json (tests/recognition/test_units.py keeps these
# in step with the manifest). "auto": the database's own encoder (recognition/encoder_choice.py).
ENCODERS = ("dlib_resnet_v1", "mobilefacenet_v1")
# Chosen from the sharpness of LFW chips (see README, "Configuration").
ENROL_MIN_SHARPNESS = 30.0


@dataclass(frozen=True)
class RecognitionSettings(SettingsSection):
    """Who is this: the distance rule and how many frames a decision needs."""

    NAME = "recognition"
    TITLE = "Recognition"

    encoder: str = option(
        "auto", None, None,
        "Which face model turns faces into numbers. Automatic keeps the model this database's "
        "employees were enrolled with, and uses MobileFaceNet for a new database. Faces enrolled "
        "with one model are not recognised by another: after switching, employees enrolled with "
        "the old model must be enrolled again (or their templates rebuilt). Takes effect after a "
        "restart.",
        label="Face model", choices=("auto",) + ENCODERS,
        choice_labels=("Automatic (this database's model)", "dlib ResNet (older, 128-D)",
                       "MobileFaceNet (recommended, 192-D)"),
        advanced=True,
    )

    strangers_per_1000: float = option(
        1.0, 0.01, 50.0,
        "How many visits of people who are not enrolled (out of 1,000) may be taken for an "
        "employee. Lower is stricter: fewer strangers booked or let in, but employees are more "
        "often asked to look at the camera again. The app turns this into the matching "
        "distance for the number of people enrolled, and recomputes it after every enrolment.",
        label="Strangers accepted per 1,000 visits",
    )
    threshold_mode: str = option(
        "calibrated", None, None,
        "calibrated: the matching distance follows from the strangers-per-1,000 target and the "
        "people enrolled (recommended). fixed: an expert override that uses the fixed distance "
        "below as it is; its stranger rate then grows with the number of people enrolled.",
        label="How the matching distance is set", choices=("calibrated", "fixed"), advanced=True,
    )
    # Euclidean distance between descriptors; README, "Choosing the threshold".
    match_threshold: float = option(
        0.5, 0.30, 1.60,
        "Only with the fixed setting above: how alike a face must look to an enrolled employee "
        "to count as that person. Lower is stricter: strangers are less often taken for an "
        "employee, but employees are more often not recognised.",
        label="Fixed matching distance (lower is stricter)", advanced=True,
    )
    min_margin: float = option(
        0.05, 0.0, 0.50,
        "When a face looks almost equally like two employees, it is treated as not recognised "
        "unless the best match is ahead by at least this much. 0 turns the check off.",
        label="Lead needed over the second-best match", advanced=True,
    )
    min_decision_frames: int = option(
        3, 1, 30,
        "Camera frames of a face combined before the first comparison with the enrolled "
        "people; later comparisons come after 3, 9 ... times as many frames. One odd frame "
        "then cannot book attendance or open the door.",
        label="Frames before the first decision",
    )
    decision_window_frames: int = option(
        90, 1, 900,
        "Frames combined for the last comparison (about 3 s at 30 frames per second): a face "
        "not recognised by then is told 'please see reception'. All comparisons of a face "
        "share the strangers-per-1,000 budget.",
        label="Frames before 'not recognised'", advanced=True,
    )
    track_iou: float = option(
        0.3, 0.1, 0.9,
        "How much a face's box must overlap between two frames to be taken as the same person "
        "moving.",
        label="Overlap to follow a moving face", advanced=True,
    )
    track_max_missed: int = option(
        5, 0, 100,
        "Frames a face may be hidden (someone walks in front, the person looks away) and still "
        "be followed as the same person; after that a new decision is made.",
        label="Frames a face may be hidden", advanced=True,
    )
    track_split_distance: float = option(
        0.60, 0.30, 2.00,
        "A face that suddenly looks this different from the same face a frame before is taken "
        "for another person (the camera cut away, someone stepped into the place) and gets its "
        "own decision, so a name never passes to someone else. Two frames of one person are "
        "far more alike than two photos of them.",
        label="Jump that means another person", advanced=True,
    )


@dataclass(frozen=True)
class EnrolmentSettings(SettingsSection):
    """Quality gates of an enrolment sample, each with the advice the wizard shows."""

    NAME = "enrolment"
    TITLE = "Enrolment"
    PREFIX = "enrol_"

    min_samples: int = option(1, 1, 20, "Good photos of a new employee needed before they can be saved. "
                                        "The guided capture from the camera takes 5.",
                              label="Photos needed to enrol")
    min_face_px: int = option(
        80, 40, 600, "A face smaller than this in the picture is refused with \"move closer\".",
        label="Smallest face size (pixels)", advanced=True)
    # Laplacian variance of the aligned 150 px face.
    min_sharpness: float = option(
        ENROL_MIN_SHARPNESS, 0.0, 2000.0,
        "A blurred photo is refused with \"hold still\". Higher asks for sharper photos; 0 "
        "accepts any.", label="Sharpness needed", advanced=True)
    min_brightness: float = option(40.0, 0.0, 255.0, "A face darker than this (0 is black, 255 is white) is "
                                                      "refused with \"too dark\".",
                                   label="Darkest face accepted", not_above="max_brightness")
    max_brightness: float = option(225.0, 0.0, 255.0, "A face brighter than this is refused with \"too bright\".",
                                   label="Brightest face accepted")
    max_yaw_deg: float = option(25.0, 5.0, 60.0, "A photo with the head turned further to the side is "
                                                  "refused with \"turn slightly left/right\".",
                                label="Largest head turn (degrees)", advanced=True)
    max_roll_deg: float = option(20.0, 5.0, 60.0, "A photo with the head tilted further is refused with "
                                                   "\"keep your head upright\".",
                                 label="Largest head tilt (degrees)", advanced=True)
    duplicate_refuse_percent: float = option(
        0.5, 0.01, 10.0,
        "A new employee who looks this much like someone already enrolled is refused as a "
        "duplicate: the distance is chosen so that people who are really different are refused "
        "in at most this percent of enrolments, for the number of people enrolled.",
        label="Refuse as duplicate (percent of distinct people)", advanced=True,
        not_above="duplicate_ask_percent",
    )
    duplicate_ask_percent: float = option(
        5.0, 0.1, 50.0,
        "Up to this percent of enrolments of distinct people, the admin is asked 'looks like "
        "<name>: same person?' and may save anyway (recorded in the audit log).",
        label="Ask before saving (percent of distinct people)", advanced=True,
    )


@dataclass(frozen=True)
class LivenessSettings(SettingsSection):
    """The head-turn challenge (recognition/liveness.py) and what it guards; the thresholds'
    measurements (build/pad_harness.py) are in README, "Door access and privacy"."""

    NAME = "liveness"
    TITLE = "Head-turn check"
    PREFIX = "liveness_"

    for_door: bool = option(
        True, None, None,
        "The door opens only for a live person, checked as \"Liveness check at this door\" (Door "
        "section) says: automatically from the camera image, with a head turn only when unsure, or "
        "a head turn for everyone (none of them stops a mask). Off: no check at all, so a photo of an "
        "employee may open the door.",
        label="Check for a live person before opening the door",
    )
    for_attendance: bool = option(
        False, None, None,
        "Attendance is booked only after the head turn: slower for everyone, but a photo of a "
        "colleague cannot book their attendance.",
        label="Ask for a head turn before booking attendance",
    )
    # A flat photo turned like a head reads 2-18 degrees of landmark yaw (jitter, perspective);
    # "turn your head left, then right" gives 20-60.
    min_yaw_change_deg: float = option(
        15.0, 5.0, 45.0,
        "How far the head must turn. Lower is easier for people, but lets more photos on to "
        "the depth test.",
        label="Head turn needed (degrees)", advanced=True,
    )
    # Nose parallax beyond one homography of the eye/mouth plane, as a fraction of the eye
    # distance. build/pad_harness.py: flat photos/screens reached 0.085, real turns in the clip
    # 0.13-0.18 (synthetic head: 15/20/30 degrees give 0.08/0.12/0.19, so ask for left AND
    # right); a strongly bent photo 0.07-0.19 (not stopped).
    min_parallax: float = option(
        0.09, 0.02, 0.30,
        "How much the nose must move against the eyes and mouth while the head turns, which a "
        "flat photo cannot do. Higher stops more photos; lower is easier for people.",
        label="Depth needed", advanced=True,
    )
    # Fused passive score (mean MiniFASNet "real" probability over a track's first frames,
    # recognition/passive.py); chosen on the tuning split of `faceapp pad-report` (README
    # "Passive liveness"), reported on its separate test split.
    passive_accept: float = option(
        0.93, 0.05, 0.99,
        "Automatic check: a face scoring at least this (0 to 1) is taken as a live person without "
        "any question. Higher stops more photos and screens, but asks more people to turn their head.",
        label="Automatic check: pass at", advanced=True,
    )
    passive_reject: float = option(
        0.01, 0.0, 0.99,
        "Automatic check: a face scoring below this is refused as a photo or screen; between this and "
        "the pass score the head turn is asked (when the door asks for it when unsure). Not above the "
        "pass score.",
        label="Automatic check: refuse below", advanced=True, not_above="passive_accept",
    )
    passive_frames: int = option(
        5, 1, 30,
        "Camera frames of a person the automatic check looks at and averages; more is steadier, "
        "and each frame costs a few milliseconds.",
        label="Automatic check: frames averaged", advanced=True,
    )
    min_frames: int = option(6, 3, 120, "Frames of a person the check must see before it can pass. Not "
                                        "more than the frames watched.",
                             label="Frames before the check can pass", advanced=True, not_above="window_frames")
    confirm_frames: int = option(
        3, 1, 30,
        "Frames in a row that must pass before a person counts as real; 1 would let a single "
        "unsteady frame pass a photo. Not more than the frames watched.",
        label="Frames in a row that must pass", advanced=True,
        not_above="window_frames",
    )
    window_frames: int = option(
        60, 6, 600, "Recent frames the check looks at (about 2-4 s); a person who has not turned by then "
                    "is refused.", label="Frames watched", advanced=True)
