"""Notice the database file going away under the running app.

SQLite keeps writing to an open file after it was deleted or replaced (POSIX unlink keeps the
inode alive): the app goes on saying "checked in" and everything is lost at exit. The same
happens when the -wal side file is unlinked while the connection is open in WAL mode; that is
exactly how blocker 1 lost data (a process that had dropped SQLite's POSIX locks let another
one believe it was the last connection, and that one deleted the -wal). So DatabaseWatch
remembers the identity (st_dev, st_ino) of the database and of its -wal when the app opens
them, and check(), run periodically off the GUI thread, reports when either is gone or is
another file now.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

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
