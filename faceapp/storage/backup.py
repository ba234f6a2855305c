"""Online backups of the attendance database, their verification, rotation and restore.

Why SQLite's backup API and never a file copy: the app writes in WAL mode, so the main file
alone misses what sits in the -wal, and a copy taken while a page is being written is torn.
The backup API reads one consistent snapshot through SQLite's own locks while the app goes
on writing (a WAL reader does not block writers). Every copy is checked (PRAGMA
integrity_check, schema version readable) before it gets its final name, and only a checked
copy lets older ones be rotated away: a failing disk never leaves the site with fewer good
copies than before.

Restore never runs under a live app: it first tries SQLite's exclusive lock on the database
(locking_mode=EXCLUSIVE + BEGIN EXCLUSIVE), which fails while any other process has the
database open in WAL mode, even idle (the app, `faceapp identify`, the sqlite3 shell). The
current file and its -wal are kept aside under a timestamped name, so a restore can be undone.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..shared.database_files import database_files
from ..shared.errors import InputFileError
from .db import refuse_folder
from .errors import SchemaTooNewError, StorageError
from .migrations import MIGRATIONS, Migration

log = logging.getLogger(__name__)

PREFIX = "faceapp-backup-"  # of faceapp.db's backups: <database name>-backup-<time>.db
SUFFIX = ".db"
STAMP = "%Y%m%d-%H%M%S"
NAME_RE = re.compile(rf"^(.+)-backup-(\d{{8}}-\d{{6}})(?:-(\d+))?{re.escape(SUFFIX)}$")
ASIDE = ".before-restore-"  # faceapp.db -> faceapp.db.before-restore-20261206-051500


class BackupError(StorageError):
    """A backup could not be written or did not verify; older copies were kept."""


class BackupFileError(InputFileError):
    """The file given to restore is missing, not a database or damaged (exit code 3)."""


class BackupTooNewError(SchemaTooNewError):
    """The file given to restore was written by a newer faceapp (schema changes unknown here)."""


class DatabaseInUseError(StorageError):
    """Another process has the database open: a restore would pull it from under it."""


@dataclass(frozen=True)
class CopyCheck:
    """What verifying a database file found."""

    path: Path
    ok: bool
    problem: str = ""  # why not ok ("integrity_check: ...", "not a database", "newer schema ...")
    newer: bool = False  # written by a newer faceapp
    migrations: int = 0  # schema changes it has
    counts: tuple[tuple[str, int], ...] = ()  # rows per table, for the report


@dataclass(frozen=True)
class BackupCopy:
    path: Path
    taken: datetime  # local time in its name
    serial: int = 0  # the second, third... backup within one second


def backup_prefix(db_path: str | Path | None) -> str:
    """Backups carry their database's name: two databases in one folder (faceapp.db and a
    training.db) share its backups/ folder, and one's rotation must never delete the other's
    copies, nor the start-up offer restore the other's copy."""
    return f"{Path(db_path).stem}-backup-" if db_path is not None else PREFIX


def backup_name(now: datetime, db_path: str | Path | None = None) -> str:
    return f"{backup_prefix(db_path)}{now.strftime(STAMP)}{SUFFIX}"


def list_backups(folder: str | Path, db_path: str | Path | None = None) -> list[BackupCopy]:
    """The backups in `folder` (by their name), newest first; only `db_path`'s when given; a
    missing folder has none."""
    out: list[BackupCopy] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for p in entries:
        m = NAME_RE.match(p.name)
        if m and p.is_file() and (db_path is None or m.group(1) == Path(db_path).stem):
            out.append(BackupCopy(p, datetime.strptime(m.group(2), STAMP), int(m.group(3) or 0)))
    return sorted(out, key=lambda b: (b.taken, b.serial), reverse=True)


def row_counts(conn: sqlite3.Connection) -> tuple[tuple[str, int], ...]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return tuple((t, int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])) for t in tables)


