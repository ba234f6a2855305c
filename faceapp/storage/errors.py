"""Storage errors with messages a front-desk user can act on (which file, what to do).

`translate()` turns a raw sqlite3 error into one of these; callers never see sqlite3 errors.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ..shared.errors import FaceAppError

# Primary result codes (sqlite3.h); extended codes carry the primary one in the low byte.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_NOTADB = 5, 6, 10, 11, 13, 26
# Below this much free space an I/O error is a full disk: SQLite reports ENOSPC as SQLITE_FULL
# only for page writes; growing the -shm file or creating the WAL fails as SQLITE_IOERR_*.
FULL_DISK_FREE_BYTES = 1 << 20


class StorageError(FaceAppError):
    """The attendance database could not be read or written."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = str(path) if path is not None else None


class DatabaseFileError(StorageError):
    """A path given for a photo, a video or an export is the attendance database itself."""


class DatabaseMissingError(StorageError):
    """The database this user's faceapp used before at this path is gone: not silently
    replaced by an empty one (allow_new_db / --new-db / the desktop's question decide)."""


class DatabaseLockedError(StorageError):
    """Another connection held the write lock for longer than the busy timeout."""


class DiskFullError(StorageError):
    """The disk (or the database's size limit) is full; the write was rolled back."""


class DatabaseCorruptError(StorageError):
    """The file is damaged or is not a SQLite database."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer faceapp with migrations this version lacks."""


class CorruptRowError(StorageError):
    """One stored row cannot be decoded (e.g. an embedding blob of the wrong length)."""

    def __init__(self, message: str, path: str | Path | None = None, *, table: str = "",
                 row_id: int | None = None, employee_id: int | None = None) -> None:
        super().__init__(message, path)
        self.table = table
        self.row_id = row_id
        self.employee_id = employee_id


class DuplicateEmployeeError(StorageError):
    """An employee with this employee number already exists."""

    personal = True

    def __init__(self, number: str, path: str | Path | None = None) -> None:
        super().__init__(f"employee number {number!r} is already in use; pick another number "
                         "or edit the existing employee", path)
        self.number = number


class EmployeeNotFoundError(StorageError):
    """No employee with this id."""

    personal = True  # may name the number looked for


class AccessGroupNotFoundError(StorageError):
    """No access group with this id."""


class DuplicateAccessGroupError(StorageError):
    """An access group with this name already exists."""

    def __init__(self, name: str, path: str | Path | None = None) -> None:
        super().__init__(f"access group {name!r} already exists; pick another name or edit that group", path)
        self.name = name


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code & 0xFF if isinstance(code, int) else None


def translate(exc: sqlite3.Error, path: str | Path, doing: str, busy_timeout_ms: int | None = None) -> StorageError:
    """The StorageError subclass (with a user-facing message) for a raw sqlite3 error."""
    code = _code(exc)
    text = str(exc).lower()
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text or "is busy" in text:
        waited = f" (waited {busy_timeout_ms} ms)" if busy_timeout_ms is not None else ""
        return DatabaseLockedError(
            f"the attendance database {path} is busy: another program or faceapp window is "
            f"writing to it{waited}. Nothing was saved while {doing}; close the other faceapp "
            "instance or try again in a moment.", path)
    if code == SQLITE_FULL or "database or disk is full" in text or (code == SQLITE_IOERR and _no_space(path)):
        return DiskFullError(
            f"the disk holding the attendance database {path} is full. Nothing was saved while "
            f"{doing}; free some disk space and try again.", path)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "not a database" in text or "malformed" in text:
        return DatabaseCorruptError(
            f"{path} is damaged or is not a faceapp database ({exc}). Restore it from a backup, "
            "or point FACEAPP_DB at another file.", path)
    return StorageError(f"database error while {doing} in {path}: {exc}", path)


def _no_space(path: str | Path) -> bool:
    """Whether the file system holding `path` is (all but) full."""
    folder = Path(path).parent
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_FREE_BYTES
    except OSError:
        return False
