"""Bulk import of employees from a CSV list of photos: `faceapp employees import` and
Employees > Import... in the desktop app.

One row per photo (header number,name,department,photo); rows sharing a number are one
person's samples; relative photo paths resolve against the CSV's folder. Each person is
judged by the same quality gates and duplicate check as the enrolment wizard and saved in
one transaction of its own, so a failure or a cancel keeps everyone imported before it.
Photos are read, detected and embedded in small batches on one worker process per core
(vision/workers.py), a few batches ahead, each image dropped once its face is found; this
process alone judges each person and writes, in list order, so the outcome is the one a
single worker gives: thousands of people import in minutes, in bounded memory however many
photos one person has.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path

import numpy as np

from ..shared.database_files import refuse_database_file
from ..shared.errors import FaceAppError, ImageReadError, InputFileError
from ..settings import EnrolmentSettings
from ..vision.imageio import read_image
from ..vision.workers import ENV as WORKERS_ENV, map_on_engines, worker_count
from .enrolment import (EnrolmentError, EnrolmentService, LiveGallery, SampleCheck, file_key, judge_with_crop,
                        mark_repeats, unreadable)

log = logging.getLogger(__name__)

COLUMNS = ("number", "name", "department", "photo")
MAX_LIST_BYTES = 64 * 2**20  # a list of 500,000 rows; anything larger is not an import list
MAX_FIELD = 4096  # characters in one field: a path's limit on most systems
# Photos a worker judges per batch, and the most pixels it detects and embeds together: a
# worker holds at most about _BATCH_PIXELS of decoded photos plus one, whatever the list holds.
_BATCH_PIXELS = 8_000_000
_BATCH_PHOTOS = 16
# Each worker loads the engine (about a second): for fewer photos than this, the default is
# to judge them in this process.
_POOL_MIN_PHOTOS = 60


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
    """The people of an import CSV (UTF-8, with or without BOM; commas, or the semicolons of
    Excel in many locales, or tabs: told from the header). InputFileError, one line, when the
    file cannot be read, is no CSV list (too large, a device, a field far too long) or lacks
    the columns; problems of single rows go to that person, a row without a number included."""
    path = Path(path)
    text = _read_list(path)
    lines = text.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            hint = " (semicolons found: separate the columns with commas)" if ";" in (lines[0] if lines else "") \
                else ""
            raise InputFileError(f"{path}: the header must name the columns {','.join(COLUMNS)} "
                                 f"(missing: {', '.join(missing)}){hint}")
        repeated = [c for c in COLUMNS if header.count(c) > 1]
        if repeated:
            raise InputFileError(f"{path}: the column {repeated[0]!r} appears {header.count(repeated[0])} times in "
                                 "the header; keep one")
        at = {c: header.index(c) for c in COLUMNS}
        groups: dict[str, dict] = {}
        nameless: list[ImportPerson] = []
        for row in reader:
            line = reader.line_num
            long = next((v for v in row if len(v) > MAX_FIELD), None)
            if long is not None:
                raise InputFileError(f"{path}, line {line}: a field of {len(long):,} characters (at most "
                                     f"{MAX_FIELD:,}); is this an import list?")
            value = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
            if not any(v.strip() for v in row):
                continue  # blank lines and empty spreadsheet rows (",,,") are no person
            photo = _photo_path(path, value["photo"])
            if not value["number"]:
                nameless.append(ImportPerson("", value["name"], value["department"], photo, line,
                                             f"no employee number (line {line})"))
                continue
            g = groups.setdefault(value["number"], {"names": [], "depts": [], "photos": [], "line": line})
            g["names"].append(value["name"])
            g["depts"].append(value["department"])
            g["photos"] += photo
    except csv.Error as exc:  # a field over csv's own limit (128 KiB), a NUL byte...
        raise InputFileError(f"{path}, line {reader.line_num}: not a readable CSV list ({exc})") from None
    if not groups and not nameless:
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
    return sorted(people + nameless, key=lambda p: p.line)


def _read_list(path: Path) -> str:
    """The list's text, after checks that need no read: not the database (opening it drops
    SQLite's locks), a regular file (not /dev/zero, not a FIFO) and not larger than any list."""
    refuse_database_file(path, "an import list")
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"{path}: is a folder, not a CSV file")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{path}: is not a regular file (a device or a pipe), not a CSV file")
    if st.st_size > MAX_LIST_BYTES:
        raise InputFileError(f"{path}: {st.st_size / 2**20:,.0f} MB is larger than an import list can be "
                             f"(max {MAX_LIST_BYTES // 2**20} MB)")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_LIST_BYTES + 1)
        return data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read it as UTF-8 text ({exc})") from None


def _delimiter(header: str) -> str:
    """The delimiter that makes the header name all the columns: a comma, or the semicolon
    Excel writes in locales with a decimal comma, or a tab."""
    for d in (",", ";", "\t"):
        names = [h.strip().lower() for h in next(csv.reader([header], delimiter=d), [])]
        if all(c in names for c in COLUMNS):
            return d
    return ","


def _photo_path(csv_path: Path, photo: str) -> list[Path]:
    if not photo:
        return []
    p = Path(photo).expanduser()
    return [p if p.is_absolute() else csv_path.parent / p]