def verify_copy(path: str | Path, migrations: tuple[Migration, ...] = MIGRATIONS) -> CopyCheck:
    """Open a (not live) database file read-only: integrity_check, schema version, row counts."""
    path = Path(path)
    if not path.is_file():
        problem = ("it is a folder, not a backup file" if path.is_dir()
                   else "not a regular file" if path.exists() else "no such file")
        return CopyCheck(path, False, problem)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return CopyCheck(path, False, f"cannot be opened: {exc}")
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        if result != ["ok"]:
            found = "; ".join(" ".join(str(r).split()) for r in result)  # its rows hold newlines: one line
            return CopyCheck(path, False, f"integrity_check: {found}")
        try:
            applied = [r[0] for r in conn.execute("SELECT name FROM migrations ORDER BY rowid")]
        except sqlite3.Error:
            return CopyCheck(path, False, "not a faceapp database (no schema version)")
        unknown = sorted(set(applied) - {m.name for m in migrations})
        if unknown:
            return CopyCheck(path, False, f"written by a newer faceapp (schema changes {', '.join(unknown)})",
                             newer=True, migrations=len(applied))
        return CopyCheck(path, True, migrations=len(applied), counts=row_counts(conn))
    except sqlite3.Error as exc:  # "file is not a database", "database disk image is malformed"
        return CopyCheck(path, False, str(exc))
    finally:
        conn.close()


def _unique(folder: Path, now: datetime, db_path: Path) -> Path:
    target = folder / backup_name(now, db_path)
    n = 1
    while target.exists():  # two backups within one second
        target = folder / f"{backup_prefix(db_path)}{now.strftime(STAMP)}-{n}{SUFFIX}"
        n += 1
    return target


