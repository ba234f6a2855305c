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


# -- ChangeWatch: what other processes commit (issue 18, major 2) ---------------------------------

def _in_other_process(db_path: Path, code: str) -> None:
    """`code` with `repo` open on the database, in a second Python process."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    script = ("import numpy as np\nfrom datetime import datetime, timezone\n"
              "from faceapp.shared.records import AttendanceEvent\n"
              "from faceapp.storage.db import open_db\nfrom faceapp.storage.repository import Repository\n"
              f"repo = Repository(open_db({str(db_path)!r}))\n{code}\nrepo.close()\n")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(root)})


def test_change_watch_names_what_another_process_changed(repo: Repository, db_path: Path) -> None:
    from faceapp.storage.watch import ChangeWatch

    emp, _ = enrol(repo)
    watch = ChangeWatch(repo)
    seen = []
    watch.subscribe(seen.append)
    assert watch.poll() is None  # nothing happened
    _event(repo, emp.id)
    repo.set_active(emp.id, False)
    assert watch.poll() is None  # this connection's own commits: the process knows them already
    _in_other_process(db_path, f"repo.erase_person({emp.id}, actor='cli')")
    assert "people" in watch.poll().topics  # (our own booking above may be named with it: harmless)
    _in_other_process(db_path, "repo.set_setting('recognition', {'cooldown_s': 0})")
    assert watch.poll().topics == {"settings"}
    _in_other_process(db_path, f"repo.add_attendance(AttendanceEvent({emp.id}, datetime.now(timezone.utc), 'in'))")
    assert watch.poll().topics == {"attendance"}
    _in_other_process(db_path, "repo.audit('cli', 'access.group.update', {'name': 'Night'})")
    assert watch.poll().topics == {"audit"}  # any admin action: the audit page shows it
    assert [c.topics for c in seen][1:] == [{"settings"}, {"attendance"}, {"audit"}]
    assert watch.poll() is None


def test_change_watch_thread_reports_within_a_second_and_stops(repo: Repository, db_path: Path) -> None:
    import threading
    import time

    from faceapp.storage.watch import ChangeWatch

    got = threading.Event()

    class Subscriber:  # held weakly by the watch, like a recognition service
        def on_change(self, changes) -> None:  # noqa: ANN001
            got.set()

    sub = Subscriber()
    watch = ChangeWatch(repo, interval_s=0.2)
    watch.subscribe(sub.on_change)
    watch.start()
    try:
        _in_other_process(db_path, "repo.set_setting('recognition', {'cooldown_s': 5})")
        t = time.monotonic()
        assert got.wait(2.0) and time.monotonic() - t < 1.0
        del sub  # a stopped pipeline's service drops out by itself
        _in_other_process(db_path, "repo.set_setting('recognition', {'cooldown_s': 6})")
        time.sleep(0.6)
        assert watch._listeners == []
    finally:
        watch.stop()
    assert not watch._thread.is_alive()
