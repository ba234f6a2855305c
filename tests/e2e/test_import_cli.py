"""`faceapp employees import PEOPLE.csv --consent` as a user runs it: a line per person, a
summary, the documented exit codes, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.cli import EXIT_CHECK, EXIT_INPUT, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]


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


def run_cli(db, *args, timeout=120) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FACEAPP_DB=str(db))
    return subprocess.run([sys.executable, "-c", MEASURED, "--provider", "cpu", *args], env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# The CLI in a fresh process, its peak resident memory (VmHWM; ru_maxrss would also count the
# pytest process it was forked from) printed last on stderr.
MEASURED = """
import sys
from faceapp.cli import main
rc = main(sys.argv[1:])
print("MAXRSS_MIB", next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) // 1024,
      file=sys.stderr)
sys.exit(rc)
"""


def peak_mib(res: subprocess.CompletedProcess) -> int:
    return next(int(line.split()[1]) for line in res.stderr.splitlines() if line.startswith("MAXRSS_MIB"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs, /dev/zero, VmHWM")
def test_a_fifo_as_a_photo_or_dev_zero_as_the_list_ends_with_a_line_not_a_hang(tmp_path, people_csv):
    fifo = tmp_path / "camera.jpg"
    os.mkfifo(fifo)  # opening it blocked the import forever (and the dialog's Cancel)
    people_csv.write_text("number,name,department,photo\n1,Eileen Collins,,a.png\n2,Pipe,,camera.jpg\n",
                          encoding="utf-8")
    db = tmp_path / "f.db"
    res = run_cli(db, "employees", "import", str(people_csv), "--consent", timeout=90)
    assert res.returncode == 0, res.stderr
    assert "refused  2 Pipe: 0 usable photo(s) of 1 (camera.jpg: is a named pipe (FIFO), not an image file)" \
        in res.stdout
    res = run_cli(db, "employees", "import", "/dev/zero", "--consent", timeout=90)
    assert res.returncode == EXIT_INPUT and peak_mib(res) < 400
    assert res.stderr.splitlines()[0] == "error: /dev/zero: is not a regular file (a device or a pipe), not a CSV file"
    assert "Traceback" not in res.stderr


def test_a_field_over_csv_limits_is_one_line_and_exit_3(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("number,name,department,photo\n1,Ann,," + "x" * (128 * 1024 + 1) + "\n", encoding="utf-8")
    assert run(tmp_path / "l.db", "employees", "import", str(path), "--consent") == EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}, line 2: ") and len(err.splitlines()) == 1, err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM in /proc")
def test_many_phone_photos_of_one_person_are_imported_in_bounded_memory(tmp_path, astronaut, figure):
    """All photos of a person were decoded at once: 48 photos of 12 MP peaked at 2.1 GB."""
    canvas = np.zeros((3000, 4000, 3), np.uint8)  # a 12 MP phone photo, the face large in it
    canvas[:, 500:3500] = cv2.resize(astronaut, (3000, 3000), interpolation=cv2.INTER_LINEAR)
    data = cv2.imencode(".jpg", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])[1]
    n = 12
    for i in range(n):
        data.tofile(str(tmp_path / f"phone{i}.jpg"))  # separate files: each one is read and decoded
    one, many = tmp_path / "one.csv", tmp_path / "many.csv"
    one.write_text("number,name,department,photo\n1,Eileen Collins,,phone0.jpg\n", encoding="utf-8")
    many.write_text("number,name,department,photo\n" + "".join(f"1,Eileen Collins,,phone{i}.jpg\n" for i in range(n)),
                    encoding="utf-8")
    res1 = run_cli(tmp_path / "one.db", "employees", "import", str(one), "--consent", timeout=300)
    resn = run_cli(tmp_path / "many.db", "employees", "import", str(many), "--consent", timeout=300)
    assert res1.returncode == 0 and resn.returncode == 0, resn.stdout + resn.stderr
    extra = peak_mib(resn) - peak_mib(res1)
    figure(f"employees import, one person with {n} photos of 12 MP: peak RSS",
           f"{peak_mib(resn)} MiB ({extra:+d} MiB over one photo)")
    # a decoded 12 MP photo is 34 MiB: a few are held at once (about +150 MiB), not all twelve
    # (+430 MiB before; 24 photos: 1.2 GB before, the same +150 MiB now)
    assert extra < 250, f"peak RSS {peak_mib(resn)} MiB with {n} photos, {peak_mib(res1)} MiB with one"
    assert "imported with 1 sample(s)" in resn.stdout  # copies of one photo are one sample
