"""Active liveness challenge: "turn your head left and right", checked for 3-D parallax.

A printed photo or a phone/monitor showing a still face is a plane. However it is moved,
rotated or tilted in front of the camera, the image of every point on it follows ONE
homography (a 3x3 projective map) from one frame to the next. A real head is not flat:
when it turns, the nose (2-3 cm in front of the eyes and mouth) moves relative to the
eye/mouth points in a way no homography explains (motion parallax). So the check asks
for enough head turn (yaw change from the landmarks), fits one homography to the 8
eye/mouth points (MTCNN eyes + mouth corners, dlib eye corners) between the least- and
the most-turned frames and measures where the 2 nose points (MTCNN tip, dlib base) land
against that plane's prediction ("plane + parallax"), signed in the turn's direction.
Measured on the harness data (build/pad_harness.py), the plain RMS residual of one
10-point homography put a synthetic 15 degree head turn (0.039) inside the range of flat
attacks (<= 0.047); the signed nose parallax put it above them (0.079 vs <= 0.060),
because the nose no longer bends the plane fit and jitter in the wrong direction counts
against a photo.

A flat card turned like a head barely changes the landmark yaw at all (an affine map
keeps the nose's position relative to the eyes), so most photo attacks already fail
with "no head turn"; the nose parallax catches the rest (detector bias, a photo moved
until the landmark yaw jitters past the threshold).

Pure numpy/cv2, no I/O. See build/pad_harness.py for the measured APCER/BPCER and the
LivenessSettings (recognition/settings.py) for the thresholds.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

import cv2
import numpy as np

from ..vision.quality import pose_from_landmarks
from .settings import LivenessSettings

log = logging.getLogger(__name__)

_DEFAULTS = LivenessSettings()

REASON_PENDING = "too few frames"
REASON_CONFIRMING = "confirming"
REASON_NO_TURN = "no head turn"
REASON_FLAT = "flat (photo or screen)"
REASON_LIVE = "live"

# MTCNN: left eye, right eye, nose, left mouth, right mouth; dlib 5: eye corners x4, nose base.
_NOSE_IDX = (2, 9)
_PLANE_IDX = (0, 1, 3, 4, 5, 6, 7, 8)


@dataclass(frozen=True)
class LivenessResult:
    """Verdict of one challenge.

    live: True only for a finished challenge with enough turn and enough parallax.
    score: nose parallax (median signed nose offset from the eye/mouth plane's homography,
        as a fraction of the eye distance, see nose_parallax); live needs
        score >= liveness_min_parallax. 0 until there is a head turn.
    reason: one of "too few frames", "no head turn", "flat (photo or screen)",
        "confirming" (passed, waiting for confirm_frames in a row), "live".
    frames: frames observed in the current window.
    yaw_range_deg: robust yaw change seen in the window (degrees).
    """

    live: bool
    score: float
    reason: str
    frames: int
    yaw_range_deg: float = 0.0


@dataclass(frozen=True)
class _Obs:
    points: np.ndarray  # (10, 2) float64: MTCNN 5 then dlib 5
    yaw: float
    iod: float


def face_points(landmarks: np.ndarray, shape5: np.ndarray) -> np.ndarray:
    """The 10 landmark points (MTCNN 5 + dlib 5) the parallax test fits, as float64."""
    return np.concatenate([np.asarray(landmarks, np.float64).reshape(5, 2),
                           np.asarray(shape5, np.float64).reshape(5, 2)])


def homography_residual(src: np.ndarray, dst: np.ndarray, scale: float) -> float:
    """RMS distance, in units of `scale`, between dst and src mapped by the least-squares
    homography src -> dst: ~landmark noise for a plane, larger with depth parallax."""
    h, _ = cv2.findHomography(src.astype(np.float64), dst.astype(np.float64), 0)
    if h is None or not np.all(np.isfinite(h)):
        return float("inf")
    proj = cv2.perspectiveTransform(src.reshape(-1, 1, 2).astype(np.float64), h).reshape(-1, 2)
    return float(np.sqrt(np.mean(np.sum((proj - dst) ** 2, axis=1))) / max(scale, 1e-6))


def nose_parallax(src: np.ndarray, dst: np.ndarray, scale: float) -> float:
    """Plane + parallax: fit the least-squares homography on the 8 eye/mouth points of
    src -> dst, transfer the 2 nose points and return how far the real nose points lie
    from the transferred ones ALONG dst's eye line (signed: + = in the direction of the
    image-right end of the eye line), in units of `scale`. A plane gives landmark noise;
    a head turning towards the image right gives + (nose ~0.5-0.6 eye distances deep)."""
    h, _ = cv2.findHomography(src[list(_PLANE_IDX)], dst[list(_PLANE_IDX)], 0)
    if h is None or not np.all(np.isfinite(h)):
        return 0.0
    nose = list(_NOSE_IDX)
    pred = cv2.perspectiveTransform(src[nose].reshape(-1, 1, 2), h).reshape(-1, 2)
    eye = dst[1] - dst[0]
    eye = eye / max(float(np.linalg.norm(eye)), 1e-6)
    return float(np.mean((dst[nose] - pred) @ eye)) / max(scale, 1e-6)


def parallax_score(obs: list[_Obs], max_pairs: int = 64, min_extreme: int = 3) -> tuple[float, float]:
    """(parallax, yaw_range): median nose parallax over pairs (least-turned frame ->
    most-turned frame), the frames being the lowest and the highest quarter of the yaw
    range (the extreme 10% of frames trimmed), so that a few bad landmark frames neither
    make nor break the verdict; each end needs min_extreme frames (a glitch is not a turn).

    Signed on purpose: the nose of a real head moves WITH the turn; a flat photo only
    jitters, and random residuals in the wrong direction count against it."""
    yaws = np.array([o.yaw for o in obs])
    order = np.sort(yaws)
    k = len(order) // 10 if len(order) >= 20 else (1 if len(order) >= 3 else 0)  # trim glitch frames
    lo, hi = float(order[k]), float(order[-1 - k])
    yaw_range = max(0.0, hi - lo)
    low = [o for o in obs if o.yaw <= lo + 0.25 * yaw_range]
    high = [o for o in obs if o.yaw >= hi - 0.25 * yaw_range]
    pairs = [(a, b) for a in low for b in high if a is not b]
    if not pairs or min(len(low), len(high)) < min(min_extreme, len(obs) // 2):
        return 0.0, yaw_range
    if len(pairs) > max_pairs:
        step = len(pairs) / max_pairs
        pairs = [pairs[int(i * step)] for i in range(max_pairs)]
    res = [nose_parallax(a.points, b.points, 0.5 * (a.iod + b.iod)) for a, b in pairs]
    return float(np.median(res)), yaw_range


class LivenessChallenge:
    """State of one tracked face's challenge: feed landmarks frame by frame, read result().

    Keeps the last `window` frames, so a person who turns a little late still passes and a
    track that sat still for minutes does not need to be reset.
    """

    def __init__(self, min_yaw_change_deg: float = _DEFAULTS.min_yaw_change_deg,
                 min_parallax: float = _DEFAULTS.min_parallax,
                 min_frames: int = _DEFAULTS.min_frames,
                 window: int = _DEFAULTS.window_frames,
                 confirm_frames: int = _DEFAULTS.confirm_frames):
        self.min_yaw_change_deg = float(min_yaw_change_deg)
        self.min_parallax = float(min_parallax)
        self.min_frames = int(min_frames)
        self.confirm_frames = int(confirm_frames)
        self._obs: deque[_Obs] = deque(maxlen=int(window))
        self._later: list[_Obs] = []  # frames added with defer(), checked when the verdict is read
        self._streak = 0
        self._last = LivenessResult(False, 0.0, REASON_PENDING, 0)
        self._passed: LivenessResult | None = None

    @classmethod
    def from_settings(cls, s: LivenessSettings) -> "LivenessChallenge":
        return cls(s.min_yaw_change_deg, s.min_parallax, s.min_frames, s.window_frames, s.confirm_frames)

    def observe(self, landmarks: np.ndarray, shape5: np.ndarray) -> LivenessResult:
        """Add one frame's landmarks (Face.landmarks, Face.shape5) and return the verdict so far."""
        self.defer(landmarks, shape5)
        return self.result()

    def defer(self, landmarks: np.ndarray, shape5: np.ndarray) -> None:
        """Add one frame without checking it yet: the check of every frame deferred so runs
        when result() is next asked, frame by frame as observe() would have, so the verdict
        is the same; a track whose verdict nobody reads (a stranger: the door denies unknown
        faces anyway) never pays for the homography fits. At most 4 windows wait."""
        lm = np.asarray(landmarks, np.float64).reshape(5, 2)
        iod = float(np.linalg.norm(lm[1] - lm[0]))
        if iod < 1e-3 or not np.all(np.isfinite(lm)):
            return
        yaw, _ = pose_from_landmarks(lm)
        self._later.append(_Obs(face_points(lm, shape5), float(yaw), iod))
        if len(self._later) >= 4 * (self._obs.maxlen or 1):
            self._catch_up()

    def _catch_up(self) -> None:
        for ob in self._later:
            self._obs.append(ob)
            if self._passed is None:
                self._last = self._evaluate()
        self._later.clear()

    def observe_face(self, face) -> LivenessResult:  # noqa: ANN001 - vision.types.Face
        return self.observe(face.landmarks, face.shape5)

    def result(self) -> LivenessResult:
        """The verdict after the last observed frame. Once live, stays live for this track
        (the door decision is made once per track)."""
        if self._later:
            self._catch_up()
        return self._passed if self._passed is not None else self._last

    def _evaluate(self) -> LivenessResult:
        """Live only after confirm_frames consecutive frames pass: the check runs on every
        frame, and one lucky frame of landmark jitter must not open the door."""
        n = len(self._obs)
        if n < self.min_frames:
            return LivenessResult(False, 0.0, REASON_PENDING, n)
        parallax, yaw_range = parallax_score(list(self._obs))
        if yaw_range < self.min_yaw_change_deg:
            self._streak = 0
            return LivenessResult(False, 0.0, REASON_NO_TURN, n, yaw_range)
        if parallax < self.min_parallax:
            self._streak = 0
            return LivenessResult(False, parallax, REASON_FLAT, n, yaw_range)
        self._streak += 1
        if self._streak < self.confirm_frames:
            return LivenessResult(False, parallax, REASON_CONFIRMING, n, yaw_range)
        self._passed = LivenessResult(True, parallax, REASON_LIVE, n, yaw_range)
        log.debug("liveness passed: parallax %.3f yaw range %.1f over %d frames", parallax, yaw_range, n)
        return self._passed


