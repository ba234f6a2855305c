"""Opening the attendance database: location, connection pragmas and migrations."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import sqlite_utils
from platformdirs import user_data_dir

from .errors import StorageError, translate
from .migrations import MIGRATIONS, Migration, migrate

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT_MS = 5000  # a writer waits this long for another writer before DatabaseLockedError


def default_db_path() -> Path:
    """FACEAPP_DB if set, else faceapp.db in the user's data folder (per-OS via platformdirs)."""
    env = os.environ.get("FACEAPP_DB")
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("faceapp", appauthor=False)) / "faceapp.db"


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder for the attendance database {path}: {exc}. "
                           "Check the permissions or set FACEAPP_DB to a writable location.", path) from exc
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=busy_timeout_ms / 1000)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the attendance database {path}: {exc}. Check that the "
                           "folder is writable or set FACEAPP_DB to another file.", path) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("database %s: WAL journal not available (got %s); readers may wait for writers",
                        path, mode)
        migrate(conn, path, migrations)
        db = sqlite_utils.Database(conn, execute_plugins=False)
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path, "opening the database", busy_timeout_ms) from exc
    except BaseException:
        conn.close()
        raise
    log.debug("opened database %s (busy timeout %d ms)", path, busy_timeout_ms)
    return db
