"""`faceapp backup [--to DIR]` and `faceapp restore FILE` (issue 21): online copies through
SQLite's backup API while another process writes, verification, rotation, and a restore that
refuses damaged or newer files and a database open in another process, with its exit code."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from child_process import faceapp_child, reaped, signal_and_wait, wait_until
from faceapp.cli import EXIT_CHECK, EXIT_INPUT, main
from faceapp.cli.common import EXIT_DATABASE_IN_USE, EXIT_SCHEMA_NEWER
from faceapp.storage.backup import list_backups, verify_copy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def run(tmp_path, capsys):
    db = tmp_path / "site" / "faceapp.db"

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        return code, out, err

    _run.db = db
    assert _run("employees", "list")[0] == 0  # the database exists
    return _run


def count(db: Path, table: str = "audit_log") -> int:
    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_backup_is_verified_and_rotated_to_keep(run, tmp_path):
    assert run("settings", "set", "backup_keep", "2")[0] == 0
    made = []
    for _ in range(3):
        code, out, err = run("backup", "--to", str(tmp_path / "bk"))
        assert code == 0, err
        made.append(out.split(" to ")[1].split(" (")[0])
    kept = list_backups(tmp_path / "bk")
    assert [str(b.path) for b in kept] == made[:0:-1]  # the two newest, newest first
    assert "integrity ok" in out and "2 backup(s) kept" in out and "1 older removed" in out
    assert all(verify_copy(b.path).ok for b in kept)
    assert not list(Path(tmp_path / "bk").glob("*-wal")) and not list(Path(tmp_path / "bk").glob(".*"))


def test_default_folder_is_backups_next_to_the_database(run):
    code, out, _ = run("backup")
    assert code == 0
    assert len(list_backups(run.db.parent / "backups")) == 1


def test_backup_into_a_file_fails_with_one_line(run, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    code, out, err = run("backup", "--to", str(blocker))
    assert code == EXIT_CHECK
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


WRITER = """
import os, sys
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository
repo = Repository(open_db(sys.argv[1]))
print("ready", flush=True)
stop = sys.argv[2]  # writes go on until the test creates this file (a loaded machine may be slow)
while not os.path.exists(stop):
    repo.audit("test", "test.write", {"n": 1})
