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
from ..recognition.gallery import Gallery
from ..shared.records import Employee
from ..settings import EnrolmentSettings, Settings
from ..vision.types import Face

log = logging.getLogger(__name__)


class EnrolmentError(FaceAppError):
    """Enrolment refused: too few good samples, or the person is already enrolled."""


@dataclass(frozen=True)
class SampleCheck:
    """One photo or frame judged for enrolment: the face if usable, else the reasons."""

    source: str
    face: Face | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.face is not None and not self.problems


def judge(faces: list[Face], s: EnrolmentSettings, source: str = "") -> SampleCheck:
    """Quality gates, each with the advice a person in front of the camera can act on."""
    if not faces:
        return SampleCheck(source, None, ["no face found - look at the camera"])
    if len(faces) > 1:
        return SampleCheck(source, None, [f"{len(faces)} faces in view - only the person enrolling please"])
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


class EnrolmentService:
    def __init__(self, engine, repo, settings: Settings):
        self.engine = engine
        self.repo = repo
        self.settings = settings

    def check_frame(self, image: np.ndarray, source: str = "camera") -> SampleCheck:
        return judge(self.engine.analyze(image), self.settings.enrolment, source)

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

    def find_duplicate(self, samples: list[Face], exclude_id: int | None = None) -> Employee | None:
        """The already-enrolled person these samples look like, if any (1:N over everyone,
        inactive people included: re-activating beats enrolling a second identity)."""
        ids, mat = self.repo.load_templates(self.engine.model_id, active_only=False)
        gallery = Gallery.from_settings(ids, mat, self.settings.recognition)
        m = gallery.duplicates(np.stack([f.embedding for f in samples]), exclude_id=exclude_id)
        return self.repo.get_employee(m.employee_id) if m is not None else None

    def enrol(self, number: str, name: str, department: str, samples: list[Face],
              consent_at: datetime | None = None, actor: str = "admin") -> Employee:
        good = [f for f in samples if f is not None]
        if len(good) < self.settings.enrolment.min_samples:
            raise EnrolmentError(f"{len(good)} usable sample(s); at least {self.settings.enrolment.min_samples} needed")
        if consent_at is None:
            raise EnrolmentError("consent to face enrolment must be recorded before saving")
        dup = self.find_duplicate(good)
        if dup is not None:
            raise EnrolmentError(f"this person is already enrolled as {dup.name} (no. {dup.number}); "
                                 "edit or re-enrol that employee instead")
        emb = np.stack([f.embedding for f in good]).astype(np.float32)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        emp = self.repo.enrol(number=number, name=name, department=department, consent_at=consent_at,
                              embeddings=emb, qualities=qual, model_id=self.engine.model_id, actor=actor)
        log.info("enrolled %s (%s) with %d samples", emp.name, emp.number, len(good))
        return emp


    def reenrol(self, employee_id: int, samples: list[Face], actor: str = "admin") -> Employee:
        """New samples replace the person's templates (after a model change, or a new look);
        refused if they look like someone else."""
        good = [f for f in samples if f is not None]
        if len(good) < self.settings.enrolment.min_samples:
            raise EnrolmentError(f"{len(good)} usable sample(s); at least {self.settings.enrolment.min_samples} needed")
        dup = self.find_duplicate(good, exclude_id=employee_id)
        if dup is not None:
            raise EnrolmentError(f"these samples look like {dup.name} (no. {dup.number}), not this employee")
        emb = np.stack([f.embedding for f in good]).astype(np.float32)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        self.repo.add_templates(employee_id, emb, qual, self.engine.model_id, actor=actor, replace=True)
        log.info("re-enrolled employee %s with %d samples", employee_id, len(good))
        return self.repo.get_employee(employee_id)


def consent_now() -> datetime:
    return datetime.now(timezone.utc)