class LivenessMonitor:
    """One LivenessChallenge per track id (FaceTracker's ids); drop() when a track ends."""

    def __init__(self, settings: LivenessSettings | None = None):
        self.settings = settings or LivenessSettings()
        self._tracks: dict[Hashable, LivenessChallenge] = {}

    def observe(self, track_id: Hashable, landmarks: np.ndarray, shape5: np.ndarray) -> LivenessResult:
        return self._challenge(track_id).observe(landmarks, shape5)

    def defer(self, track_id: Hashable, landmarks: np.ndarray, shape5: np.ndarray) -> None:
        """observe() without the verdict: checked when result() asks (LivenessChallenge.defer)."""
        self._challenge(track_id).defer(landmarks, shape5)

    def _challenge(self, track_id: Hashable) -> LivenessChallenge:
        ch = self._tracks.get(track_id)
        if ch is None:
            ch = self._tracks[track_id] = LivenessChallenge.from_settings(self.settings)
        return ch

    def result(self, track_id: Hashable) -> LivenessResult:
        ch = self._tracks.get(track_id)
        return ch.result() if ch is not None else LivenessResult(False, 0.0, REASON_PENDING, 0)

    def drop(self, track_id: Hashable) -> None:
        self._tracks.pop(track_id, None)

    def keep_only(self, track_ids: set) -> None:
        """Forget challenges of tracks that ended (call with the tracker's live ids)."""
        for tid in [t for t in self._tracks if t not in track_ids]:
            del self._tracks[tid]
