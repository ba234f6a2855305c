"""The one check that keeps every reader of a user-named file away from the attendance database.

Why: on Linux and macOS SQLite's locks are POSIX advisory locks, which belong to the process
and are ALL dropped when the process closes ANY descriptor of the locked file
(sqlite.org/howtocorrupt.html, section 2.2). An import list naming `faceapp.db-wal` as a
photo, read and closed by the importer, dropped the app's locks; the next CLI process then
took itself for the last connection and deleted the write-ahead log: committed settings and
people were lost. So every database this process opens is registered here (storage.db.open_db)
and every reader of a user-named file (photos: vision.imageio.read_photo; import lists;
video files) calls refuse_database_file() before it opens anything. A database stays
registered for the life of the process: SQLite may keep descriptors of it open after a
connection closes, and it is never a photo anyway.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .errors import FaceAppError, InputFileError

SIDE_SUFFIXES = ("", "-wal", "-shm", "-journal")

_OPENED: list[Path] = []  # databases this process opened
_LOCK = threading.Lock()


def database_files(path: str | Path) -> list[Path]:
    """The database file and the side files SQLite keeps next to it."""
    p = Path(path)
    return [p.with_name(p.name + s) for s in SIDE_SUFFIXES]


def is_database_file(candidate: str | Path, db_path: str | Path) -> bool:
    """True when `candidate` is the database at db_path or one of its side files, by path or
    by file identity (a hard link or symlink to it). Only stat() is used: nothing is opened."""
    cand = Path(candidate).expanduser()
    try:
        cand_abs = cand.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    for f in database_files(db_path):
        try:
            if cand_abs == f.resolve() or (cand.exists() and f.exists() and os.path.samefile(cand, f)):
                return True
        except (OSError, RuntimeError):
            continue
    return False


def register_database(path: str | Path) -> None:
    """Remember a database this process opened (storage.db.open_db calls it)."""
    if str(path) in ("", ":memory:"):
        return
    p = Path(path).expanduser().absolute()
    with _LOCK:
        if p not in _OPENED:
            _OPENED.append(p)


def opened_databases() -> list[Path]:
    """Every database this process opened: a worker process it starts registers them too, so
    it refuses them as photos the same way (vision/workers.py)."""
    with _LOCK:
        return list(_OPENED)


def opened_database(candidate: str | Path) -> Path | None:
    """The database of this process that `candidate` is (or is a side file of), else None."""
    with _LOCK:
        opened = list(_OPENED)
    return next((db for db in opened if is_database_file(candidate, db)), None)


def refuse_database_file(path: str | Path, use: str, error: type[FaceAppError] = InputFileError) -> None:
    """Raise `error` (an InputFileError by default: exit code 3) when `path`, about to be
    opened as `use` ("a photo", "an import list"), is a database this process has open or
    one of its side files. Call it before the file is opened, even only to sniff it."""
    if opened_database(path) is not None:
        raise error(f"{path}: this is the attendance database (or one of its files), not {use}; "
                    "choose another file")
