"""Notice the database file going away under the running app, and what other processes change in it.

SQLite keeps writing to an open file after it was deleted or replaced (POSIX unlink keeps the
inode alive): the app goes on saying "checked in" and everything is lost at exit. The same
happens when the -wal side file is unlinked while the connection is open in WAL mode; that is
exactly how blocker 1 lost data (a process that had dropped SQLite's POSIX locks let another
one believe it was the last connection, and that one deleted the -wal). So DatabaseWatch
remembers the identity (st_dev, st_ino) of the database and of its -wal when the app opens
them, and check(), run periodically off the GUI thread, reports when either is gone or is
another file now.

ChangeWatch (below) notices what other processes commit: a person erased or deactivated
with `faceapp employees ...`, someone enrolled, `faceapp settings set`, another kiosk's
bookings; running recognisers and the window subscribe to it and reload.
"""

from __future__ import annotations

import atexit
import inspect
import logging
import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

if TYPE_CHECKING:
    from .repository import Repository

log = logging.getLogger(__name__)

ProblemKind = Literal["deleted", "replaced", "wal-missing", "wal-replaced"]


@dataclass(frozen=True)
class FileIdentity:
    dev: int
    ino: int

    @classmethod
    def of(cls, path: str | Path) -> "FileIdentity | None":
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_dev, st.st_ino)


@dataclass(frozen=True)
class DatabaseProblem:
    kind: ProblemKind
    path: str  # the database file
    message: str  # for the log and the CLI; the window words its own from `kind`


class DatabaseWatch:
    """The identity of the database (and of its -wal in WAL mode) as the app opened them."""

    def __init__(self, path: str | Path, wal: bool) -> None:
        self.path = Path(path)
        self.wal_path = self.path.with_name(self.path.name + "-wal")
        self.identity = FileIdentity.of(self.path)
        self.wal_identity = FileIdentity.of(self.wal_path) if wal else None
        self.wal = wal

    @classmethod
    def of(cls, repo: "Repository") -> "DatabaseWatch":
        return cls(repo.path, repo.journal_mode() == "wal")

    def check(self) -> DatabaseProblem | None:
        """None while the files are the ones opened; else what happened to them."""
        if self.identity is None:  # :memory: or a file that could not be stat'ed at open
            return None
        now = FileIdentity.of(self.path)
        if now is None:
            return DatabaseProblem("deleted", str(self.path), (
                f"the attendance database {self.path} was deleted while faceapp is running; what is "
                "recorded now is lost when faceapp closes. Save a copy of the open database, then restart"))
        if now != self.identity:
            return DatabaseProblem("replaced", str(self.path), (
                f"the attendance database {self.path} was replaced by another file while faceapp is "
                "running; faceapp still writes to the old one, which is lost when it closes. Save a copy "
                "of the open database, then restart"))
        if self.wal:
            wal_now = FileIdentity.of(self.wal_path)
            if self.wal_identity is None:  # not there at open: the first one seen is ours
                self.wal_identity = wal_now
            elif wal_now is None:
                return DatabaseProblem("wal-missing", str(self.path), (
                    f"the write-ahead log {self.wal_path} of the running database was deleted (another "
                    "program closed the database believing it was the last user: its file locks were "
                    "dropped); changes since are lost when faceapp closes. Save a copy of the open "
                    "database, then restart"))
            elif wal_now != self.wal_identity:
                return DatabaseProblem("wal-replaced", str(self.path), (
                    f"the write-ahead log {self.wal_path} of the running database was deleted and made "
                    "again by another program; faceapp's changes since are lost when it closes. Save a "
                    "copy of the open database, then restart"))
        return None


# -- changes committed by other processes ------------------------------------------------------

@dataclass(frozen=True)
class ChangeMarks:
    """A cheap fingerprint of what other processes may change under a running app.

    `data_version` (PRAGMA data_version) moves whenever another connection commits, and
    only then; the rest tells which kind of data it was, so a booking by another kiosk
    does not reload a gallery of thousands of templates."""

    data_version: int
    people: tuple  # employees and templates: count, ids, last update; audited employee/privacy actions
    settings: tuple  # every settings row as stored
    attendance: tuple  # newest attendance and access-log rows
    audit: tuple = ()  # newest audit-log row (the audit page shows every action, also those of other kinds)


@dataclass(frozen=True)
class DatabaseChanges:
    """What another process changed since the last look: the topics, and the marks now."""

    topics: frozenset[str]
    marks: ChangeMarks

    def __contains__(self, topic: str) -> bool:
        return topic in self.topics


Listener = Callable[[DatabaseChanges], None]


class ChangeWatch:
    """Notices changes another process committed (`faceapp employees erase`, `faceapp settings
    set`, another kiosk's booking) and tells its subscribers, in subscription order, on its
    own thread: the running recogniser reloads its gallery, names and settings off the hot
    path, the window refreshes its pages.

    One poll is one `PRAGMA data_version` (a few microseconds); the fingerprint queries run
    only when it moved. Own commits do not move it: the process already knows about them.
    Subscribers are held weakly when they are bound methods, so a stopped pipeline's
    service drops out by itself.
    """

    def __init__(self, repo: "Repository", interval_s: float = 1.0) -> None:
        self.repo = repo
        self.interval_s = float(interval_s)
        self.marks = repo.change_marks()
        self._listeners: list[Callable[[], Listener | None]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- subscribers ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        ref: Callable[[], Listener | None]
        if inspect.ismethod(listener):
            ref = weakref.WeakMethod(listener)
        else:
            ref = (lambda fn=listener: fn)  # noqa: E731 - plain functions and closures: held strongly
        with self._lock:
            self._listeners.append(ref)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners = [r for r in self._listeners if r() is not None and r() != listener]

    # -- polling -------------------------------------------------------------------------

    def poll(self) -> DatabaseChanges | None:
        """Look once; tell the subscribers and return what changed, or None."""
        version = self.repo.data_version()
        if version == self.marks.data_version:
            return None
        marks = self.repo.change_marks()
        old, self.marks = self.marks, marks
        topics = frozenset(t for t in ("people", "settings", "attendance", "audit") if getattr(old, t) != getattr(marks, t))
        if not topics:
            return None
        changes = DatabaseChanges(topics, marks)
        log.log(logging.DEBUG if topics <= {"attendance", "audit"} else logging.INFO,  # bookings: routine
                "database changed by another program: %s", ", ".join(sorted(topics)))
        with self._lock:
            listeners = [r() for r in self._listeners]
            self._listeners = [r for r, fn in zip(self._listeners, listeners) if fn is not None]
        for fn in listeners:
            if fn is None:
                continue
            try:
                fn(changes)
            except Exception:  # noqa: BLE001 - one failing subscriber must not stop the others
                log.exception("reacting to a database change failed")
        return changes

    def start(self) -> "ChangeWatch":
        """Poll every interval_s on a daemon thread until stop()."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="faceapp-db-changes", daemon=True)
            self._thread.start()
        atexit.register(self.stop)  # never inside SQLite while the interpreter shuts down
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - a busy database: try again next time
                if self._stop.is_set() or "closed database" in str(exc):  # the app is closing
                    return
                log.warning("checking the database for changes failed: %s", exc)

    def stop(self, timeout: float = 2.0) -> None:
        atexit.unregister(self.stop)
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
