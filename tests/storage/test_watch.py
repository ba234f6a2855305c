"""DatabaseWatch: the database file deleted, replaced, or its -wal unlinked under a running
app is noticed (issue 13 item 6); normal use, checkpoints and other connections are not."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from storage_helpers import enrol

from faceapp.shared.records import AttendanceEvent
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
from faceapp.storage.watch import DatabaseWatch


def _event(repo: Repository, emp_id: int) -> None:
    repo.add_attendance(AttendanceEvent(emp_id, datetime.now(timezone.utc), "in", "test"))


def test_normal_use_is_not_a_problem(repo: Repository, db_path: Path) -> None:
    watch = DatabaseWatch.of(repo)
    emp, _ = enrol(repo)
    _event(repo, emp.id)
    other = sqlite3.connect(db_path)  # the CLI or a second window opens and closes it
    other.execute("SELECT count(*) FROM attendance").fetchone()
    other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other.close()
    _event(repo, emp.id)
    assert watch.check() is None


def test_a_deleted_database_file_is_noticed(repo: Repository, db_path: Path) -> None:
    watch = DatabaseWatch.of(repo)
    emp, _ = enrol(repo)
    for f in db_path.parent.glob(db_path.name + "*"):
        f.unlink()
    _event(repo, emp.id)  # SQLite goes on writing to the unlinked file: "recorded", and lost
    problem = watch.check()
    assert problem is not None and problem.kind == "deleted" and problem.path == str(db_path)
    assert "deleted" in problem.message and str(db_path) in problem.message


def test_a_replaced_database_file_is_noticed(repo: Repository, db_path: Path, tmp_path: Path) -> None:
    watch = DatabaseWatch.of(repo)
    spare = tmp_path / "spare.db"
    Repository(open_db(spare)).close()
    os.replace(spare, db_path)  # e.g. a backup restored over the file of a running app
    problem = watch.check()
    assert problem is not None and problem.kind == "replaced"


def test_an_unlinked_wal_is_noticed(repo: Repository, db_path: Path) -> None:
    """The silent data loss of blocker 1: another process that believed it was the last
    connection deleted the -wal under the running app."""
    watch = DatabaseWatch.of(repo)
    emp, _ = enrol(repo)
    wal = Path(str(db_path) + "-wal")
    assert wal.exists()
    wal.unlink()
    problem = watch.check()
    assert problem is not None and problem.kind == "wal-missing" and "-wal" in problem.message
    shutil.copy(db_path, str(db_path) + "-wal")  # a new file under the old name is no better
    assert watch.check().kind == "wal-replaced"


def test_the_open_database_can_be_saved_to_a_new_file(repo: Repository, db_path: Path, tmp_path: Path) -> None:
    """The rescue: what the running app still holds is copied out through its own connection."""
    emp, _ = enrol(repo)
    for f in db_path.parent.glob(db_path.name + "*"):
        f.unlink()
    _event(repo, emp.id)
    copy = tmp_path / "rescued.db"
    repo.save_copy(copy)
    check = sqlite3.connect(copy)
    assert check.execute("SELECT count(*) FROM attendance").fetchone()[0] == 1
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
