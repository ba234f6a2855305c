"""`faceapp timetable|shift|holiday|leave|punch|report`: a schedule from the shell, and bad
input as one line with exit 2."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import openpyxl
import pytest

from faceapp.cli import EXIT_USAGE, main
from faceapp.shared.records import AttendanceEvent
from faceapp.storage.db import open_db
from faceapp.storage.repository import Repository


@pytest.fixture
def run(tmp_path, capsys):
    db = tmp_path / "f.db"
    repo = Repository(open_db(db))
    emp = repo.enrol("0042", "李小龙", "Sales", datetime(2026, 1, 1, tzinfo=timezone.utc),
                     np.ones((1, 128), np.float32), [1.0], "m")
    for hh in (6, 15):  # 08:00 and 17:00 in Berlin (summer time)
        repo.add_attendance(AttendanceEvent(emp.id, datetime(2026, 6, 1, hh, tzinfo=timezone.utc), "in"))
    repo.close()

    def go(*args):
        code = main(["--db", str(db), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    assert go("settings", "set", "timezone", "Europe/Berlin")[0] == 0
    return go


@pytest.mark.parametrize("args, message", [
    (("timetable", "add", "N", "--start", "22:00", "--end", "06:00"), "crosses midnight"),
    (("timetable", "add", "T", "--start", "09:00", "--end", "13:00", "--in-window", "60,180"), "overlaps"),
    (("shift", "assign", "Office", "--employee", "9999", "--from", "2026-06-01"), "unknown employee"),
    (("shift", "assign", "Office", "--department", "Nowhere", "--from", "2026-06-01"), "department"),
    (("punch", "add", "0042", "--at", "2026-06-01T09:00", "--by", "alice"), "reason"),
    (("punch", "void", "1", "--reason", " ", "--by", "alice"), "reason"),
    (("report", "timecard", "--from", "2026-06-02", "--to", "2026-06-01"), "backwards"),
    (("report", "payroll", "--from", "2025-01-01", "--to", "2026-06-01"), "longer than a year"),
    (("leave", "add", "9999", "--from", "2026-06-01"), "unknown employee"),
])
def test_bad_input_is_one_line_and_exit_2(run, args, message):
    assert run("shift", "add", "Office", "--days", "Day*5,off*2")[0] != 0  # no timetable Day yet: refused
    code, out, err = run(*args)
    assert code == EXIT_USAGE, (out, err)
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err


def test_a_schedule_corrections_and_reports_from_the_shell(run, tmp_path):
    assert run("timetable", "add", "Day", "--start", "08:00", "--end", "16:00", "--break", "30",
               "--late-grace", "5")[0] == 0
    assert run("shift", "add", "Office", "--days", "Day*5,off*2")[0] == 0
    assert run("shift", "assign", "Office", "--department", "Sales", "--from", "2026-01-01")[0] == 0
    assert run("holiday", "add", "2026-06-03", "Founders' day")[0] == 0
    assert run("leave", "add", "0042", "--from", "2026-06-04", "--type", "sick")[0] == 0
    code, out, _ = run("punch", "list", "0042", "--from", "2026-06-01")
    first_id = int(out.split()[0])
    assert run("punch", "void", str(first_id), "--reason", "double booking", "--by", "alice")[0] == 0
    assert run("punch", "add", "0042", "--at", "2026-06-01T08:03", "--reason", "badge fault", "--by", "alice")[0] == 0
    code, out, _ = run("report", "timecard", "--from", "2026-06-01", "--to", "2026-06-05")
    lines = [ln for ln in out.splitlines() if ln.startswith("0042")]
    assert code == 0 and len(lines) == 5
    assert "08:03" in lines[0] and "7:30" in lines[0] and "yes" in lines[0]
    assert "holiday: Founders' day" in lines[2] and "sick" in lines[3] and "absent" in lines[4]
    code, out, _ = run("report", "summary", "--from", "2026-06-01", "--to", "2026-06-05", "--out",
                       str(tmp_path / "s.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert code == 0 and wb.sheetnames == ["Summary by employee", "Summary by department"]
    assert wb["Summary by employee"]["A2"].value == "0042" and wb["Summary by employee"]["B2"].value == "李小龙"


@pytest.mark.parametrize("argv", [["holiday", "list"], ["timetable", "list"], ["employees", "list"]])
def test_every_context_a_command_opens_is_closed(tmp_path, monkeypatch, argv):
    """The time-keeping commands opened a context and never closed it (database connection,
    change watcher left to interpreter exit); the CLI now closes whatever a command opened."""
    import faceapp.app as app

    opened = []
    real = app.build_context

    def spy(*a, **kw):
        opened.append(real(*a, **kw))
        return opened[-1]

    monkeypatch.setattr(app, "build_context", spy)
    assert main(["--db", str(tmp_path / "c.db"), *argv]) == 0
    assert opened and all(ctx._closed for ctx in opened)
