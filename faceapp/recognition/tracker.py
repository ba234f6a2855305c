"""Follow faces across frames and decide who each one is from the fused evidence of its track.

A single frame can be wrong (blur, a turned head, a wrong landmark); a track's frames are
fused (recognition/fusion.py: yaw-weighted mean descriptor) and the fused probe is compared
with the gallery at a few looks: after `first_look` frames, then after 3x, 9x, ... as many,
and at the last look (`last_look` frames) or when the track ends, whichever comes first. The
first look that matches names the person; a track that reaches its last look without a match
is unknown. Each look has the same per-look threshold (the operating point divides the site's
false-accept budget by the number of looks, see calibration.py), so a stranger standing at the
desk gets no more chances than the budget allows, and an employee facing the camera is named
after the first few frames. Deciding once per track keeps a person standing at the desk from
being booked every frame. The judge is given the track's quality too (the fusion-weighted mean
face size of the frames fused): the threshold depends on it, and a track too poor to decide on
gets no decision at that look and, at its last look, an unknown with reason "come_closer"
(recognition/quality_model.py).

Greedy IoU assignment: faces at a desk barely overlap, so Hungarian buys nothing. A face whose
descriptor jumped far from its track's previous frame (a cut to another camera, someone
stepping into the place of the person who left) starts a new track, so a decision never passes
to another person. Pure and deterministic: the caller passes frame ids, boxes, observations and
the gallery lookup."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .fusion import renormalised
from .gallery import Match
from .settings import RecognitionSettings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .units import EncoderUnits

_DEFAULTS = RecognitionSettings()

Box = tuple[float, float, float, float]
Judge = Callable[[np.ndarray, float], Match]  # (fused probe, track quality) -> the gallery's verdict


@dataclass(frozen=True)
class Observation:
    """One frame of a face: its descriptor and how much it counts (fusion.frame_weight)."""

    embedding: np.ndarray  # (D,)
    weight: float = 1.0
    quality: float = math.nan  # face size in px (quality_model.py's measure); nan: not known


@dataclass(frozen=True)
class Decision:
    """Who a track is, decided once.

    employee_id: the person, or None for an unknown face.
    distance: distance of the fused probe to the nearest person at the deciding look.
    margin: the second-nearest person's distance minus `distance`.
    frames: observations (embedded frames) fused into the deciding probe.
    looks: looks taken so far, the deciding one included.
    candidate_id: the nearest person even when unknown (logs only; never grants anything).
    track_id: the track; box: its last box x1, y1, x2, y2; frame: the frame id it was decided at.
    reason: why an unknown is unknown when it is not "too far": "come_closer" (the faces were
    too poor to decide on at any look; quality_model.py). Never set for a known person.
    quality: the track's quality at the deciding look (fusion-weighted mean face size).
    """

    track_id: int
    employee_id: int | None
    distance: float
    margin: float
    frames: int
    box: Box
    frame: Hashable
    looks: int = 1
    candidate_id: int | None = None
    reason: str = ""
    quality: float = field(default=math.nan, compare=False)  # nan != nan would break equality


@dataclass
class _Track:
    id: int
    box: np.ndarray
    missed: int = 0
    frames: int = 0  # observations fused so far
    looks: int = 0
    looked_at: int = 0  # frames at the last look
    weighted: np.ndarray | None = None  # sum of weight * embedding
    weight: float = 0.0
    quality_sum: float = 0.0  # sum of weight * quality over frames whose quality is known
    quality_weight: float = 0.0
    last_embedding: np.ndarray | None = None  # the previous frame's descriptor (appearance check)
    last_match: Match | None = None
    decision: Decision | None = None

    def fused(self, renormalise: bool = False) -> np.ndarray:
        mean = (self.weighted / self.weight).astype(np.float32)
        return renormalised(mean) if renormalise else mean

    def quality(self) -> float:
        """Fusion-weighted mean quality of the frames in the fused probe (nan: none known)."""
        return self.quality_sum / self.quality_weight if self.quality_weight > 0 else math.nan


@dataclass(frozen=True)
class TrackSnapshot:
    """One track as the tracker holds it: box, frames fused so far, frames missed, decision if made."""

    track_id: int
    box: Box
    observations: int
    missed: int
    decision: Decision | None
    prompt: str = ""  # "come_closer" while the last look declined for poor faces (the live view asks)


def look_schedule(first_look: int, last_look: int) -> tuple[int, ...]:
    """Frame counts at which a track is compared with the gallery: first, 3x, 9x ..., the last
    one moved to last_look (3, 90 -> 3, 9, 27, 90)."""
    first, last = int(first_look), max(int(first_look), int(last_look))
    out = [first]
    while out[-1] * 3 <= last:
        out.append(out[-1] * 3)
    if out[-1] < last:
        if len(out) > 1:
            out[-1] = last
        else:
            out.append(last)
    return tuple(out)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) intersection over union of x1, y1, x2, y2 boxes."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = np.clip(a[:, 2] - a[:, 0], 0, None) * np.clip(a[:, 3] - a[:, 1], 0, None)
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def greedy_assign(iou: np.ndarray, min_iou: float) -> list[tuple[int, int]]:
    """(track, detection) pairs, highest IoU first, each side used once, IoU >= min_iou.
    Ties go to the lower track index, then the lower detection index."""
    if iou.size == 0:
        return []
    flat = np.argsort(-iou, axis=None, kind="stable")
    used_t: set[int] = set()
    used_d: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for k in flat:
        t, d = divmod(int(k), iou.shape[1])
        if iou[t, d] < min_iou:
            break
        if t not in used_t and d not in used_d:
            used_t.add(t)
            used_d.add(d)
            pairs.append((t, d))
    return pairs


class FaceTracker:
    """IoU tracker that fuses each track's frames and emits one Decision per track (see the
    module docstring). A track ends after more than max_missed frames without its face; the
    same face seen later is a new track with a new decision. A track that ends with fewer
    than first_look frames (a stray detection) reports nothing."""

    def __init__(
        self,
        first_look: int = _DEFAULTS.min_decision_frames,
        last_look: int = _DEFAULTS.decision_window_frames,
        iou_threshold: float = _DEFAULTS.track_iou,
        max_missed: int = _DEFAULTS.track_max_missed,
        split_distance: float = _DEFAULTS.track_split_distance,
        renormalise: bool = False,
    ) -> None:
        if first_look < 1 or max_missed < 0:
            raise ValueError("first_look must be >= 1 and max_missed >= 0")
        self.schedule = look_schedule(first_look, last_look)
        self.iou_threshold = float(iou_threshold)
        self.max_missed = int(max_missed)
        self.split_distance = float(split_distance)
        self.renormalise = bool(renormalise)  # unit-vector encoder: the fused probe is renormalised
        self._tracks: list[_Track] = []
        self._next_id = 1
        self.assignment: list[int] = []

    @classmethod
    def from_settings(cls, settings: RecognitionSettings, units: "EncoderUnits | None" = None) -> "FaceTracker":
        """The tracker for the settings, its jump distance in the encoder's units (units.py)."""
        renormalise = False
        if units is not None:
            settings, renormalise = units.settings(settings), units.renormalise
        return cls(settings.min_decision_frames, settings.decision_window_frames, settings.track_iou,
                   settings.track_max_missed, settings.track_split_distance, renormalise)

    @property
    def looks(self) -> int:
        """Looks per track at most: the operating point shares the false-accept budget among them."""
        return len(self.schedule)

    @property
    def first_look(self) -> int:
        return self.schedule[0]

    def update(self, frame: Hashable, boxes: np.ndarray, observations: Sequence[Observation | None],
               judge: Judge) -> list[Decision]:
        """Feed one processed frame: boxes (N, 4) and one Observation per box (None when the
        face was not embedded: it keeps the track alive but adds no evidence). `judge` maps a
        fused probe to the gallery's Match. Returns the decisions of this frame by track id."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        if len(observations) != len(boxes):
            raise ValueError(f"{len(boxes)} boxes but {len(observations)} observations")
        iou = iou_matrix([t.box for t in self._tracks], boxes)
        for t, d in zip(*np.nonzero(iou >= self.iou_threshold)):
            if self._someone_else(self._tracks[t], observations[d]):
                iou[t, d] = 0.0  # same place, another person: never inherits this track
        pairs = greedy_assign(iou, self.iou_threshold)
        seen_t = {t for t, _ in pairs}
        seen_d = {d for _, d in pairs}
        decisions: list[Decision] = []
        for t, d in pairs:
            track = self._tracks[t]
            track.box, track.missed = boxes[d].copy(), 0
            self._observe(track, observations[d], frame, judge, decisions)
        alive: list[_Track] = []
        for i, track in enumerate(self._tracks):
            if i not in seen_t:
                track.missed += 1
                if track.missed > self.max_missed:
                    self._end(track, frame, judge, decisions)
                    continue
            alive.append(track)
        assignment = [0] * len(boxes)
        for t, d in pairs:
            assignment[d] = self._tracks[t].id
        for d in range(len(boxes)):
            if d not in seen_d:
                track = _Track(self._next_id, boxes[d].copy())
                self._next_id += 1
                alive.append(track)
                assignment[d] = track.id
                self._observe(track, observations[d], frame, judge, decisions)
        self._tracks = alive
        self.assignment = assignment  # track id of each box of this frame (liveness follows it)
        return sorted(decisions, key=lambda x: x.track_id)

    def flush(self, judge: Judge, frame: Hashable = None) -> list[Decision]:
        """End every track (camera stopped); returns the decisions that produces."""
        decisions: list[Decision] = []
        for track in self._tracks:
            self._end(track, frame, judge, decisions)
        self._tracks = []
        return decisions

    def tracks(self) -> list[TrackSnapshot]:
        return [TrackSnapshot(t.id, _box(t.box), t.frames, t.missed, t.decision,
                              t.last_match.reason if t.decision is None and t.last_match is not None else "")
                for t in self._tracks]

    # -- deciding --------------------------------------------------------------------------

    def _someone_else(self, track: _Track, obs: Observation | None) -> bool:
        """A face in the track's place whose descriptor jumped from the track's previous frame
        by more than dlib's own same-person distance: consecutive frames of one person are far
        closer than two photos of them, so such a jump is another person (a cut, a swap)."""
        if obs is None or track.last_embedding is None:
            return False
        return float(np.linalg.norm(np.asarray(obs.embedding, np.float64).reshape(-1) - track.last_embedding)) \
            > self.split_distance

    def _observe(self, track: _Track, obs: Observation | None, frame: Hashable, judge: Judge,
                 out: list[Decision]) -> None:
        if obs is None:
            return
        e = np.asarray(obs.embedding, np.float64).reshape(-1)
        w = float(obs.weight)
        if not (w > 0 and np.all(np.isfinite(e))):
            return
        track.last_embedding = e
        if track.decision is not None:
            return
        track.weighted = e * w if track.weighted is None else track.weighted + e * w
        track.weight += w
        if math.isfinite(obs.quality):
            track.quality_sum += w * float(obs.quality)
            track.quality_weight += w
        track.frames += 1
        if track.frames in self.schedule:
            self._look(track, frame, judge, out, last=track.frames == self.schedule[-1])

    def _end(self, track: _Track, frame: Hashable, judge: Judge, out: list[Decision]) -> None:
        """A track that ends undecided gets its last look now (over all its frames)."""
        if track.decision is None and track.frames >= self.first_look:
            if track.frames > track.looked_at:
                self._look(track, frame, judge, out, last=True)
            else:
                self._decide(track, None, track.last_match, frame, out)
            log.debug("track %d ended after %d frames: %s", track.id, track.frames, track.decision)

    def _look(self, track: _Track, frame: Hashable, judge: Judge, out: list[Decision], last: bool) -> None:
        track.looks += 1
        track.looked_at = track.frames
        m = judge(track.fused(self.renormalise), track.quality())
        track.last_match = m
        if m.employee_id is not None:
            self._decide(track, m.employee_id, m, frame, out)
        elif last:
            self._decide(track, None, m, frame, out)

    def _decide(self, track: _Track, pid: int | None, m: Match | None, frame: Hashable, out: list[Decision]) -> None:
        dist, margin, cand = (m.distance, m.margin, m.candidate_id) if m is not None else (math.inf, math.inf, None)
        reason = m.reason if m is not None and pid is None else ""
        track.decision = Decision(track.id, pid, float(dist), float(margin), track.frames, _box(track.box), frame,
                                  track.looks, cand, reason, track.quality())
        out.append(track.decision)
        log.debug("track %d decided %s after %d frames, look %d (distance %.3f)", track.id, pid, track.frames,
                  track.looks, dist)


def _box(b: np.ndarray) -> Box:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
