"""Follow faces across frames and decide who each one is once, from several frames.

A single frame's match can be wrong (blur, a turned head); deciding per track after a
few agreeing frames keeps one odd frame from opening the door or booking attendance,
and deciding once per track keeps a person standing at the desk from being booked every
frame. Greedy IoU assignment: faces at a desk barely overlap, so Hungarian buys nothing.
Pure and deterministic: the caller passes frame ids, boxes and matches."""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .gallery import Match
from .settings import RecognitionSettings

log = logging.getLogger(__name__)

_DEFAULTS = RecognitionSettings()

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Decision:
    """Who a track is, decided once.

    employee_id: the person, or None for an unknown face.
    distance: mean distance of the frames that voted for the decision (inf if none had one).
    margin: mean margin of those frames.
    frames: observations (frames with a match) the track had when it was decided.
    track_id: the track; box: its last box x1, y1, x2, y2; frame: the frame id it was decided at.
    """

    track_id: int
    employee_id: int | None
    distance: float
    margin: float
    frames: int
    box: Box
    frame: Hashable


@dataclass
class _Track:
    id: int
    box: np.ndarray
    missed: int = 0
    votes: list[Match] = field(default_factory=list)
    decision: Decision | None = None


@dataclass(frozen=True)
class TrackSnapshot:
    """One track as the tracker holds it: box, votes so far, frames missed, decision if made."""

    track_id: int
    box: Box
    observations: int
    missed: int
    decision: Decision | None


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
    """IoU tracker that emits one Decision per track.

    A track is decided as person P once P won at least min_decision_frames frames, holds a
    strict majority of the track's observations and P's mean distance is <= threshold. It
    is decided unknown once it has unknown_frames observations (default twice
    min_decision_frames, so a person whose first frames are poor is not written off) of
    which a strict majority were unknown. A track that ends undecided with at least
    min_decision_frames observations is reported unknown; shorter tracks (stray
    detections) report nothing. A track ends after more than max_missed frames without
    its face; the same face seen later is a new track with a new decision."""

    def __init__(
        self,
        min_decision_frames: int = _DEFAULTS.min_decision_frames,
        threshold: float = _DEFAULTS.match_threshold,
        iou_threshold: float = _DEFAULTS.track_iou,
        max_missed: int = _DEFAULTS.track_max_missed,
        unknown_frames: int | None = None,
    ) -> None:
        if min_decision_frames < 1 or max_missed < 0:
            raise ValueError("min_decision_frames must be >= 1 and max_missed >= 0")
        self.min_decision_frames = int(min_decision_frames)
        self.threshold = float(threshold)
        self.iou_threshold = float(iou_threshold)
        self.max_missed = int(max_missed)
        self.unknown_frames = int(unknown_frames if unknown_frames is not None else 2 * min_decision_frames)
        self._tracks: list[_Track] = []
        self._next_id = 1
        self.assignment: list[int] = []

    @classmethod
    def from_settings(cls, settings: RecognitionSettings) -> "FaceTracker":
        return cls(settings.min_decision_frames, settings.match_threshold,
                   settings.track_iou, settings.track_max_missed)

    def update(self, frame: Hashable, boxes: np.ndarray,
               matches: Sequence[Match | None]) -> list[Decision]:
        """Feed one processed frame: boxes (N, 4) and one Match per box (None when the face
        was not embedded, e.g. failed the quality gate: it keeps the track alive but does not
        vote). Returns the decisions made in this frame, ordered by track id."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        if len(matches) != len(boxes):
            raise ValueError(f"{len(boxes)} boxes but {len(matches)} matches")
        pairs = greedy_assign(iou_matrix([t.box for t in self._tracks], boxes), self.iou_threshold)
        seen_t = {t for t, _ in pairs}
        seen_d = {d for _, d in pairs}
        decisions: list[Decision] = []
        for t, d in pairs:
            track = self._tracks[t]
            track.box, track.missed = boxes[d].copy(), 0
            self._observe(track, matches[d], frame, decisions)
        alive: list[_Track] = []
        for i, track in enumerate(self._tracks):
            if i not in seen_t:
                track.missed += 1
                if track.missed > self.max_missed:
                    self._end(track, frame, decisions)
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
                self._observe(track, matches[d], frame, decisions)
        self._tracks = alive
        self.assignment = assignment  # track id of each box of this frame (liveness follows it)
        return sorted(decisions, key=lambda x: x.track_id)

    def flush(self, frame: Hashable = None) -> list[Decision]:
        """End every track (camera stopped); returns the decisions that produces."""
        decisions: list[Decision] = []
        for track in self._tracks:
            self._end(track, frame, decisions)
        self._tracks = []
        return decisions

    def tracks(self) -> list[TrackSnapshot]:
        return [TrackSnapshot(t.id, _box(t.box), len(t.votes), t.missed, t.decision) for t in self._tracks]

    # -- deciding --------------------------------------------------------------------------

    def _observe(self, track: _Track, match: Match | None, frame: Hashable,
                 out: list[Decision]) -> None:
        if match is None or track.decision is not None:
            return
        track.votes.append(match)
        decision = self._try_decide(track, frame)
        if decision is not None:
            track.decision = decision
            out.append(decision)
            log.debug("track %d decided %s after %d frames", track.id, decision.employee_id, decision.frames)

    def _try_decide(self, track: _Track, frame: Hashable) -> Decision | None:
        n = len(track.votes)
        if n < self.min_decision_frames:
            return None
        counts = Counter(m.employee_id for m in track.votes)
        known = [(c, pid) for pid, c in counts.items() if pid is not None]
        if known:
            count, pid = max(known, key=lambda cp: (cp[0], -cp[1]))
            if count >= self.min_decision_frames and 2 * count > n:
                mine = [m for m in track.votes if m.employee_id == pid]
                dist = _mean(m.distance for m in mine)
                if dist <= self.threshold:
                    return self._decision(track, pid, mine, frame)
        if n >= self.unknown_frames and 2 * counts.get(None, 0) > n:
            return self._decision(track, None, [m for m in track.votes if m.employee_id is None], frame)
        return None

    def _end(self, track: _Track, frame: Hashable, out: list[Decision]) -> None:
        if track.decision is None and len(track.votes) >= self.min_decision_frames:
            track.decision = self._decision(track, None, track.votes, frame)
            out.append(track.decision)
            log.debug("track %d ended undecided after %d frames: unknown", track.id, len(track.votes))

    def _decision(self, track: _Track, pid: int | None, voters: list[Match], frame: Hashable) -> Decision:
        return Decision(track.id, pid, _mean(m.distance for m in voters), _mean(m.margin for m in voters),
                        len(track.votes), _box(track.box), frame)


def _mean(values) -> float:  # noqa: ANN001
    vals = [v for v in values if math.isfinite(v)]
    return float(sum(vals) / len(vals)) if vals else float("inf")


def _box(b: np.ndarray) -> Box:
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