def backup_database(db_path: str | Path, folder: str | Path, keep: int, now: datetime | None = None,
                    busy_timeout_ms: int = 5000) -> tuple[BackupCopy, CopyCheck, list[Path]]:
    """Copy the live database into `folder` with the backup API (one consistent snapshot,
    the app's writers go on), verify the copy, then delete all but the `keep` newest backups.
    Returns the new copy, its check and the files rotated away. BackupError on any failure,
    with nothing rotated away."""
    db_path, folder = Path(db_path), Path(folder)
    now = now or datetime.now()
    if keep < 1:
        raise ValueError("keep must be at least 1")
    if not db_path.is_file():
        raise BackupError(f"cannot back up {db_path}: no such file", db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BackupError(f"cannot create the backup folder {folder}: {exc.strerror or exc}", folder) from exc
    target = _unique(folder, now, db_path)
    tmp = target.with_name(f".{target.name}.part")
    try:  # whatever stops it (Ctrl+C, SIGTERM) leaves no half-written .part in the backup folder
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # names and templates: the owner only
            os.close(fd)
            src = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
            try:
                dst = sqlite3.connect(str(tmp))
                try:
                    src.backup(dst)  # pages=-1: the whole database from one read snapshot
                    dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
                finally:
                    dst.close()
            finally:
                src.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        except (sqlite3.Error, OSError) as exc:
            _remove(tmp)
            raise BackupError(f"backup of {db_path} to {folder} failed: {exc}; older backups were kept", folder) from exc
        check = verify_copy(tmp)
        if not check.ok:
            _remove(tmp)
            raise BackupError(f"the backup copy of {db_path} did not verify ({check.problem}); it was deleted and "
                              "older backups were kept", folder)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            _remove(tmp)
            raise BackupError(f"cannot name the backup {target}: {exc.strerror or exc}", folder) from exc
    except BaseException:
        _remove(tmp)
        raise
    removed = rotate(folder, keep, protect=target, db_path=db_path)
    log.info("backed up %s to %s (integrity ok, %d schema changes); %d old backup(s) removed",
             db_path, target, check.migrations, len(removed))
    return BackupCopy(target, now.replace(microsecond=0)), CopyCheck(target, True, "", False, check.migrations,
                                                                      check.counts), removed


def rotate(folder: str | Path, keep: int, protect: Path | None = None,
           db_path: str | Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest backups (of `db_path`) in folder (never `protect`, the one just made)."""
    removed: list[Path] = []
    for old in list_backups(folder, db_path)[keep:]:
        if protect is not None and old.path == protect:
            continue
        try:
            old.path.unlink()
            removed.append(old.path)
        except OSError as exc:
            log.warning("cannot remove the old backup %s: %s", old.path, exc)
    return removed


def _remove(p: Path) -> None:
    for f in database_files(p):
        try:
            f.unlink(missing_ok=True)
        except OSError:
            pass


def database_in_use(db_path: str | Path) -> bool:
    """True when another connection has the database open. In WAL mode every open connection
    (even idle) keeps SQLite's shared lock, so an exclusive-mode lock attempt fails; a file that
    is not a database at all cannot be in use by SQLite. Call it from a process that has not
    opened this database itself."""
    db_path = Path(db_path)
    if not db_path.exists():
        return False
    try:
        conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=0.2)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        return False  # "file is not a database", malformed: nobody can be using it
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


@dataclass(frozen=True)
class RestoreResult:
    restored: Path  # the database path, now holding the backup's content
    kept_aside: list[Path]  # the files that were there before, renamed
    check: CopyCheck


def restore_database(backup: str | Path, db_path: str | Path, now: datetime | None = None,
                     migrations: tuple[Migration, ...] = MIGRATIONS) -> RestoreResult:
    """Put `backup` in place of the database at `db_path`. Refused (nothing changed) when the
    backup is damaged (BackupFileError), written by a newer faceapp (BackupTooNewError) or
    another process has the database open (DatabaseInUseError). The current database and its
    side files are renamed `<name>.before-restore-<time>` (with -wal etc. after it, so SQLite
    can still open them as a pair); the backup is written next to the target through the
    backup API and renamed into place."""
    backup, db_path = Path(backup), Path(db_path)
    now = now or datetime.now()
    refuse_folder(db_path)  # a folder given as the database would be moved aside whole
    check = verify_copy(backup, migrations)
    if check.newer:
        raise BackupTooNewError(f"{backup} was {check.problem}; install that version to restore it", backup)
    if not check.ok:
        raise BackupFileError(f"{backup} cannot be restored: {check.problem}")
    if database_in_use(db_path):
        raise DatabaseInUseError(f"{db_path} is open in another program (faceapp window, `faceapp identify`, ...); "
                                 "close it, then restore again", db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f".{db_path.name}.restoring")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        src = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except (sqlite3.Error, OSError) as exc:
        _remove(tmp)
        raise StorageError(f"cannot write the restored database next to {db_path}: {exc}; nothing was changed",
                           db_path) from exc
    except BaseException:  # Ctrl+C, SIGTERM mid-copy: no half-written .restoring left beside the database
        _remove(tmp)
        raise
    aside: list[Path] = []
    moved: list[tuple[Path, Path]] = []
    stamp = now.strftime(STAMP)
    try:
        for f, suffix in zip(database_files(db_path), ("", "-wal", "-shm", "-journal")):
            if f.exists():
                dest = db_path.with_name(f"{db_path.name}{ASIDE}{stamp}{suffix}")
                os.replace(f, dest)
                aside.append(dest)
                moved.append((f, dest))
        os.replace(tmp, db_path)
    except BaseException as exc:  # an error or a stop between the renames: the database goes back in place
        _remove(tmp)
        for f, dest in reversed(moved):
            try:
                os.replace(dest, f)
                aside.remove(dest)
            except OSError:
                pass
        if not isinstance(exc, OSError):
            raise
        raise StorageError(f"restoring {db_path} failed: {exc.strerror or exc}; "
                           + (f"the files kept aside are {', '.join(map(str, aside))}" if aside
                              else "nothing was changed"), db_path) from exc
    log.info("restored %s from %s; the previous files were kept as %s", db_path, backup,
                ", ".join(map(str, aside)) or "(none: there was no database)")
    return RestoreResult(db_path, aside, check)
