"""Passive liveness per track, and the door's liveness policy.

One frame's MiniFASNet score (vision/liveness_model.py) swings with blur, pose and light; a
door decides once per track, so the scores of the track's first `passive_frames` frames are
averaged (PassiveFusion) and the average is what the policy reads. Scores are computed only
for tracks whose verdict someone will read (services/recognition.py, like the head-turn
check), so strangers and decided tracks cost nothing.

The policy (DoorSettings.liveness) turns the fused score and the head-turn verdict into one
of: live (open without a prompt), spoof (refuse: a photo or screen), challenge (ask for the
head turn), pending (not enough frames yet). Pure: no models, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

OFF, PASSIVE, PASSIVE_THEN_CHALLENGE, CHALLENGE = "off", "passive", "passive_then_challenge", "challenge"

LIVE, SPOOF, ASK, PENDING, UNCHECKED = "live", "spoof", "challenge", "pending", "not checked"


@dataclass(frozen=True)
class Fused:
    """A track's fused passive score: mean "real" probability over `frames` frames (nan: none)."""

    score: float
    frames: int


class PassiveFusion:
    """The first `max_frames` passive scores of each track, averaged. A frame may be added as a
    score, or deferred as whatever the scorer needs (the face's crops), scored in one batch when
    fused() is first asked with a scorer: a stranger's track, whose verdict nobody reads, never
    runs the models."""

    def __init__(self, max_frames: int = 5):
        self.max_frames = int(max_frames)
        self._scores: dict[Hashable, list[float]] = {}
        self._later: dict[Hashable, list[object]] = {}

    def _count(self, track_id: Hashable) -> int:
        return len(self._scores.get(track_id, ())) + len(self._later.get(track_id, ()))

    def wants(self, track_id: Hashable) -> bool:
        """Whether another frame of this track would still be used (else skip it)."""
        return self._count(track_id) < self.max_frames

    def add(self, track_id: Hashable, real: float) -> None:
        if self.wants(track_id):
            self._scores.setdefault(track_id, []).append(float(real))

    def defer(self, track_id: Hashable, item: object) -> None:
        """Keep `item` (what the scorer takes) to score when the verdict is read."""
        if self.wants(track_id):
            self._later.setdefault(track_id, []).append(item)

    def fused(self, track_id: Hashable, scorer: Callable[[list], list[float]] | None = None) -> Fused:
        """The mean score; deferred frames are scored first by scorer (items -> real scores)."""
        later = self._later.pop(track_id, [])
        if later and scorer is not None:
            self._scores.setdefault(track_id, []).extend(float(x) for x in scorer(later))
        elif later:
            self._later[track_id] = later
        scores = self._scores.get(track_id, [])
        return Fused(sum(scores) / len(scores) if scores else float("nan"), len(scores))

    def keep_only(self, track_ids: set) -> None:
        for store in (self._scores, self._later):
            for tid in [t for t in store if t not in track_ids]:
                del store[tid]


@dataclass(frozen=True)
class PolicyVerdict:
    """state: live, spoof, challenge (ask for the head turn), pending or not checked;
    why: a short reason for the log; by_passive: the passive score decided (not the head turn)."""

    state: str
    why: str = ""
    by_passive: bool = False


def decide(policy: str, fused: Fused, accept: float, reject: float, min_frames: int = 1,
           challenge_live: bool | None = None) -> PolicyVerdict:
    """The door's verdict for one track.

    off: not checked. challenge: the head turn decides (challenge_live None = not finished).
    passive: fused >= accept is live, below is a spoof. passive_then_challenge: >= accept live,
    < reject spoof, in between the head turn decides. Fewer than min_frames scores: pending."""
    if policy == OFF:
        return PolicyVerdict(UNCHECKED)
    if policy == CHALLENGE:
        return _by_challenge(challenge_live)
    if policy not in (PASSIVE, PASSIVE_THEN_CHALLENGE):
        raise ValueError(f"unknown liveness policy {policy!r}")
    if fused.frames < max(1, min_frames) or fused.score != fused.score:
        return PolicyVerdict(PENDING, "too few frames")
    if fused.score >= accept:
        return PolicyVerdict(LIVE, f"passive {fused.score:.2f} >= {accept:.2f}", True)
    if policy == PASSIVE or fused.score < reject:
        limit = accept if policy == PASSIVE else reject
        return PolicyVerdict(SPOOF, f"passive {fused.score:.2f} < {limit:.2f}", True)
    return _by_challenge(challenge_live, f"passive {fused.score:.2f} unsure; ")


def _by_challenge(challenge_live: bool | None, prefix: str = "") -> PolicyVerdict:
    if challenge_live is None:
        return PolicyVerdict(ASK, prefix + "head turn asked")
    return PolicyVerdict(LIVE if challenge_live else SPOOF, prefix + ("head turn passed" if challenge_live
                                                                       else "head turn failed"))
