"""Enrolment: quality-gated samples, 1:N duplicate check, one transaction to save.

The same checks drive the wizard's live feedback ("move closer", "too dark") and
`faceapp enroll PHOTOS...`, so an admin gets the same answer from either.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from ..shared.errors import FaceAppError, ImageReadError
from ..storage.errors import EmployeeNotFoundError
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

    personal = True  # "already enrolled as <name> (no. <number>)"


class UnlikePersonError(EnrolmentError):
    """Samples to add to a person do not clearly look like them: the admin must confirm."""

    def __init__(self, message: str, person: Employee) -> None:
        super().__init__(message)
        self.person = person


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
    unreadable: bool = False  # the file could not be read as a photo (CLI exit code 3)

    @property
    def ok(self) -> bool:
        return self.face is not None and not self.problems


# A second face counts as a bystander (ignored) when its box is under this share of the
# largest face's: a photo or a frame with someone far behind the person enrolling is usable.
BYSTANDER_RATIO = 0.6


# What to do about each problem: a person in front of the camera can act on camera advice;
# for a photo the only remedy is another photo, so photos get photo wording.
_CAMERA = {
    "no_face": "no face found - look at the camera",
    "crowd": "{n} faces in view - only the person enrolling please",
    "small": "move closer (face {px:.0f} px, need {need})",
    "dark": "too dark - turn towards the light",
    "bright": "too bright - step out of direct light",
    "blur": "hold still (image is blurred)",
    "yaw": "turn slightly {side} to face the camera",
    "roll": "keep your head upright",
}
_PHOTO = {
    "no_face": "no face found in the photo - use a photo where the face is clearly visible",
    "crowd": "{n} faces in the photo - use a photo of the person alone",
    "small": "face too small (face {px:.0f} px, need {need}) - use a photo where the face is larger",
    "dark": "too dark - use a brighter photo",
    "bright": "too bright - use a photo that is not overexposed",
    "blur": "blurred - use a sharp photo",
    "yaw": "face turned to the side - use a photo where the face looks straight at the camera",
    "roll": "head tilted - use a photo where the head is upright",
}


def judge(faces: list[Face], s: EnrolmentSettings, source: str = "", photo: bool = False) -> SampleCheck:
    """Quality gates, each with advice the admin can act on: camera advice for a live frame,
    photo wording ("use a photo where ...") for a photo file."""
    say = _PHOTO if photo else _CAMERA
    if not faces:
        return SampleCheck(source, None, [say["no_face"]])
    crowd = [f for f in faces[1:] if f.quality.size_px >= BYSTANDER_RATIO * faces[0].quality.size_px]
    if crowd:
        return SampleCheck(source, None, [say["crowd"].format(n=len(crowd) + 1)])
    f = faces[0]
    q = f.quality
    problems = []
    if q.size_px < s.min_face_px:
        problems.append(say["small"].format(px=q.size_px, need=s.min_face_px))
    if q.brightness < s.min_brightness:
        problems.append(say["dark"])
    elif q.brightness > s.max_brightness:
        problems.append(say["bright"])
    if q.blur < s.min_sharpness:
        problems.append(say["blur"])
    if abs(q.yaw_deg) > s.max_yaw_deg:
        problems.append(say["yaw"].format(side="left" if q.yaw_deg > 0 else "right"))
    if abs(q.roll_deg) > s.max_roll_deg:
        problems.append(say["roll"])
    return SampleCheck(source, f, problems)


def judge_with_crop(engine, faces: list[Face], s: EnrolmentSettings, source: str = "",  # noqa: ANN001
                    photo: bool = False, image: np.ndarray | None = None) -> SampleCheck:
    """judge(), and with the image a usable face gets its enrolment crop (a plain function:
    bulk import's worker processes judge with it too)."""
    check = judge(faces, s, source, photo)
    if image is not None and check.ok:
        check = replace(check, face=engine.make_crop(image, check.face))
    return check


def unreadable(source: str, exc: ImageReadError) -> SampleCheck:
    """A photo that could not be read; the reason without the file name, which the caller
    prints in front of it (not "fake.jpg: fake.jpg: not a readable image")."""
    text = str(exc)
    for prefix in (f"{source}: ", f"{Path(source).name}: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return SampleCheck(source, None, [text], unreadable=True)


# Two samples closer than this are the same photo (the same file listed twice, or a copy):
# identical pixels give identical descriptors up to float rounding (about 1e-6), while two
# different photos, even consecutive frames of someone holding still, are far apart.
SAME_PHOTO_DISTANCE = 1e-3


def same_photo(a: Face, b: Face) -> bool:
    return float(np.linalg.norm(np.asarray(a.embedding, np.float32) - np.asarray(b.embedding, np.float32))) \
        < SAME_PHOTO_DISTANCE


def distinct_samples(samples: list[Face]) -> list[Face]:
    """The samples without repeats of the same photo (enrol_min_samples counts photos)."""
    kept: list[Face] = []
    for f in samples:
        if not any(same_photo(f, k) for k in kept):
            kept.append(f)
    return kept


def mark_repeats(checks: list[SampleCheck]) -> list[SampleCheck]:
    """The checks with a usable photo that repeats an earlier one (a copy of the file: the
    same face descriptor) turned into a problem, so it is counted once."""
    out: list[SampleCheck] = []
    kept: list[SampleCheck] = []
    for c in checks:
        same = next((k for k in kept if c.ok and same_photo(k.face, c.face)), None)
        if same is not None:
            out.append(SampleCheck(c.source, None, [f"the same photo as {Path(same.source).name} (counted once)"]))
            continue
        if c.ok:
            kept.append(c)
        out.append(c)
    return out


def file_key(path: str | Path) -> tuple:
    """What makes two paths the same photo file: the file's identity (hard links, symlinks,
    "a.jpg" and "./a.jpg"), or its resolved path when it cannot be stat'ed."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        try:
            return ("path", str(Path(path).resolve()))
        except (OSError, RuntimeError):
            return ("path", str(path))


def sample_matrix(samples: list[Face]) -> tuple[np.ndarray, np.ndarray]:
    """(descriptors (K, D), fusion weights (K,)) of enrolment samples."""
    emb = np.stack([f.embedding for f in samples]).astype(np.float32)
    w = np.array([frame_weight(f.quality.yaw_deg) if f.quality else 1.0 for f in samples])
    return emb, w


class LiveGallery:
    """The duplicate gallery of a bulk import, carried from one person to the next: each
    enrolment brings it up to date inside its write transaction and adds the person saved,
    so people imported meanwhile by another process are seen without reloading everyone."""

    def __init__(self, gallery: DuplicateGallery) -> None:
        self.gallery = gallery


class EnrolmentService:
    def __init__(self, engine, repo, settings: Settings):
        self.engine = engine
        self.repo = repo
        self.settings = settings

    def judge_faces(self, faces: list[Face], source: str = "", photo: bool = False,
                    image: np.ndarray | None = None) -> SampleCheck:
        """Judge a sample (photo wording or camera advice); with the image, a usable face gets
        its enrolment crop (kept with the templates, so `templates rebuild` can re-embed it
        with another encoder)."""
        return judge_with_crop(self.engine, faces, self.settings.enrolment, source, photo, image)

    def check_frame(self, image: np.ndarray, source: str = "camera") -> SampleCheck:
        """A live camera frame: camera advice ("move closer")."""
        return self.judge_faces(self.engine.analyze(image), source, image=image)

    def check_photos(self, paths: list[str | Path]) -> list[SampleCheck]:
        """Judge each photo, one at a time (only its face is kept), with photo wording; an
        unreadable file (or the database itself: read_photo refuses it unopened) becomes a
        SampleCheck with the reason, a photo listed twice is judged once."""
        out: list[SampleCheck] = []
        seen: dict[tuple, str] = {}
        for p in paths:
            key = file_key(p)
            if key in seen:
                out.append(SampleCheck(str(p), None, [f"the same photo as {Path(seen[key]).name} (counted once)"]))
                continue
            seen[key] = str(p)
            try:
                image = read_image(p)
            except ImageReadError as exc:
                out.append(unreadable(str(p), exc))
                continue
            out.append(self.judge_faces(self.engine.analyze(image), str(p), photo=True, image=image))
            del image
        return mark_repeats(out)

    # -- duplicate check ------------------------------------------------------------------

    def duplicate_gallery(self) -> DuplicateGallery:
        """Everyone enrolled (inactive people included) with the calibrated distances."""
        ids, mat, signatures = self.repo.load_templates_with_signatures(self.engine.model_id)
        people, centres = centroids(ids, mat)
        units = units_for(self.engine)  # the encoder's shipped impostor model and fusion rule
        tail = impostor_tail(ids, mat, people, centres, units.impostor_model)
        e = self.settings.enrolment
        return DuplicateGallery(people, centres, tail, e.duplicate_refuse_percent / 100, e.duplicate_ask_percent / 100,
                                signatures, renormalise=units.renormalise)

    def _current(self, gallery: DuplicateGallery) -> DuplicateGallery:
        """`gallery` brought up to date with the database (only the people enrolled, changed
        or deleted since it was loaded are read). Called inside the enrolment's write
        transaction, it is the gallery as it is at the insert."""
        model = self.engine.model_id
        return gallery.synced(self.repo.template_signatures(model),
                              lambda ids: self.repo.load_templates(model, active_only=False, employee_ids=ids))

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
        """The distinct usable samples; too few is refused (one photo three times is one)."""
        given = [f for f in samples if f is not None]
        good = distinct_samples(given)
        need = self.settings.enrolment.min_samples
        if len(good) < need:
            repeated = (f" ({len(given) - len(good)} more were the same photo again)"
                        if len(given) > len(good) else "")
            raise EnrolmentError(f"{len(good)} usable sample(s){repeated}; at least {need} needed")
        return good

    def enrol(self, number: str, name: str, department: str, samples: list[Face],
              consent_at: datetime | None = None, actor: str = "admin", allow_similar: bool = False,
              gallery: "DuplicateGallery | LiveGallery | None" = None, sightings: Sequence[int] = ()) -> Employee:
        """Save a new person (`sightings`: the unknown-face sightings the samples came from,
        marked enrolled in the same transaction). A clear duplicate is refused; a similar one raises
        SimilarPersonError unless allow_similar (the admin confirmed: audited).

        The duplicate check and the insert are one serialised step (CLI enroll, bulk import,
        the wizard alike): the check runs inside the insert's write transaction against the
        gallery brought up to date there, so a person enrolled meanwhile by another process
        is seen. A LiveGallery (bulk import) is kept up to date for the next person."""
        good = self._good(samples)
        if consent_at is None:
            raise EnrolmentError("consent to face enrolment must be recorded before saving")
        live = gallery if isinstance(gallery, LiveGallery) else None
        base = live.gallery if live is not None else gallery if gallery is not None else self.duplicate_gallery()
        current: list[DuplicateGallery] = []
        notes: list[dict] = []

        def guard() -> dict:
            now = self._current(base)
            current.append(now)
            if live is not None:
                live.gallery = now
            notes.append(self._refuse_duplicates(
                good, allow_similar, None, now,
                "this person is already enrolled as {name} (no. {number}); edit or re-enrol that employee instead",
                "looks like {name} (no. {number}), distance {d:.2f}: same person? Re-enrol that employee, or "
                "confirm this is a different person (--allow-similar)"))
            return notes[-1]

        emb, _ = sample_matrix(good)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        emp = self.repo.enrol(number=number, name=name, department=department, consent_at=consent_at,
                              embeddings=emb, qualities=qual, model_id=self.engine.model_id, actor=actor,
                              guard=guard, crops=[f.crop for f in good], sightings=sightings)
        if live is not None and current:
            live.gallery = current[-1].adding(emp.id, emb)
        log.info("enrolled employee id %d with %d samples%s", emp.id, len(good),  # ids only: the log outlives erasure
                 " (similar person confirmed different)" if notes and notes[-1] else "")
        return emp

    def reenrol(self, employee_id: int, samples: list[Face], actor: str = "admin",
                allow_similar: bool = False) -> Employee:
        """New samples replace the person's templates (after a model change, or a new look);
        refused if they look like someone else."""
        good = self._good(samples)
        base = self.duplicate_gallery()

        def guard() -> dict:  # inside the write transaction, as for enrol()
            return self._refuse_duplicates(
                good, allow_similar, employee_id, self._current(base),
                "these samples look like {name} (no. {number}), not this employee",
                "these samples look like {name} (no. {number}), distance {d:.2f}: confirm they are this employee")

        emb, _ = sample_matrix(good)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        self.repo.add_templates(employee_id, emb, qual, self.engine.model_id, actor=actor, replace=True,
                                guard=guard, crops=[f.crop for f in good])
        log.info("re-enrolled employee %s with %d samples", employee_id, len(good))
        return self.repo.get_employee(employee_id)


    def add_samples(self, employee_id: int, samples: list[Face], sightings: Sequence[int] = (),
                    actor: str = "admin", confirmed: bool = False) -> Employee:
        """Add samples (an unknown face's sightings) to an enrolled person, after the
        same-person check inside the write transaction: refused when they clearly belong to
        someone else; when they are not near this person (nobody or someone else is nearer,
        but not clearly), UnlikePersonError unless the admin `confirmed` (audited)."""
        good = self._good(samples)
        base = self.duplicate_gallery()
        target = self.repo.get_employee(employee_id)
        if target is None:
            raise EmployeeNotFoundError(f"no employee with id {employee_id}", self.repo.path)

        def guard() -> dict:
            gallery = self._current(base)
            emb, w = sample_matrix(good)
            verdict = gallery.check(emb, w)
            if verdict.employee_id == target.id and verdict.kind != "new":
                return {"same_person_distance": round(verdict.distance, 4)}
            other = self.repo.get_employee(verdict.employee_id) if verdict.employee_id is not None else None
            if verdict.kind == "duplicate" and other is not None:
                raise EnrolmentError(f"these faces are {other.name} (no. {other.number}), not {target.name}; "
                                     "nothing was added")
            if not confirmed:
                raise UnlikePersonError(f"these faces do not clearly look like {target.name} (no. {target.number}); "
                                        "confirm they are this person to add them", target)
            return {"confirmed_same_person": True, "nearest": verdict.employee_id,
                    "distance": round(verdict.distance, 4)}

        emb, _ = sample_matrix(good)
        qual = [float(f.quality.blur) if f.quality else 0.0 for f in good]
        self.repo.add_templates(employee_id, emb, qual, self.engine.model_id, actor=actor, guard=guard,
                                crops=[f.crop for f in good], sightings=sightings)
        log.info("added %d samples of unknown sightings to employee %s", len(good), employee_id)
        return self.repo.get_employee(employee_id)


def consent_now() -> datetime:
    return datetime.now(timezone.utc)
