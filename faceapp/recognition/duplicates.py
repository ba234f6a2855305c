"""The enrolment duplicate check, calibrated to the gallery like the recognition threshold.

A new person's samples are fused (the same yaw-weighted mean as a live track) and compared
with every enrolled person's centroid, inactive people included (re-activating beats a second
identity). Two distances follow from the gallery's impostor tail (calibration.py) and its size
N: `refuse_at`, below which distinct people land in only `refuse_rate` of enrolments (a clear
duplicate: refused), and `ask_at`, up to which they land in `ask_rate` (similar: the admin is
asked "looks like Ana Silva, no. 1042: same person?" and may save anyway, audited). A fixed
distance cannot do this: with 800 people enrolled one after another, today's 0.5 refused 4.9%
of distinct people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .calibration import ImpostorTail
from .fusion import centroid, centroids, fuse

Verdict = Literal["new", "similar", "duplicate"]


@dataclass(frozen=True)
class DuplicateCheck:
    kind: Verdict
    employee_id: int | None  # the nearest enrolled person (None: nobody enrolled)
    distance: float
    refuse_at: float
    ask_at: float


class DuplicateGallery:
    """Enrolled people's centroids with the two calibrated distances; immutable (adding()
    gives the gallery with one more person, for bulk imports)."""

    def __init__(self, people: np.ndarray, centres: np.ndarray, tail: ImpostorTail, refuse_rate: float,
                 ask_rate: float, renormalise: bool = False) -> None:
        if not 0 < refuse_rate <= ask_rate < 1:
            raise ValueError(f"expected 0 < refuse_rate <= ask_rate < 1, got {refuse_rate}, {ask_rate}")
        self.people = np.asarray(people, np.int64)
        self.centres = np.asarray(centres, np.float32).reshape(len(self.people), -1) if len(self.people) \
            else np.zeros((0, 128), np.float32)
        self.tail = tail
        self.renormalise = bool(renormalise)  # unit-vector encoder: fused samples renormalised
        self.refuse_rate, self.ask_rate = float(refuse_rate), float(ask_rate)
        n = max(1, len(self.people))
        self.refuse_at = tail.threshold(refuse_rate, n)
        self.ask_at = max(self.refuse_at, tail.threshold(ask_rate, n))

    @classmethod
    def from_templates(cls, employee_ids: np.ndarray, matrix: np.ndarray, tail: ImpostorTail, refuse_rate: float,
                       ask_rate: float, renormalise: bool = False) -> "DuplicateGallery":
        people, centres = centroids(employee_ids, matrix)
        return cls(people, centres, tail, refuse_rate, ask_rate, renormalise)

    def __len__(self) -> int:
        return len(self.people)

    def check(self, samples: np.ndarray, weights: np.ndarray | None = None,
              exclude_id: int | None = None) -> DuplicateCheck:
        """Verdict for the fused samples; exclude_id skips the person being re-enrolled."""
        probe = fuse(samples, weights, self.renormalise)
        if not len(self.people):
            return DuplicateCheck("new", None, float("inf"), self.refuse_at, self.ask_at)
        keep = self.people != exclude_id if exclude_id is not None else np.ones(len(self.people), bool)
        if not keep.any():
            return DuplicateCheck("new", None, float("inf"), self.refuse_at, self.ask_at)
        d = np.linalg.norm(self.centres[keep] - probe[None, :], axis=1)
        best = int(np.argmin(d))
        dist, pid = float(d[best]), int(self.people[keep][best])
        kind: Verdict = "duplicate" if dist <= self.refuse_at else "similar" if dist <= self.ask_at else "new"
        return DuplicateCheck(kind, pid, dist, self.refuse_at, self.ask_at)

    def adding(self, employee_id: int, samples: np.ndarray) -> "DuplicateGallery":
        """This gallery plus one person (the impostor tail is kept; the distances follow N)."""
        people = np.append(self.people, int(employee_id))
        centre = centroid(samples)[None, :]
        centres = np.vstack([self.centres, centre]) if len(self.people) else centre
        return DuplicateGallery(people, centres, self.tail, self.refuse_rate, self.ask_rate, self.renormalise)
