"""Unknown-face review: sightings grouped by similarity (one stranger, one row), and the
admin's answers: enrol as a new employee, add to an employee, dismiss (each audited).

A group's samples for enrolment are rebuilt from the stored face data (descriptor, crop,
quality measures) and pass the same quality gates as a camera sample (enrolment.judge).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from ..recognition.fusion import frame_weight, fuse
from ..recognition.unknown_groups import group_faces, grouping_threshold
from ..settings import EnrolmentSettings
from ..shared.records import Employee
from ..vision.crops import CROP_FORMAT, FaceCrop, decode_crop
from ..vision.types import Face, Quality
from .enrolment import distinct_samples, judge

if TYPE_CHECKING:
    from ..recognition.units import EncoderUnits
    from ..storage.repository import Repository
    from ..storage.rows import StoredSighting, UnknownFace
    from .enrolment import EnrolmentService

log = logging.getLogger(__name__)

# At most this many of a group's faces become templates (the best by face_score): the
# wizard's guided capture takes 5; thirty near-identical video frames add nothing.
MAX_SAMPLES = 5


@dataclass(frozen=True)
class UnknownGroup:
    """One stranger: their sightings (ids, oldest first), when, and the best picture."""

    sighting_ids: tuple[int, ...]
    first_seen: datetime
    last_seen: datetime
    thumbnail: bytes | None
    sources: tuple[str, ...]
    best_id: int
    faces: int = 0  # faces kept of all its sightings (the enrolment samples to choose from)

    @property
    def count(self) -> int:
        return len(self.sighting_ids)


class UnknownReviewService:
    def __init__(self, repo: "Repository", model_id: str, units: "EncoderUnits",
                 enrolment: EnrolmentSettings) -> None:
        self.repo, self.model_id, self.units, self.enrolment = repo, model_id, units, enrolment

    def _sightings(self) -> list["StoredSighting"]:
        return self.repo.unknown_sightings(self.model_id)

    def groups(self) -> list[UnknownGroup]:
        """Unreviewed sightings of this database's encoder, grouped (largest group first).
        A sighting counts as one descriptor: its faces fused as a track's frames are."""
        rows = self._sightings()
        if not rows:
            return []
        u = self.units
        probes = np.stack([fuse(np.stack([f.embedding for f in r.faces]),
                                np.array([frame_weight(f.quality.get("yaw_deg", 0.0), u.yaw_scale_deg, u.min_weight)
                                          for f in r.faces]), u.renormalise) for r in rows])
        scores = np.array([r.faces[0].score for r in rows])
        out = []
        for g in group_faces(probes, scores, grouping_threshold(u), u.renormalise):
            members = [rows[i] for i in g.members]
            best = rows[g.best]
            out.append(UnknownGroup(tuple(m.id for m in members), members[0].ts, members[-1].ts, best.faces[0].crop,
                                    tuple(sorted({m.source for m in members if m.source})), best.id,
                                    sum(len(m.faces) for m in members)))
        log.info("unknown faces: %d groups of %d sightings (threshold %.3f, encoder %s)", len(out), len(rows),
                 grouping_threshold(u), u.encoder)
        return out

    def counts(self) -> dict[str, int]:
        """Unreviewed sightings with and without face data (repository.unknown_counts)."""
        return self.repo.unknown_counts()

    def samples(self, group: UnknownGroup) -> tuple[list[Face], int]:
        """(the group's usable faces, best first, at most MAX_SAMPLES; how many failed the
        quality gates). Sightings reviewed meanwhile are left out."""
        wanted = set(group.sighting_ids)
        kept = sorted((f for r in self._sightings() if r.id in wanted for f in r.faces), key=lambda f: -f.score)
        good: list[Face] = []
        refused = 0
        for k in kept:
            face = sample_face(k)
            if face is None or not judge([face], self.enrolment).ok:
                refused += 1
                continue
            good.append(face)
        return distinct_samples(good)[:MAX_SAMPLES], refused

    def dismiss(self, group: UnknownGroup, actor: str = "admin") -> int:
        """Not someone to enrol: the group's face data is deleted (audited)."""
        return self.repo.dismiss_unknown(group.sighting_ids, actor=actor)

    def add_to_employee(self, group: UnknownGroup, employee_id: int, enrolment: "EnrolmentService",
                        confirmed: bool = False, actor: str = "admin") -> Employee:
        """The group's usable faces become samples of the employee, after the same-person
        check (EnrolmentService.add_samples); the sightings are marked added."""
        faces, _ = self.samples(group)
        return enrolment.add_samples(employee_id, faces, group.sighting_ids, actor=actor, confirmed=confirmed)


def sample_face(k: "UnknownFace") -> Face | None:
    """A kept face as an enrolment sample: descriptor, quality, crop (its picture is the chip
    shown in the wizard). None when it does not decode or its quality is incomplete."""
    try:
        q = Quality(**{name: float(k.quality[name]) for name in Quality.__dataclass_fields__})
        image = decode_crop(k.crop)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("unknown face %s: face data unusable (%s)", k.id, exc)
        return None
    zero = np.zeros((5, 2), np.float32)
    points = np.asarray(k.points, np.float32)
    return Face(np.zeros(4, np.float32), float("nan"), zero, points, image, np.asarray(k.embedding, np.float32), q,
                FaceCrop(k.crop, points, int(image.shape[0]), CROP_FORMAT))