"""


def test_backup_taken_while_another_process_writes_is_consistent(run, tmp_path):
    stop = tmp_path / "stop-writing"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(run.db), str(stop)], stdout=subprocess.PIPE, text=True,
                              env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        before = count(run.db)
        code, out, err = run("backup", "--to", str(tmp_path / "bk"))
        after = count(run.db)
        time.sleep(0.3)
    finally:
        stop.touch()
        writer.wait(20)
    assert code == 0, err
    copy = list_backups(tmp_path / "bk")[0].path
    check = verify_copy(copy)
    assert check.ok
    in_copy = dict(check.counts)["audit_log"]
    assert before <= in_copy <= after and after > before  # a snapshot taken mid-write
    assert count(run.db) > in_copy  # writes went on


def test_restore_round_trip_keeps_the_current_file_aside(run, tmp_path):
    run("backup", "--to", str(tmp_path / "bk"))
    copy = list_backups(tmp_path / "bk")[0].path
    backed = count(copy)
    run("settings", "set", "cooldown_s", "30")  # one more audit row after the backup
    assert count(run.db) == backed + 1
    code, out, err = run("restore", str(copy))
    assert code == 0, err
    assert count(run.db) == backed and verify_copy(run.db).ok
    aside = [p for p in run.db.parent.glob("faceapp.db.before-restore-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and count(aside[0]) == backed + 1  # nothing lost: the replaced file is kept
    assert "kept as" in out
    assert run("employees", "list")[0] == 0  # the app opens the restored file (no "not the file" refusal)


def _unchanged(run) -> bytes:
    return run.db.read_bytes()


@pytest.mark.parametrize("content", [None, b"not a database at all\n", "truncated"])
def test_restore_refuses_a_missing_or_damaged_file(run, tmp_path, content):
    bad = tmp_path / "bad.db"
    if content == "truncated":
        run("backup", "--to", str(tmp_path / "bk"))
        data = list_backups(tmp_path / "bk")[0].path.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif content is not None:
        bad.write_bytes(content)
    before = _unchanged(run)
    code, out, err = run("restore", str(bad))
    assert code == EXIT_INPUT, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1
    assert _unchanged(run) == before and not list(run.db.parent.glob("*before-restore*"))


def test_restore_refuses_a_newer_schema(run, tmp_path):
    run("backup", "--to", str(tmp_path / "bk"))
    newer = list_backups(tmp_path / "bk")[0].path
    con = sqlite3.connect(newer)
    con.execute("INSERT INTO migrations (name, applied_at) VALUES ('9999_from_the_future', 'x')")
    con.commit()
    con.close()
    code, out, err = run("restore", str(newer))
    assert code == EXIT_SCHEMA_NEWER
    assert "newer" in err and err.count("\n") == 1
    assert not list(run.db.parent.glob("*before-restore*"))


HOLDER = """
import sys, time
from faceapp.storage.db import open_db
db = open_db(sys.argv[1])
db.execute("SELECT count(*) FROM employees").fetchall()
print("open", flush=True)
time.sleep(30)
"""


def test_restore_refuses_while_another_process_has_the_database_open(run, tmp_path):
    run("backup", "--to", str(tmp_path / "bk"))
    copy = list_backups(tmp_path / "bk")[0].path
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(run.db)], stdout=subprocess.PIPE, text=True,
                              env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "open"  # idle, like a window between bookings
        before = _unchanged(run)
        code, out, err = run("restore", str(copy))
    finally:
        holder.kill()
        holder.wait(10)
    assert code == EXIT_DATABASE_IN_USE
    assert "open in another program" in err and err.count("\n") == 1
    assert _unchanged(run) == before and not list(run.db.parent.glob("*before-restore*"))
    assert run("restore", str(copy))[0] == 0  # once it is closed


def test_restore_of_a_folder_or_a_device_says_what_it_is(run, tmp_path):
    code, out, err = run("restore", str(tmp_path))
    assert code == EXIT_INPUT and "is a folder" in err and "no such file" not in err
    code, out, err = run("restore", "/dev/null")
    assert code == EXIT_INPUT and "not a regular file" in err and "no such file" not in err


def test_restore_of_a_file_with_damaged_pages_is_refused_in_one_line(run, tmp_path):
    import random
    run("backup", "--to", str(tmp_path / "bk"))
    data = bytearray(list_backups(tmp_path / "bk")[0].path.read_bytes())
    page = 4096
    assert len(data) >= 16 * page
    data[10 * page:15 * page] = random.Random(21).randbytes(5 * page)  # header intact, b-tree pages garbage
    bad = tmp_path / "damaged.db"
    bad.write_bytes(bytes(data))
    code, out, err = run("restore", str(bad))
    assert code == EXIT_INPUT, err
    assert err.startswith("error: ") and err.count("\n") == 1, err  # integrity_check's rows hold newlines


def test_backup_failure_is_one_line_on_stderr_of_the_real_command(run, tmp_path):
    """In a real process the console log handler is live: the failure is not also logged there."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT), "FACEAPP_STATE_DIR": str(tmp_path / "state")}
    proc = subprocess.run([sys.executable, "-m", "faceapp", "--db", str(run.db), "backup", "--to", str(blocker)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == EXIT_CHECK
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr


def _pad(db: Path, mib: int) -> None:
    """Make the database big enough that copying it takes a moment (a stop can land mid-copy)."""
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE IF NOT EXISTS zz_pad (b BLOB)")
    con.executemany("INSERT INTO zz_pad VALUES (?)", ((random.Random(n).randbytes(1 << 20),) for n in range(mib)))
    con.commit()
    con.close()


def _interrupt_mid_copy(argv: list[str], folder: Path, pattern: str, tmp_path: Path) -> int:
    """Run the real command; Ctrl+C (SIGINT) as soon as its temporary copy (`pattern` in
    `folder`) exists. Its exit code; never a traceback."""
    with reaped(faceapp_child(*argv, env={"FACEAPP_STATE_DIR": str(tmp_path / "state")})) as proc:
        assert wait_until(proc, lambda: list(folder.glob(pattern)), poll_s=0.002), "the command never started its copy"
        err = signal_and_wait(proc, signal.SIGINT).err
    assert "Traceback" not in err, err
    return proc.returncode


def test_ctrl_c_during_backup_leaves_no_partial_copy(run, tmp_path):
    _pad(run.db, 64)
    folder = tmp_path / "bk"
    folder.mkdir()
    code = _interrupt_mid_copy(["--db", str(run.db), "backup", "--to", str(folder)], folder, ".*.part", tmp_path)
    if code == 130:  # stopped mid-copy: nothing half-written stays in the backup folder
        assert list(folder.iterdir()) == []
    else:  # it finished first on a fast machine: then the copy is complete and verified
        assert code == 0 and all(verify_copy(b.path).ok for b in list_backups(folder))


def test_ctrl_c_during_restore_leaves_the_database_in_place(run, tmp_path):
    _pad(run.db, 64)
    assert run("backup", "--to", str(tmp_path / "bk"))[0] == 0
    copy = list_backups(tmp_path / "bk")[0].path
    before = run.db.read_bytes()
    code = _interrupt_mid_copy(["--db", str(run.db), "restore", str(copy)], run.db.parent, ".*.restoring", tmp_path)
    left = sorted(p.name for p in run.db.parent.iterdir() if p.name != "backups")
    assert code in (0, 130) and not [n for n in left if n.endswith(".restoring")], left
    if left == ["faceapp.db"]:  # stopped mid-copy: the database from before is in place
        assert code == 130 and run.db.read_bytes() == before
    else:  # the stop came after the last rename: restored, the old file kept aside
        aside = [p for p in run.db.parent.glob("faceapp.db.before-restore-*")]
        assert len(aside) == 1 and aside[0].read_bytes() == before and verify_copy(run.db).ok


def test_a_restore_that_fails_between_its_renames_puts_the_database_back(run, tmp_path, monkeypatch):
    from faceapp.storage import backup as backup_module
    from faceapp.storage.errors import StorageError
    assert run("backup", "--to", str(tmp_path / "bk"))[0] == 0
    copy = list_backups(tmp_path / "bk")[0].path
    before = run.db.read_bytes()
    real_replace = os.replace

    def replace(src, dst):  # the database was moved aside; putting the restored copy in place fails
        if str(src).endswith(".restoring"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(backup_module.os, "replace", replace)
    with pytest.raises(StorageError, match="nothing was changed"):
        backup_module.restore_database(copy, run.db)
    assert run.db.read_bytes() == before
    assert sorted(p.name for p in run.db.parent.iterdir() if p.name != "backups") == ["faceapp.db"]


def test_ctrl_c_while_the_command_line_is_being_built_is_exit_130(monkeypatch, capsys):
    """Ctrl+C in the first second (the modules are still loading) ends like any other Ctrl+C."""
    import faceapp.cli as cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    try:
        code = cli.main(["backup"])
    except KeyboardInterrupt:
        pytest.fail("Ctrl+C came out of main() (a traceback on the console)")
    assert code == 130
    assert "Traceback" not in capsys.readouterr().err


def test_restore_onto_a_folder_given_as_the_database_moves_nothing(run, tmp_path):
    """`--db DIR` by mistake: the folder (and the backups in it) must not be moved aside and replaced by a file."""
    assert run("backup", "--to", str(tmp_path / "bk"))[0] == 0
    copy = list_backups(tmp_path / "bk")[0].path
    folder = tmp_path / "site"
    code = main(["--db", str(folder), "restore", str(copy)])
    assert code == EXIT_CHECK
    assert folder.is_dir() and (folder / "faceapp.db").is_file()
    assert not list(tmp_path.glob("site.before-restore-*"))
