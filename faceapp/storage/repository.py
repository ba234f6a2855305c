"""The Repository: every SQL statement of the app, behind methods that take and return
plain records (faceapp.shared.records). One Repository wraps one open_db() Database.
This module holds the connection, the transactions and the file-level methods; each group
of tables has its own mixin (employees_repo, attendance_repo, settings_repo, audit_repo,
access_repo, crops_repo, unknown_repo, pin_repo, timekeeping_repo, attendance_writes).

Transactions: every write method is one BEGIN IMMEDIATE ... COMMIT, so a crash, a full
disk or a lock timeout leaves either all of it or none of it. Access is serialised by a
lock, so the camera thread and the UI thread may share one Repository.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import sqlite_utils

from ..shared.database_files import is_database_file
from .access_repo import AccessRepositoryMixin
from .attendance_repo import AttendanceRepositoryMixin
from .attendance_writes import AttendanceWriteMixin
from .audit_repo import AuditRepositoryMixin
from .convert import ts_to_db
from .crops_repo import CropRepositoryMixin
from .employees_repo import EmployeeRepositoryMixin
from .errors import CorruptRowError, DatabaseFileError, StorageError, translate
from .pin_repo import PinRepositoryMixin
from .settings_repo import SettingsRepositoryMixin
from .timekeeping_repo import TimekeepingRepositoryMixin
from .unknown_repo import UnknownRepositoryMixin

if TYPE_CHECKING:
    from .watch import ChangeMarks

log = logging.getLogger(__name__)


class Repository(EmployeeRepositoryMixin, AttendanceRepositoryMixin, SettingsRepositoryMixin, AccessRepositoryMixin,
                 AuditRepositoryMixin, CropRepositoryMixin, PinRepositoryMixin, AttendanceWriteMixin,
                 TimekeepingRepositoryMixin, UnknownRepositoryMixin):
    """The only place with SQL. Methods raise StorageError subclasses, never sqlite3 errors."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        if db.conn.isolation_level is not None:
            raise ValueError("Repository needs a connection from storage.db.open_db() (autocommit mode)")
        self.db = db
        self._conn: sqlite3.Connection = db.conn
        self._lock = threading.RLock()
        main = [r for r in self._conn.execute("PRAGMA database_list") if r[1] == "main"]
        self.path: str = (main[0][2] if main else "") or ":memory:"
        self.busy_timeout_ms: int = int(self._conn.execute("PRAGMA busy_timeout").fetchone()[0])
        # Damaged templates skipped by the last load_templates() call (see there).
        self.template_problems: list[CorruptRowError] = []
        # Test hook: called inside the enrol transaction right after the employee row is
        # written (tests kill the process there to prove enrolment is all-or-nothing).
        self._after_employee_insert: Callable[[int], None] | None = None
        # A joined site kiosk's gate (storage.site_local.gate): runs inside every write
        # transaction just before COMMIT; raising rolls the whole transaction back.
        self.before_commit: Callable[[sqlite3.Connection], None] | None = None
        # Write transactions committed by this connection (site_local.retry_when_behind: a
        # call is retried only when nothing of it was committed yet).
        self.commits = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def site_state(self) -> dict[str, str]:
        """The site this database is a kiosk of (storage.site_local; empty: not joined)."""
        from .site_local import joined_state

        with self._read("reading the site state") as c:
            return joined_state(c)

    def journal_mode(self) -> str:
        with self._read("reading the journal mode") as c:
            return str(c.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def data_version(self) -> int:
        """SQLite's PRAGMA data_version of this connection: it moves when another connection
        (another process) commits, never for this one's own commits."""
        with self._read("checking the database for changes") as c:
            return int(c.execute("PRAGMA data_version").fetchone()[0])

    def change_marks(self) -> "ChangeMarks":
        """What storage.watch.ChangeWatch compares to tell which kind of data another process
        changed. People: counts, id sums and the last update of employees and templates, and
        the newest audited employee/privacy action (every such change is audited, so even an
        edit stamped with a clock that went back shows). Attendance: the newest rows. Audit: the
        newest audit row (any admin action, for the audit page)."""
        from .watch import ChangeMarks

        with self._read("checking the database for changes") as c:
            version = int(c.execute("PRAGMA data_version").fetchone()[0])
            people = (tuple(c.execute("SELECT count(*), total(id), max(updated_at), sum(active) FROM employees")
                            .fetchone())
                      + tuple(c.execute("SELECT count(*), max(id) FROM templates").fetchone())
                      + tuple(c.execute("SELECT id FROM audit_log WHERE action LIKE 'employee.%' "
                                        "OR action LIKE 'privacy.%' ORDER BY id DESC LIMIT 1").fetchall()))
            settings = tuple(c.execute("SELECT key, value FROM settings ORDER BY key").fetchall())
            attendance = (c.execute("SELECT max(id) FROM attendance").fetchone()[0],
                          c.execute("SELECT max(id) FROM access_log").fetchone()[0])
            audit = (c.execute("SELECT max(id) FROM audit_log").fetchone()[0],)
        return ChangeMarks(version, people, settings, attendance, audit)

    def save_copy(self, target: str | Path) -> Path:
        """Write what this connection holds to a new database file (SQLite's backup API,
        through a temporary file and a rename): the rescue when the open file was deleted
        or replaced under the app. An existing database file of this app is never overwritten."""
        target = Path(target)
        if target.exists() and self.is_own_file(target):
            raise DatabaseFileError(f"{target} is a database file in use; choose a new file name", self.path)
        tmp = target.with_name(f".{target.name}.saving")
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                with self._lock:
                    self._conn.backup(dst)
            finally:
                dst.close()
            os.replace(tmp, target)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            raise translate(exc, target, "saving a copy of the database") from exc
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot write {target}: {exc.strerror or exc}; nothing was written", target) from exc
        log.warning("saved a copy of the open database %s to %s", self.path, target)
        return target

    def is_own_file(self, path: str | Path) -> bool:
        """Whether `path` is this database or one of its side files (which nothing but SQLite
        may open: see shared.database_files)."""
        return self.path != ":memory:" and is_database_file(path, self.path)

    def refuse_own_file(self, path: str | Path, use: str) -> None:
        """DatabaseFileError when `path` (to be used as `use`, e.g. "a photo") is this database."""
        if self.is_own_file(path):
            raise DatabaseFileError(f"{path} is the attendance database (or one of its files), not {use}; "
                                    "choose another file", self.path)

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One write transaction; sqlite3 errors become StorageError after a rollback."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")  # take the write lock now, not mid-way
            except sqlite3.Error as exc:
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc
            try:
                yield self._conn
                if self.before_commit is not None:
                    self.before_commit(self._conn)
                self._conn.execute("COMMIT")
                self.commits += 1
            except sqlite3.Error as exc:
                self._rollback()
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:  # SQLite already rolls back by itself on some errors
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                log.exception("rollback failed on %s", self.path)

    @contextmanager
    def _read(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise translate(exc, self.path, doing, self.busy_timeout_ms) from exc

    @staticmethod
    def _now() -> str:
        return ts_to_db(datetime.now(timezone.utc))
