"""Bulk import of employees from a CSV list of photos: `faceapp employees import` and
Employees > Import... in the desktop app.

One row per photo (header number,name,department,photo); rows sharing a number are one
person's samples; relative photo paths resolve against the CSV's folder. Each person is
judged by the same quality gates and duplicate check as the enrolment wizard and saved in
one transaction of its own, so a failure or a cancel keeps everyone imported before it.
Photos are decoded on a small thread pool and embedded in batches: thousands of people
import in minutes with one model load.
"""

from __future__ import annotations

import csv
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ..shared.errors import FaceAppError, ImageReadError, InputFileError
from ..vision.imageio import read_image
from .enrolment import EnrolmentError, EnrolmentService, SampleCheck

log = logging.getLogger(__name__)

COLUMNS = ("number", "name", "department", "photo")
_CHUNK_PHOTOS = 48  # photos decoded and embedded together


@dataclass(frozen=True)
class ImportPerson:
    """One person of the CSV: the rows sharing a number."""

    number: str
    name: str
    department: str
    photos: tuple[Path, ...]
    line: int  # CSV line of the person's first row (1 = header)
    problem: str = ""  # rows that disagree, an empty name...: refused before any photo is read


@dataclass(frozen=True)
class ImportOutcome:
    number: str
    name: str
    imported: bool
    reason: str  # "imported with 3 sample(s)" or why not
    samples: int = 0
    employee_id: int | None = None
    line: int = 0


@dataclass
class ImportReport:
    outcomes: list[ImportOutcome] = field(default_factory=list)
    seconds: float = 0.0
    photos: int = 0
    cancelled: bool = False

    @property
    def imported(self) -> int:
        return sum(o.imported for o in self.outcomes)

    @property
    def refused(self) -> int:
        return len(self.outcomes) - self.imported

    def summary(self) -> str:
        rate = f", {self.photos / self.seconds:.0f} photos/s" if self.seconds > 0 else ""
        tail = " (cancelled)" if self.cancelled else ""
        return (f"{self.imported} imported, {self.refused} refused of {len(self.outcomes)} people "
                f"({self.photos} photos in {self.seconds:.0f} s{rate}){tail}")


