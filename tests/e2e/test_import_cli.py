"""`faceapp employees import PEOPLE.csv --consent` as a user runs it: a line per person, a
summary, the documented exit codes, nothing half-written."""

from __future__ import annotations

import subprocess
import sys

import cv2
import pytest

from faceapp.cli import EXIT_CHECK, EXIT_INPUT, EXIT_USAGE, main


@pytest.fixture()
def people_csv(tmp_path, astronaut, grace_hopper):
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(tmp_path / "g.png"), cv2.cvtColor(grace_hopper, cv2.COLOR_RGB2BGR))
    path = tmp_path / "people.csv"
    path.write_text("\ufeffnumber,name,department,photo\n0042,Eileen Collins,Flight,a.png\n"
                    "0043,Grace Hopper,Navy,g.png\n0044,Ghost,,missing.png\n", encoding="utf-8")
    return path


def run(db, *args) -> int:
    return main(["--provider", "cpu", "--db", str(db), *args])


def test_import_prints_a_line_per_person_and_a_summary(tmp_path, people_csv, capsys):
    db = tmp_path / "i.db"
    assert run(db, "employees", "import", str(people_csv), "--consent") == 0
    out = capsys.readouterr().out
    assert "[1/3] imported 0042 Eileen Collins: imported with 1 sample(s)" in out
    assert "[2/3] imported 0043 Grace Hopper" in out
    assert "[3/3] refused  0044 Ghost: 0 usable photo(s) of 1 (missing.png: " in out and "no such file" in out
    assert "2 imported, 1 refused of 3 people" in out
    assert run(db, "employees") == 0
    listing = capsys.readouterr().out
    assert "0042" in listing and "Grace Hopper" in listing  # numbers keep their zeros
    assert run(db, "employees", "import", str(people_csv), "--consent") == EXIT_CHECK  # all taken now
    assert "0 imported, 3 refused" in capsys.readouterr().out


def test_import_refuses_without_consent_or_a_readable_list(tmp_path, people_csv, capsys):
    db = tmp_path / "i.db"
    assert run(db, "employees", "import", str(people_csv)) == EXIT_USAGE
    assert "--consent" in capsys.readouterr().err
    assert run(db, "employees", "import", str(tmp_path / "none.csv"), "--consent") == EXIT_INPUT
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("id;who\n1;x\n", encoding="utf-8")
    assert run(db, "employees", "import", str(bad), "--consent") == EXIT_INPUT
    assert "the header must name the columns number,name,department,photo" in capsys.readouterr().err
    bad.write_bytes(b"\xff\xfe\x00n\x00u")  # UTF-16, not UTF-8
    res = subprocess.run([sys.executable, "-m", "faceapp", "--db", str(db), "employees", "import", str(bad),
                          "--consent"], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert res.returncode == EXIT_INPUT and "UTF-8" in res.stderr and "Traceback" not in res.stderr