def import_workers(engine=None, photos: int | None = None) -> int:  # noqa: ANN001 - FaceEngine
    """Worker processes for an import: $FACEAPP_WORKERS (or the older $FACEAPP_IMPORT_WORKERS),
    else one per core on the CPU (vision/workers.py), but 1 (this process) for fewer than
    _POOL_MIN_PHOTOS photos: starting the workers costs about what they would save."""
    env = os.environ.get(WORKERS_ENV, "").strip() or os.environ.get("FACEAPP_IMPORT_WORKERS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    if photos is not None and photos < _POOL_MIN_PHOTOS:
        return 1
    return worker_count(None, engine)


class BulkImporter:
    """Imports people one transaction each; the duplicate check sees the people imported
    earlier in the same run, and, inside each transaction, those another process enrolled
    meanwhile (EnrolmentService.enrol with a LiveGallery)."""

    def __init__(self, enrolment: EnrolmentService, workers: int | None = None) -> None:
        self.enrolment = enrolment
        self.workers = workers  # worker processes; None: import_workers()

    def run(self, people: list[ImportPerson], consent_at: datetime, actor: str = "import",
            allow_similar: bool = False, progress: Callable[[int, int, ImportOutcome], None] | None = None,
            cancel: threading.Event | None = None) -> ImportReport:
        t0 = time.perf_counter()
        report = ImportReport()
        cancel = cancel or threading.Event()
        gallery = LiveGallery(self.enrolment.duplicate_gallery())
        # Each person's photos, a file listed twice named as such and read once.
        plans = [_plan(person) for person in people]
        photos = [path for plan in plans for path, same in plan if same is None]
        results = self._judged(iter(photos), len(photos), cancel)
        for person, plan in zip(people, plans):
            if cancel.is_set():
                report.cancelled = True
                break
            checks = []
            for path, same in plan:
                if same is not None:
                    checks.append(SampleCheck(str(path), None, [f"the same photo as {same.name} (counted once)"]))
                    continue
                check = next(results, None)
                if check is None:  # cancelled while the photos were read
                    break
                report.photos += 1
                checks.append(check)
            if cancel.is_set():
                report.cancelled = True
                break
            outcome = self._import_one(person, mark_repeats(checks), gallery, consent_at, actor, allow_similar)
            report.outcomes.append(outcome)
            if progress is not None:
                progress(len(report.outcomes), len(people), outcome)
        results.close()
        report.seconds = time.perf_counter() - t0
        log.info("import: %s", report.summary())
        return report

    def _judged(self, paths: Iterator[Path], count: int, cancel: threading.Event) -> Generator[SampleCheck, None, None]:
        """Each photo judged, in list order, in bounded memory: batches of _BATCH_PHOTOS
        photos read, detected, embedded and judged on one worker process per core (each with
        its own engine: threads share one GIL for the Python and numpy parts), a few batches ahead at most, each
        image dropped as soon as its faces are found. The batches are the same with one
        worker or several, so who is imported and why is the same too."""
        svc = self.enrolment
        workers = self.workers if self.workers is not None else import_workers(svc.engine, count)
        batches = _chunks(paths, _BATCH_PHOTOS)
        judged = map_on_engines(svc.engine, partial(judge_batch, svc.settings.enrolment), batches, workers,
                                cancel, what="import worker")
        try:
            for checks in judged:
                yield from checks
        finally:
            judged.close()  # the workers end with the import, however it ends

    def _import_one(self, person: ImportPerson, checks: list[SampleCheck], gallery: LiveGallery,
                    consent_at: datetime, actor: str, allow_similar: bool) -> ImportOutcome:
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


def _plan(person: ImportPerson) -> list[tuple[Path, Path | None]]:
    """(photo, the earlier photo it is the same file as, or None) for a person to import."""
    if person.problem:
        return []
    seen: dict[tuple, Path] = {}
    plan = []
    for path in person.photos:
        key = file_key(path)
        plan.append((path, seen.get(key)))
        seen.setdefault(key, path)
    return plan


def judge_batch(s: EnrolmentSettings, engine, paths: list[Path]) -> list[SampleCheck]:  # noqa: ANN001
    """A batch of photos judged, in a worker process or here: read one by one and detected
    and embedded together (about 1.4x faster per face than one at a time) in groups of at
    most _BATCH_PIXELS, each image dropped once its faces are found."""
    out: list[SampleCheck] = []
    group: list[tuple[Path, np.ndarray | ImageReadError]] = []

    def flush() -> None:
        images = [im for _, im in group if isinstance(im, np.ndarray)]
        faces = iter(engine.analyze_many(images, max_faces=2) if images else [])
        out.extend(judge_with_crop(engine, next(faces), s, str(p), photo=True, image=im)
                   if isinstance(im, np.ndarray) else unreadable(str(p), im) for p, im in group)
        group.clear()

    pixels = 0
    for path in paths:
        image = _read(path)
        group.append((path, image))
        pixels += image.shape[0] * image.shape[1] if isinstance(image, np.ndarray) else 0
        del image
        if pixels >= _BATCH_PIXELS:
            flush()
            pixels = 0
    flush()
    return out


def _chunks(items: Iterator[Path], size: int) -> Iterator[list[Path]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _read(path: Path) -> np.ndarray | ImageReadError:
    try:
        return read_image(path)
    except ImageReadError as exc:
        return exc
