"""Templates that survive a model change: re-embed everyone from their enrolment crops with
another encoder (`faceapp templates rebuild --encoder ID`, Employees > Rebuild templates...).

Decisions, so a switch is safe and reversible:
* one transaction per person: a failure or a cancel keeps everyone rebuilt before it, and
  the failing person keeps exactly what they had;
* the person's templates of other encoders are kept alongside (templates.model_id tells
  them apart; matching and the duplicate check load only the active encoder's), so
  switching back needs no rebuild; a rebuild replaces only the chosen encoder's templates;
* resumable: a person who already has templates of the chosen encoder is skipped (people
  enrolled while it was active included);
* people enrolled before crops were kept cannot be rebuilt: they are listed for re-enrolment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..shared.records import Employee
from ..storage.errors import CorruptRowError, EmployeeNotFoundError
from ..vision.crops import CropDecodeError, FaceCrop

if TYPE_CHECKING:
    from ..storage.repository import Repository
    from ..storage.rows import TemplateStatus

log = logging.getLogger(__name__)


class CropEncoder(Protocol):
    """An encoder that re-embeds stored crops (vision.engine.FaceEngine is one)."""

    model_id: str

    def embed_crops(self, crops: list[FaceCrop]) -> np.ndarray: ...


@dataclass(frozen=True)
class RebuildOutcome:
    employee: Employee
    rebuilt: bool
    reason: str  # "3 template(s)" or why not
    templates: int = 0


@dataclass
class RebuildReport:
    model_id: str
    outcomes: list[RebuildOutcome] = field(default_factory=list)
    skipped: list[Employee] = field(default_factory=list)  # already had templates of model_id
    without_crops: list[Employee] = field(default_factory=list)  # enrolled before crops were kept
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def rebuilt(self) -> int:
        return sum(o.rebuilt for o in self.outcomes)

    @property
    def failed(self) -> list[RebuildOutcome]:
        return [o for o in self.outcomes if not o.rebuilt]

    @property
    def people_per_s(self) -> float:
        return self.rebuilt / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        rate = f", {self.people_per_s:.1f} people/s" if self.seconds > 0 and self.rebuilt else ""
        return (f"{self.rebuilt} people rebuilt for {self.model_id} in {self.seconds:.1f} s{rate}; "
                f"{len(self.failed)} failed; {len(self.skipped)} already had {self.model_id} templates (skipped); "
                f"{len(self.without_crops)} without face crops (re-enrol them)"
                + (" (cancelled)" if self.cancelled else ""))


def to_face_crop(stored) -> FaceCrop:  # noqa: ANN001 - storage.rows.StoredCrop
    return FaceCrop(stored.data, np.asarray(stored.points, np.float32), stored.size, stored.format)


class TemplateService:
    """Per-encoder template status and the rebuild."""

    def __init__(self, repo: "Repository") -> None:
        self.repo = repo

    def status(self) -> "TemplateStatus":
        return self.repo.template_status()

    def without_crops(self, model_id: str) -> list[Employee]:
        """People who cannot be rebuilt for `model_id` (no crops, no templates of it)."""
        return self._people(self.repo.rebuild_candidates(model_id)[2])

    def _people(self, ids: list[int]) -> list[Employee]:
        out = []
        for eid in ids:
            emp = self.repo.get_employee(eid)
            if emp is not None:
                out.append(emp)
        return out

    def rebuild(self, encoder: CropEncoder, actor: str = "admin",
                progress: Callable[[int, int, RebuildOutcome], None] | None = None,
                cancel: threading.Event | None = None) -> RebuildReport:
        """Re-embed every person with crops and no `encoder.model_id` templates yet."""
        t0 = time.perf_counter()
        model_id = encoder.model_id
        todo, done, none = self.repo.rebuild_candidates(model_id)
        report = RebuildReport(model_id, skipped=self._people(done), without_crops=self._people(none))
        log.info("rebuild for %s: %d to do, %d already done, %d without crops", model_id, len(todo), len(done),
                 len(none))
        for i, eid in enumerate(todo, start=1):
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            emp = self.repo.get_employee(eid)
            if emp is None:  # deleted meanwhile
                continue
            outcome = self._rebuild_one(emp, encoder, actor)
            report.outcomes.append(outcome)
            if progress is not None:
                progress(i, len(todo), outcome)
        report.seconds = time.perf_counter() - t0
        log.info("rebuild: %s", report.summary())
        return report

    def _rebuild_one(self, emp: Employee, encoder: CropEncoder, actor: str) -> RebuildOutcome:
        try:
            stored = self.repo.crops(emp.id)
            if not stored:
                return RebuildOutcome(emp, False, "no face crops (re-enrol)")
            emb = encoder.embed_crops([to_face_crop(s) for s in stored])
            n = self.repo.rebuild_templates(emp.id, encoder.model_id, [s.id for s in stored], emb,
                                            [s.quality for s in stored], actor=actor)
        except (CropDecodeError, CorruptRowError, EmployeeNotFoundError) as exc:
            log.warning("rebuild of employee %s failed: %s", emp.number, exc)
            return RebuildOutcome(emp, False, f"{exc}; re-enrol this employee")
        return RebuildOutcome(emp, True, f"{n} template(s)", n)