def read_people_csv(path: str | Path) -> list[ImportPerson]:
    """The people of an import CSV (UTF-8, with or without BOM). InputFileError when the file
    cannot be read or lacks the columns; problems of single rows go to that person."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputFileError(f"{path}: the header must name the columns {','.join(COLUMNS)} "
                             f"(missing: {', '.join(missing)})")
    reader.fieldnames = header
    groups: dict[str, dict] = {}
    for i, row in enumerate(reader, start=2):
        number = (row.get("number") or "").strip()
        if not number:
            continue  # blank lines and rows without a number are no person
        g = groups.setdefault(number, {"names": [], "depts": [], "photos": [], "line": i})
        g["names"].append((row.get("name") or "").strip())
        g["depts"].append((row.get("department") or "").strip())
        photo = (row.get("photo") or "").strip()
        if photo:
            p = Path(photo).expanduser()
            g["photos"].append(p if p.is_absolute() else path.parent / p)
    if not groups:
        raise InputFileError(f"{path}: no rows with an employee number")
    people = []
    for number, g in groups.items():
        names = {n for n in g["names"] if n}
        depts = {d for d in g["depts"] if d}
        problem = ""
        if not names:
            problem = "no name given"
        elif len(names) > 1:
            problem = f"rows disagree on the name ({', '.join(sorted(names))})"
        elif len(depts) > 1:
            problem = f"rows disagree on the department ({', '.join(sorted(depts))})"
        elif not g["photos"]:
            problem = "no photo given"
        first = lambda values: next((v for v in values if v), "")  # noqa: E731 - in row order
        people.append(ImportPerson(number, first(g["names"]), first(g["depts"]), tuple(g["photos"]), g["line"],
                                   problem))
    return people


class BulkImporter:
    """Imports people one transaction each; the duplicate check sees the people imported
    earlier in the same run."""

    def __init__(self, enrolment: EnrolmentService) -> None:
        self.enrolment = enrolment

    def run(self, people: list[ImportPerson], consent_at: datetime, actor: str = "import",
            allow_similar: bool = False, progress: Callable[[int, int, ImportOutcome], None] | None = None,
            cancel: threading.Event | None = None) -> ImportReport:
        t0 = time.perf_counter()
        report = ImportReport()
        svc = self.enrolment
        gallery = svc.duplicate_gallery()
        for chunk in _chunks(people, _CHUNK_PHOTOS):
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
            checks = self._check_photos(chunk)
            report.photos += sum(len(c) for c in checks)
            for person, person_checks in zip(chunk, checks):
                outcome = self._import_one(person, person_checks, gallery, consent_at, actor, allow_similar)
                if outcome.imported:
                    gallery = gallery.adding(outcome.employee_id,
                                             np.stack([c.face.embedding for c in person_checks if c.ok]))
                report.outcomes.append(outcome)
                if progress is not None:
                    progress(len(report.outcomes), len(people), outcome)
        report.seconds = time.perf_counter() - t0
        log.info("import: %s", report.summary())
        return report

    def _check_photos(self, chunk: list[ImportPerson]) -> list[list[SampleCheck]]:
        """Decode on two threads (OpenCV releases the GIL), detect and embed in one batch."""
        svc = self.enrolment
        paths = [p for person in chunk if not person.problem for p in person.photos]
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="faceapp-import-read") as pool:
            images = list(pool.map(_read, paths))
        readable = [im for im in images if isinstance(im, np.ndarray)]
        faces = iter(svc.engine.analyze_many(readable, max_faces=2))
        by_path = {}
        for path, im in zip(paths, images):
            if isinstance(im, np.ndarray):
                by_path[path] = svc.judge_faces(next(faces), str(path), im)
            else:
                by_path[path] = SampleCheck(str(path), None, [im])
        out = []
        for person in chunk:
            out.append([] if person.problem else [by_path[p] for p in person.photos])
        return out

    def _import_one(self, person: ImportPerson, checks: list[SampleCheck], gallery, consent_at: datetime,
                    actor: str, allow_similar: bool) -> ImportOutcome:
        def refused(why: str, samples: int = 0) -> ImportOutcome:
            return ImportOutcome(person.number, person.name, False, why, samples, None, person.line)

        if person.problem:
            return refused(person.problem)
        good = [c.face for c in checks if c.ok]
        if len(good) < self.enrolment.settings.enrolment.min_samples:
            bad = "; ".join(f"{Path(c.source).name}: {', '.join(c.problems)}" for c in checks if not c.ok)
            return refused(f"{len(good)} usable photo(s) of {len(checks)}" + (f" ({bad})" if bad else ""))
        try:
            emp = self.enrolment.enrol(person.number, person.name, person.department, good, consent_at=consent_at,
                                       actor=actor, allow_similar=allow_similar, gallery=gallery)
        except (EnrolmentError, FaceAppError, ValueError) as exc:
            return refused(str(exc), len(good))
        skipped = len(checks) - len(good)
        note = f" ({skipped} photo(s) not usable)" if skipped else ""
        return ImportOutcome(person.number, person.name, True, f"imported with {len(good)} sample(s){note}",
                             len(good), emp.id, person.line)


def _read(path: Path) -> np.ndarray | str:
    try:
        return read_image(path)
    except ImageReadError as exc:
        return str(exc)


def _chunks(people: list[ImportPerson], photos_per_chunk: int) -> Iterator[list[ImportPerson]]:
    chunk: list[ImportPerson] = []
    n = 0
    for person in people:
        chunk.append(person)
        n += len(person.photos)
        if n >= photos_per_chunk:
            yield chunk
            chunk, n = [], 0
    if chunk:
        yield chunk
