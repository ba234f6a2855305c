"""When to back up, where to, and what the last backup was: the schedule over storage.backup.

The window asks `due()` once a minute and runs `run()` on a worker thread; `faceapp backup`
runs it at once. The state shown ("last backup 02:00, 7 kept") is read from the backup folder
itself, so it is true whoever made the copies (the window, the CLI, a cron job).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from ..settings import BackupSettings
from ..storage.known_db import KnownDatabases
from ..storage.backup import (BackupCopy, BackupError, CopyCheck, RestoreResult, backup_database, database_in_use,
                              list_backups, restore_database, verify_copy)

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)  # a failed scheduled backup is tried again after this
DEFAULT_FOLDER = "backups"  # next to the database when backup_folder is empty

__all__ = ["BackupCopy", "BackupError", "BackupOutcome", "BackupService", "BackupSummary", "database_in_use",
           "restorable_backup", "restore_backup", "restore_database", "verify_copy"]


@dataclass(frozen=True)
class BackupSummary:
    """The backup folder as the status bar shows it (ui.backup_status.BackupStatus is the label)."""

    folder: Path
    last: datetime | None  # the newest backup's time (local)
    kept: int  # backups in the folder
    error: str = ""  # the last scheduled backup's failure, until one succeeds


@dataclass(frozen=True)
class BackupOutcome:
    copy: BackupCopy
    check: CopyCheck
    removed: list[Path]
    kept: int


class BackupService:
    def __init__(self, db_path: str | Path, settings: Callable[[], BackupSettings],
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.db_path = Path(db_path)
        self.settings = settings  # read at each use: Settings may change while the app runs
        self.clock = clock
        self.error = ""
        self.failed_at: datetime | None = None

    def folder(self) -> Path:
        configured = self.settings().folder.strip()
        if configured:
            return Path(configured).expanduser()
        return self.db_path.parent / DEFAULT_FOLDER

    def latest(self, folder: Path | None = None) -> BackupCopy | None:
        found = list_backups(folder or self.folder(), self.db_path)
        return found[0] if found else None

    def status(self) -> BackupSummary:
        folder = self.folder()
        found = list_backups(folder, self.db_path)
        return BackupSummary(folder, found[0].taken if found else None, len(found), self.error)

    def due(self, now: datetime | None = None) -> bool:
        """Whether the schedule wants a backup now: enabled, and the newest copy is older than
        today's backup time (or than `every_hours`); a missed time is caught up at once. After
        a failure, not again before RETRY_AFTER."""
        s = self.settings()
        if not s.enabled:
            return False
        now = now or self.clock()
        if self.failed_at is not None and now - self.failed_at < RETRY_AFTER:
            return False
        last = self.latest()
        if last is None:
            return True
        if s.every_hours > 0:
            return now - last.taken >= timedelta(hours=s.every_hours)
        hh, mm = (int(p) for p in s.at.split(":"))
        slot = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if now < slot:
            slot -= timedelta(days=1)
        return last.taken < slot

    def run(self, folder: str | Path | None = None, scheduled: bool = False,
            log_failure: bool = True) -> BackupOutcome:
        """Back up now into `folder` (default: the configured one), verify, rotate. A failure
        is logged as an error (unless the caller reports it itself: the CLI's one `error:`
        line) and kept in `error` for the status bar, then raised."""
        target = Path(folder).expanduser() if folder else self.folder()
        keep = self.settings().keep
        try:
            copy, check, removed = backup_database(self.db_path, target, keep, now=self.clock())
        except BackupError as exc:
            self.error, self.failed_at = str(exc), self.clock()
            if log_failure or scheduled:
                log.error("BACKUP FAILED%s: %s", " (scheduled)" if scheduled else "", exc)
            raise
        self.error, self.failed_at = "", None
        KnownDatabases.default().note_backup_folder(self.db_path, target)
        return BackupOutcome(copy, check, removed, len(list_backups(target, self.db_path)))


def restore_backup(backup: str | Path, db_path: str | Path) -> RestoreResult:
    """storage.backup.restore_database, then the restored file is remembered as this path's
    database (the next start does not take it for a replaced file)."""
    result = restore_database(backup, db_path)
    KnownDatabases.default().remember(db_path, employees=dict(result.check.counts).get("employees"))
    return result


def note_ui_language(db_path: str | Path, language: str) -> None:
    """Remember the window's language outside the database, for the start-up offer of a backup
    when the database (which holds the preference) is missing or damaged."""
    KnownDatabases.default().note_language(db_path, language)


def ui_language_of(db_path: str | Path) -> str | None:
    """The window's language last used with `db_path` (None: never recorded)."""
    return KnownDatabases.default().language(db_path)


def restorable_backup(db_path: str | Path) -> BackupCopy | None:
    """The newest backup of `db_path` that verifies, for the start-up offer when the database is
    missing or damaged: looked for where its last backup went (remembered outside the
    database, which holds the backup_folder setting) and in the default folder beside it."""
    db_path = Path(db_path)
    folders = [f for f in (KnownDatabases.default().backup_folder(db_path), db_path.parent / DEFAULT_FOLDER) if f]
    found: list[BackupCopy] = []
    for folder in dict.fromkeys(Path(f).absolute() for f in folders):
        for copy in list_backups(folder, db_path):
            check = verify_copy(copy.path)
            if check.ok:
                found.append(copy)
                break
            log.warning("backup %s does not verify (%s): not offered", copy.path, check.problem)
    return max(found, key=lambda b: (b.taken, b.serial), default=None)
