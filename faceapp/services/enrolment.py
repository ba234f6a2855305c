"""Enrolment: quality-gated samples, 1:N duplicate check, one transaction to save.

The same checks drive the wizard's live feedback ("move closer", "too dark") and
`faceapp enroll PHOTOS...`, so an admin gets the same answer from either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..shared.errors import FaceAppError, ImageReadError
from ..vision.imageio import read_image
from ..recognition.calibration import impostor_tail
from ..recognition.duplicates import DuplicateCheck, DuplicateGallery
from ..recognition.fusion import centroids, frame_weight
from ..recognition.units import units_for
from ..shared.records import Employee
from ..settings import EnrolmentSettings, Settings
from ..vision.types import Face

log = logging.getLogger(__name__)


class EnrolmentError(FaceAppError):
    """Enrolment refused: too few good samples, or the person is already enrolled."""


class SimilarPersonError(EnrolmentError):
    """The samples look like an enrolled person, but not clearly: the admin must confirm."""

    def __init__(self, message: str, similar_to: Employee, distance: float) -> None:
        super().__init__(message)
        self.similar_to = similar_to
        self.distance = distance


@dataclass(frozen=True)
class SampleCheck:
    """One photo or frame judged for enrolment: the face if usable, else the reasons."""

    source: str
    face: Face | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.face is not None and not self.problems


# A second face counts as a bystander (ignored) when its box is under this share of the
# largest face's: a photo or a frame with someone far behind the person enrolling is usable.
BYSTANDER_RATIO = 0.6


def judge(faces: list[Face], s: EnrolmentSettings, source: str = "") -> SampleCheck:
    """Quality gates, each with the advice a person in front of the camera can act on."""
    if not faces:
        return SampleCheck(source, None, ["no face found - look at the camera"])
    crowd = [f for f in faces[1:] if f.quality.size_px >= BYSTANDER_RATIO * faces[0].quality.size_px]
    if crowd:
        return SampleCheck(source, None, [f"{len(crowd) + 1} faces in view - only the person enrolling please"])
    f = faces[0]
    q = f.quality
    problems = []
    if q.size_px < s.min_face_px:
        problems.append(f"move closer (face {q.size_px:.0f} px, need {s.min_face_px})")
    if q.brightness < s.min_brightness:
        problems.append("too dark - turn towards the light")
    elif q.brightness > s.max_brightness:
        problems.append("too bright - step out of direct light")
    if q.blur < s.min_sharpness:
        problems.append("hold still (image is blurred)")
    if abs(q.yaw_deg) > s.max_yaw_deg:
        problems.append("turn slightly " + ("left" if q.yaw_deg > 0 else "right") + " to face the camera")
    if abs(q.roll_deg) > s.max_roll_deg:
        problems.append("keep your head upright")
    return SampleCheck(source, f, problems)


def sample_matrix(samples: list[Face]) -> tuple[np.ndarray, np.ndarray]:
    """(descriptors (K, D), fusion weights (K,)) of enrolment samples."""
    emb = np.stack([f.embedding for f in samples]).astype(np.float32)
    w = np.array([frame_weight(f.quality.yaw_deg) if f.quality else 1.0 for f in samples])
    return emb, w


class EnrolmentService:
    def __init__(self, engine, repo, settings: Settings):
        self.engine = engine
        self.repo = repo
        self.settings = settings

    def judge_faces(self, faces: list[Face], source: str = "") -> SampleCheck:
        return judge(faces, self.settings.enrolment, source)

    def check_frame(self, image: np.ndarray, source: str = "camera") -> SampleCheck:
        return self.judge_faces(self.engine.analyze(image), source)

    def check_photos(self, paths: list[str | Path]) -> list[SampleCheck]:
        """Judge each photo; unreadable files become a SampleCheck with the reason."""
        out = []
        for p in paths:
            if self.repo.is_own_file(p):  # reading it would drop SQLite's locks (storage.db)
                out.append(SampleCheck(str(p), None, [f"{p} is the attendance database, not a photo"]))
                continue
            try:
                out.append(self.check_frame(read_image(p), str(p)))
            except ImageReadError as exc:
                out.append(SampleCheck(str(p), None, [str(exc)]))
        return out

    # -- duplicate check ------------------------------------------------------------------

    def duplicate_gallery(self) -> DuplicateGallery:
        """Everyone enrolled (inactive people included) with the calibrated distances."""
        ids, mat = self.repo.load_templates(self.engine.model_id, active_only=False)
        people, centres = centroids(ids, mat)
        units = units_for(self.engine)  # the encoder's shipped impostor model and fusion rule
        tail = impostor_tail(ids, mat, people, centres, units.impostor_model)
        e = self.settings.enrolment
        return DuplicateGallery(people, centres, tail, e.duplicate_refuse_percent / 100, e.duplicate_ask_percent / 100,
                                units.renormalise)

    def check_duplicate(self, samples: list[Face], exclude_id: int | None = None,
                        gallery: DuplicateGallery | None = None) -> tuple[DuplicateCheck, Employee | None]:
        """The verdict and the enrolled person it is about (None when the person is new)."""
        gallery = gallery or self.duplicate_gallery()
        emb, w = sample_matrix(samples)
        verdict = gallery.check(emb, w, exclude_id)
        who = self.repo.get_employee(verdict.employee_id) if verdict.kind != "new" else None
        if verdict.kind != "new":
            log.info("enrolment samples %s employee %s (distance %.3f; refuse <= %.3f, ask <= %.3f)", verdict.kind,
                     verdict.employee_id, verdict.distance, verdict.refuse_at, verdict.ask_at)
        return verdict, who

    def find_duplicate(self, samples: list[Face], exclude_id: int | None = None) -> Employee | None:
        """The already-enrolled person these samples clearly belong to, if any."""
        verdict, who = self.check_duplicate(samples, exclude_id)
        return who if verdict.kind == "duplicate" else None

    def _refuse_duplicates(self, samples: list[Face], allow_similar: bool, exclude_id: int | None,
                           gallery: DuplicateGallery | None, clear: str, similar: str) -> dict:
        """Raise for a clear duplicate, and for a similar one unless allowed; the audit details."""
        verdict, who = self.check_duplicate(samples, exclude_id, gallery)
        if verdict.kind == "duplicate" and who is not None:
            raise EnrolmentError(clear.format(name=who.name, number=who.number))
        if verdict.kind == "similar" and who is not None:
            if not allow_similar:
                raise SimilarPersonError(similar.format(name=who.name, number=who.number, d=verdict.distance),
                                         who, verdict.distance)
            return {"similar_to": who.id, "distance": round(verdict.distance, 4), "confirmed_different": True}
        return {}

    # -- saving ---------------------------------------------------------------------------

    def _good(self, samples: list[Face]) -> list[Face]:
        good = [f for f in samples if f is not None]
        if len(good) < self.settings.enrolment.min_samples:
            raise EnrolmentError(f"{len(good)} usable sample(s); at least {self.settings.enrolment.min_samples} needed")
        return good

    def enrol(self, number: str, name: str, department: str, samples: list[Face],
              consent_at: datetime | None = None, actor: str = "admin", allow_similar: bool = False,
              gallery: DuplicateGallery | None = None) -> Employee:
        """Save a new person. A clear duplicate is refused; a similar one raises
        SimilarPersonError unless allow_similar (the admin confirmed: audited)."""
        good = self._good(samples)
        if consent_at is None:
            raise EnrolmentError("consent to face enrolment must be recorded before saving")
        note = self._refuse_duplicates(
            good, allow_similar, None, gallery,
            "this person is already enrolled as {name} (no. {number}); edit or re-enrol that employee instead",
            "looks like {name} (no. {number}), distance {d:.2f}: same person? Re-enrol that employee, or "
            "confirm this is a different person (--allow-similar)")
        emb, _ = sample_matrix(good)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        emp = self.repo.enrol(number=number, name=name, department=department, consent_at=consent_at,
                              embeddings=emb, qualities=qual, model_id=self.engine.model_id, actor=actor,
                              audit_extra=note)
        log.info("enrolled %s (%s) with %d samples%s", emp.name, emp.number, len(good),
                 " (similar person confirmed different)" if note else "")
        return emp

    def reenrol(self, employee_id: int, samples: list[Face], actor: str = "admin",
                allow_similar: bool = False) -> Employee:
        """New samples replace the person's templates (after a model change, or a new look);
        refused if they look like someone else."""
        good = self._good(samples)
        note = self._refuse_duplicates(
            good, allow_similar, employee_id, None,
            "these samples look like {name} (no. {number}), not this employee",
            "these samples look like {name} (no. {number}), distance {d:.2f}: confirm they are this employee")
        emb, _ = sample_matrix(good)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        self.repo.add_templates(employee_id, emb, qual, self.engine.model_id, actor=actor, replace=True,
                                audit_extra=note)
        log.info("re-enrolled employee %s with %d samples", employee_id, len(good))
        return self.repo.get_employee(employee_id)


def consent_now() -> datetime:
    return datetime.now(timezone.utc)
