"""Issue 18 (CLI minors): subcommands with their own options, one-line usage errors, the
export target, read-only databases and one department filter. No models needed."""

from __future__ import annotations

import csv
import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from faceapp.cli import EXIT_CHECK, EXIT_INPUT, EXIT_USAGE, main


def test_employees_actions_are_subcommands_with_their_own_options(tmp_path, capsys):
    """`employees import --consent FILE` was "unrecognized arguments" (one shared parser)."""
    db = str(tmp_path / "e.db")
    assert main(["--db", db, "employees", "import", "--consent", str(tmp_path / "none.csv")]) == EXIT_INPUT
    assert "none.csv: no such file" in capsys.readouterr().err
    for action, own, foreign in [("import", "--consent", "--search"), ("deactivate", "NUMBER", "--consent"),
                                 ("list", "--search", "--consent"), ("erase", "NUMBER", "--allow-similar")]:
        with pytest.raises(SystemExit) as done:
            main(["employees", action, "--help"])
        out = capsys.readouterr().out
        assert done.value.code == 0 and f"usage: faceapp employees {action}" in out
        assert own in out and foreign not in out, out
    # what worked before still works: no action lists, options before the action
    for args in (["employees"], ["employees", "--search", "x"], ["employees", "list", "--search", "x"],
                 ["employees", "--search", "x", "list"]):
        assert main(["--db", db, *args]) == 0, args
    assert main(["--db", db, "employees", "--consent", "import", str(tmp_path / "none.csv")]) == EXIT_INPUT
    assert main(["--db", db, "employees", "import", str(tmp_path / "none.csv")]) == EXIT_USAGE  # no --consent


@pytest.mark.parametrize("args,msg", [
    (["access", "add-group", "G", "--schedule", "[]"], "mapping of weekday"),
    (["access", "add-group", "G", "--schedule", '"x"'], "mapping of weekday"),
    (["access", "add-group", "G", "--schedule", '{"mon": null}'], "a day's windows are a list"),
    (["access", "add-group", "G", "--schedule", '{"mon": 5}'], "a day's windows are a list"),
    (["access", "add-group", "G", "--schedule", '{"mon": [["08:00-10:00"]]}'], "a day's windows are a list"),
    (["access", "add-group", "G", "--schedule", "[" * 100_000 + "]" * 100_000], "nested too deeply"),
    (["access", "add-group", "G", "--schedule", '{"monkey": ["08:00-18:00"]}'], "'monkey' is not a weekday"),
    (["access", "add-group", "G", "--schedule", '{"mon": ["25:00-26:00"]}'], "not a time of day"),  # was exit 1
    (["access", "add-group", "G", "--schedule", "{nope"], "not valid JSON"),
    (["access", "log", "--limit", "99999999999999999999"], "--limit 99999999999999999999: allowed range"),
    (["access", "log", "--limit", "0"], "allowed range is 1..100000"),
    (["export-csv", "--out", "{tmp}/x.csv", "--from", "9999-12-31"], "9999-12-31 is outside the days"),
    (["export-csv", "--out", "{tmp}/x.csv", "--to", "9999-12-31"], "9999-12-31 is outside the days"),
    (["identify", "{tmp}/none.jpg", "--start", "0001-01-01T00:00:00+14:00"], "before 1970, check the year"),
    (["identify", "{tmp}/none.jpg", "--start", "2099-11-23T08:00:00+01:00"], "is in the future"),
])
def test_malformed_values_are_one_line_and_exit_2(tmp_path, capsys, args, msg):
    db = tmp_path / "v.db"
    main(["--db", str(db), "settings", "set", "timezone", "Pacific/Kiritimati"])  # UTC+14: the edge of the range
    capsys.readouterr()
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["--provider", "cpu", "--db", str(db), *args]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1 and "Traceback" not in err, err
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM access_groups").fetchone()[0] == 0
    finally:
        con.close()


def test_strict_weekday_names_and_full_names(tmp_path, capsys):
    db = str(tmp_path / "w.db")
    assert main(["--db", db, "access", "add-group", "Weekend", "--schedule",
                 '{"Saturday": ["08:00-12:00"], "sun": "10:00-11:00"}']) == 0
    assert main(["--db", db, "access", "groups"]) == 0
    assert '{"sat": ["08:00-12:00"], "sun": ["10:00-11:00"]}' in capsys.readouterr().out


