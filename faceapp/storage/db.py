"""Opening the attendance database: location, connection pragmas and migrations."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils
from platformdirs import user_data_dir

from ..shared.database_files import database_files, register_database
from .errors import SchemaTooNewError, StorageError, translate
from .migrations import MIGRATIONS, Migration, applied_migrations, migrate

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_MS = 5000  # a writer waits this long for another writer before DatabaseLockedError


def default_db_path() -> Path:
    """FACEAPP_DB if set, else faceapp.db in the user's data folder (per-OS via platformdirs)."""
    env = os.environ.get("FACEAPP_DB")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("faceapp", appauthor=False)) / "faceapp.db"


PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600  # templates, names and the PIN hash: the owner only


def _make_private_folder(folder: Path) -> None:
    """Create the folder and any missing parents 0700 (mkdir's mode can only lose bits to
    the umask, never gain them). The per-user default folder is also tightened when an
    older version left it 0755. (On Windows chmod only sets read-only: there the user's
    %LOCALAPPDATA% ACL is what keeps other accounts out.)"""
    missing = []
    p = folder
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
    if os.name == "posix" and folder == default_db_path().parent and folder.stat().st_mode & 0o077:
        os.chmod(folder, PRIVATE_FOLDER)


def refuse_folder(path: Path) -> None:
    """`--db /srv/faceapp` (the folder, not the file in it): say so before anything touches
    it (the privacy chmod would make the folder 0600, a restore would move it aside)."""
    if path.is_dir():
        raise StorageError(f"the attendance database {path} is a folder, not a database file; give the file in "
                           f"it (e.g. {path / 'faceapp.db'}) with --db or FACEAPP_DB", path)


def _make_private_files(path: Path) -> None:
    """The database file is created 0600 before SQLite opens it: SQLite then gives its
    -wal/-shm/-journal files the database file's mode. Existing files (an older version,
    a copy) lose group and other access."""
    if os.name != "posix":
        return
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))  # an empty database
    for f in database_files(path):
        try:
            if f.is_file() and f.stat().st_mode & 0o077:  # never a folder or a device in its place
                os.chmod(f, PRIVATE_FILE)
        except OSError as exc:  # not ours (shared folder): the data is still usable
            log.warning("cannot make %s private: %s", f, exc)


def is_writable(path: str | Path) -> bool:
    """Whether the database can be written where it is: the file (when it exists) and its
    folder (SQLite creates its -wal/-shm/-journal files there). False on read-only media
    (EROFS counts for root too) and where the user lacks write permission."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not p.exists() or os.access(p, os.W_OK))


class ReadOnlyDatabaseError(StorageError):
    """A command that changes the database was given one that cannot be written."""


@contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: Path, doing: str, busy_timeout_ms: int) -> Iterator[None]:
    """Setting up a new connection: any failure closes it; sqlite3 errors become StorageError."""
    try:
        yield
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path, doing, busy_timeout_ms) from exc
    except BaseException:
        conn.close()
        raise


def open_db_read_only(path: str | Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
                      migrations: tuple[Migration, ...] = MIGRATIONS) -> sqlite_utils.Database:
    """Open an existing database for reading only (a backup on a CD, a read-only share):
    SQLite's mode=ro, or immutable=1 when even that cannot open it (a WAL database in a
    folder that is not writable: no -shm can be made; a clean close leaves no -wal). Nothing
    is created, chmod-ed or migrated; a database that would need a migration is refused."""
    path = Path(path)
    if not path.is_file():
        raise StorageError(f"cannot open the attendance database {path}: no such file", path)
    uri = path.resolve().as_uri()
    conn = None
    for query in ("mode=ro", "immutable=1"):
        try:
            conn = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None, check_same_thread=False,
                                   timeout=busy_timeout_ms / 1000)
            applied = set(applied_migrations(conn))  # reads the file: fails here if it cannot be opened
            break
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
                conn = None
            error = exc
    if conn is None:
        raise translate(error, path, "opening the database read-only", busy_timeout_ms) from error
    with _closed_on_failure(conn, path, "opening the database read-only", busy_timeout_ms):
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        unknown = applied - {m.name for m in migrations}
        missing = [m.name for m in migrations if m.name not in applied]
        if unknown:
            raise SchemaTooNewError(f"{path} was written by a newer version of faceapp", path)
        if missing:
            raise StorageError(f"{path} was written by an older version of faceapp and needs an upgrade, "
                               "which a read-only database cannot take; open a writable copy", path)
        db = sqlite_utils.Database(conn, execute_plugins=False)
    register_database(path)  # read-only too: no reader in this process opens it as a photo or list
    log.debug("opened database %s read-only (%s)", path, query)
    return db


def open_db(path: str | Path, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
            migrations: tuple[Migration, ...] = MIGRATIONS) -> sqlite_utils.Database:
    """Open (creating folder and file if needed) and migrate the database.

    The connection is in autocommit mode (isolation_level=None) so that the Repository
    controls every transaction with explicit BEGIN IMMEDIATE/COMMIT; it may be used from
    several threads (check_same_thread=False) because the Repository serialises access.
    WAL lets the reports page read while the camera loop writes; foreign keys enforce
    the template cascade and the attendance SET NULL on employee deletion.
    """
    path = Path(path)
    if busy_timeout_ms < 0:
        raise ValueError("busy_timeout_ms must be >= 0")
    refuse_folder(path)
    try:
        _make_private_folder(path.parent)
        _make_private_files(path)
    except OSError as exc:
        raise StorageError(f"cannot create the attendance database {path} or its folder: {exc}. "
                           "Check the permissions or set FACEAPP_DB to a writable location.", path) from exc
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=busy_timeout_ms / 1000)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the attendance database {path}: {exc}. Check that the "
                           "folder is writable or set FACEAPP_DB to another file.", path) from exc
    with _closed_on_failure(conn, path, "opening the database", busy_timeout_ms):
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        # Deleted templates and names are overwritten with zeros, not left in free pages
        # (the default of some SQLite builds only): erasure must really erase.
        conn.execute("PRAGMA secure_delete = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("database %s: WAL journal not available (got %s); readers may wait for writers",
                        path, mode)
        migrate(conn, path, migrations)
        _make_private_files(path)  # side files an older version left readable
        db = sqlite_utils.Database(conn, execute_plugins=False)
    register_database(path)  # from now on no photo, video or list reader in this process opens it
    log.debug("opened database %s (busy timeout %d ms)", path, busy_timeout_ms)
    return db