def _events_db(tmp_path: Path) -> Path:
    from faceapp.app import build_context
    from faceapp.shared.records import AttendanceEvent

    db = tmp_path / "dept.db"
    ctx = build_context(db)
    emb = np.random.default_rng(3).standard_normal((3, 128)).astype(np.float32)
    for i, dept in enumerate(["Sales", "Presales", "Ops"]):
        emp = ctx.repo.enrol(f"00{i}", f"Person {i}", dept, datetime.now(timezone.utc), emb[i:i + 1], [1.0], "m")
        ctx.repo.add_attendance(AttendanceEvent(emp.id, datetime(2026, 6, 1, 7, i, tzinfo=timezone.utc), "in"))
    ctx.close()
    return db


def test_export_department_is_the_log_pages_rule(tmp_path, capsys):
    """--department was exact and case-sensitive; the log page matches a part in any case."""
    from faceapp.app import build_context
    from faceapp.attendance.rules import AttendanceRules

    db, out = _events_db(tmp_path), tmp_path / "d.csv"
    assert main(["--db", str(db), "export-csv", "--department", "sALes", "--out", str(out)]) == 0
    with open(out, newline="", encoding="utf-8-sig") as fh:
        cli_rows = sorted(r["department"] for r in csv.DictReader(fh))
    ctx = build_context(db)
    try:
        rules = AttendanceRules.from_settings(ctx.settings.attendance)
        page = sorted(e.department for e in ctx.reports().query_events(rules, None, None,
                                                                      department_contains="sALes"))
    finally:
        ctx.close()
    assert cli_rows == page == ["Presales", "Sales"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_export_refuses_a_fifo_instead_of_replacing_it(tmp_path, capsys):
    db, fifo = _events_db(tmp_path), tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert main(["--db", str(db), "export-csv", "--out", str(fifo)]) == EXIT_CHECK
    err = capsys.readouterr().err.strip()
    assert "not a regular file" in err and len(err.splitlines()) == 1, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the pipe, not a regular file
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")] == []  # no temporary left


def _read_only_runner(tmp_path: Path, data: Path):
    """Run the CLI on data/ made truly read-only: a read-only bind mount when we are root
    (permissions do not stop root), else the folder and file without write permission."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    if os.geteuid() != 0:
        for f in data.iterdir():
            f.chmod(0o444)
        data.chmod(0o555)

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", "--db", str(data / "f.db"),
                                   *args], env=env, capture_output=True, text=True, timeout=120)
        return run
    ro = tmp_path / "ro"
    ro.mkdir()
    mount = f"mount --bind {shlex.quote(str(data))} {shlex.quote(str(ro))} && " \
            f"mount -o remount,bind,ro {shlex.quote(str(ro))} && touch {shlex.quote(str(ro))}/probe"
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", mount], capture_output=True, text=True) \
        if shutil.which("unshare") else None
    if probe is None or "Read-only file system" not in probe.stderr:
        pytest.skip("running as root and no read-only bind mount available here")

    def run_root(*args: str) -> subprocess.CompletedProcess:
        cmd = shlex.join([sys.executable, "-m", "faceapp", "--provider", "cpu", "--db", str(ro / "f.db"), *args])
        script = mount.rsplit(" && touch", 1)[0] + f" && exec {cmd}"
        return subprocess.run(["unshare", "--mount", "sh", "-c", script], env=env, capture_output=True, text=True,
                              timeout=120)
    return run_root


def test_a_database_on_read_only_media_can_be_read_not_changed(tmp_path):
    """Issue 18: "unable to open database file" for every command on a read-only copy."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "f.db"
    assert main(["--db", str(db), "access", "add-group", "Office", "--schedule", "always"]) == 0
    run = _read_only_runner(tmp_path, data)
    out = tmp_path / "out.csv"
    for args, expect in [(["employees", "list"], "0 employee(s)"), (["access", "groups"], "Office:"),
                         (["access", "log"], ""), (["settings", "show"], "match_threshold = 0.5"),
                         (["export-csv", "--out", str(out)], "wrote 0 row(s)"), (["doctor"], "(read-only)")]:
        res = run(*args)
        assert res.returncode == 0 and expect in res.stdout, (args, res.stdout, res.stderr)
        assert "opened read-only" in res.stderr or args == ["doctor"], res.stderr
        assert "Traceback" not in res.stderr and "unable to open" not in res.stderr
    for args in (["settings", "set", "sound", "false"], ["access", "delete-group", "Office"],
                 ["employees", "delete", "1"]):
        res = run(*args)
        err = res.stderr.strip()
        assert res.returncode == EXIT_CHECK and len(err.splitlines()) == 1, (args, err)
        assert err.startswith("error:") and "cannot be written" in err and "changes it" in err
