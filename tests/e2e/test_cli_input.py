"""The CLI against hostile or unlucky input: huge photos, bombs, malformed values and files.
Every case ends with one line on stderr and the documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from faceapp.cli import EXIT_INPUT, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "vision"))
from test_imageio import png_header_only  # noqa: E402

# Runs the CLI and reports the peak resident memory of the process on stderr: VmHWM, the
# high-water mark of this program's memory (ru_maxrss would also count the pytest process
# the child was forked from, as Linux carries it over the exec).
MEASURED = """
import resource, sys
from faceapp.cli import main
rc = main(sys.argv[1:])
try:
    kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
except OSError:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("MAXRSS_KB", kb, file=sys.stderr)
sys.exit(rc)
"""


def run_measured(*args: str, db: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), FACEAPP_DB=str(db))
    res = subprocess.run([sys.executable, "-c", MEASURED, *args], env=env, capture_output=True, text=True,
                         timeout=300)
    kb = [int(line.split()[1]) for line in res.stderr.splitlines() if line.startswith("MAXRSS_KB")]
    return res, (kb[0] / 1024 if kb else float("nan"))


def no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


def test_detect_a_24_mp_phone_photo_in_bounded_memory_with_file_coordinates(tmp_path, astronaut, figure):
    canvas = np.zeros((4000, 6000, 3), np.uint8)
    canvas[:, 1000:5000] = cv2.resize(astronaut, (4000, 4000), interpolation=cv2.INTER_CUBIC)
    photo = tmp_path / "phone.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    res, mib = run_measured("--provider", "cpu", "detect", "--json", str(photo), db=tmp_path / "m.db")
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    assert (rep["width"], rep["height"]) == (6000, 4000) and len(rep["faces"]) == 1
    x1, y1, x2, y2 = rep["faces"][0]["box"]  # astronaut's face: upper middle of her 4000 px square
    assert 1000 + 0.3 * 4000 < (x1 + x2) / 2 < 1000 + 0.55 * 4000 and 0.1 * 4000 < (y1 + y2) / 2 < 0.3 * 4000
    assert rep["faces"][0]["size_px"] > 400
    print(f"faceapp detect on a 24 MP JPEG: peak RSS {mib:.0f} MiB")
    figure("faceapp detect, 24 MP JPEG (6000x4000): peak RSS", f"{mib:.0f} MiB")


def test_a_decompression_bomb_is_refused_with_exit_3_in_little_memory(tmp_path, figure):
    bomb = png_header_only(tmp_path / "bomb.png", 30000, 30000)
    res, mib = run_measured("--provider", "cpu", "detect", str(bomb), db=tmp_path / "m.db")
    assert res.returncode == EXIT_INPUT
    no_traceback(res.stderr)
    assert "bomb.png: 900000000 pixels is too large (max 80000000 pixels)" in res.stderr
    figure("faceapp detect, 30000x30000 PNG header: peak RSS", f"{mib:.0f} MiB")


def test_a_60000_px_png_is_exit_3_for_every_photo_command(tmp_path, capsys):
    huge = str(png_header_only(tmp_path / "huge.png", 60000, 60000))
    db = str(tmp_path / "h.db")
    for args in (["detect", huge], ["compare", huge, huge], ["identify", huge]):
        assert main(["--provider", "cpu", "--db", db, *args]) == EXIT_INPUT, args
        err = capsys.readouterr().err
        assert "huge.png: 3600000000 pixels is too large" in err and len(err.strip().splitlines()) == 1, err


@pytest.fixture(scope="module")
def face_photo(tmp_path_factory, astronaut) -> str:
    p = tmp_path_factory.mktemp("face") / "astronaut.png"
    cv2.imwrite(str(p), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    return str(p)


def test_names_with_terminal_escapes_are_printed_harmlessly(tmp_path, face_photo, capsys):
    """A name stored with escape sequences (by an older version, or straight into the
    database) must not clear the screen or retitle the terminal of whoever lists it."""
    import sqlite3

    db = tmp_path / "esc.db"
    run = lambda *a: main(["--provider", "cpu", "--db", str(db), *a])  # noqa: E731
    assert run("enroll", "--consent", "--name", "Eileen", "--number", "7", face_photo) == 0
    assert run("access", "add-group", "Always", "--schedule", "always") == 0
    assert run("access", "assign", "7", "Always") == 0
    assert run("settings", "set", "door_backend", "simulated") == 0  # access decisions need a door
    con = sqlite3.connect(db)
    con.execute("UPDATE employees SET name = ?, department = ?", ("Eileen\x1b[2J\x1b]0;pwned\x07", "R&D\x9b31m"))
    con.commit()
    con.close()
    capsys.readouterr()
    assert run("identify", face_photo, "--start", "2026-11-23T09:00:00+00:00") == 0
    assert run("employees", "list") == 0
    assert run("access", "log") == 0
    out, err = capsys.readouterr()
    for raw in ("\x1b", "\x07", "\x9b"):
        assert raw not in out and raw not in err
    assert out.count("Eileen\\x1b[2J\\x1b]0;pwned\\x07") == 4, out  # identify (2 lines), employees, access log
    assert "R&D\\x9b31m" in out


def test_console_log_lines_escape_control_characters():
    import logging

    from faceapp.cli.terminal import SafeFormatter

    rec = logging.LogRecord("faceapp.test", logging.WARNING, __file__, 1, "enrolled %s", ("Ana\x1b[2J",), None)
    assert SafeFormatter("%(message)s").format(rec) == "enrolled Ana\\x1b[2J"


@pytest.mark.parametrize("args,msg", [
    (["export-csv", "--out", "{tmp}/x.csv", "--from", "2026-13-45"], "--from 2026-13-45: not a date"),
    (["export-csv", "--out", "{tmp}/x.csv", "--to", "yesterday"], "--to yesterday: not a date"),
    (["export-csv", "--out", "{tmp}/x.csv", "--from", "2026-12-02", "--to", "2026-12-01"], "--from 2026-12-02 is after --to 2026-12-01"),
    (["identify", "{photo}", "--start", "yesterday"], "--start yesterday: not an ISO 8601 time"),
    (["identify", "{photo}", "--start", "2026-11-23T08:59:00"], "--start needs a UTC offset"),
    (["enroll", "--consent", "--name", "  ", "--number", "1", "{photo}"], "name must not be empty"),
    (["enroll", "--consent", "--name", "Ana\x00", "--number", "1", "{photo}"], "control characters"),
])
def test_bad_values_are_one_line_and_exit_2(tmp_path, face_photo, capsys, args, msg):
    args = [a.replace("{tmp}", str(tmp_path)).replace("{photo}", face_photo) for a in args]
    assert main(["--provider", "cpu", "--db", str(tmp_path / "v.db"), *args]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert msg in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("command", ["eval-pairs", "eval-ident"])
@pytest.mark.parametrize("content", [None, "nonsense\n", "img_a,img_b,same\na.jpg\n", "path,identity,role\nx,y\n"])
def test_missing_or_malformed_evaluation_csv_is_exit_3(tmp_path, capsys, command, content):
    csv_path = tmp_path / "index.csv"
    if content is not None:
        csv_path.write_text(content, encoding="utf-8")
    assert main(["--provider", "cpu", command, str(csv_path)]) == EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {csv_path}") and len(err.splitlines()) == 1, err


def test_a_damaged_settings_row_is_one_line_and_exit_1(tmp_path, capsys):
    import sqlite3

    db = tmp_path / "d.db"
    assert main(["--db", str(db), "employees", "list"]) == 0
    con = sqlite3.connect(db)
    con.execute("INSERT INTO settings (key, value) VALUES ('recognition', '[1, 2]')")
    con.commit()
    con.close()
    capsys.readouterr()
    assert main(["--db", str(db), "employees", "list"]) == 1
    err = capsys.readouterr().err.strip()
    assert "not a JSON object" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("value", ["nan", "inf", "-0.1", "0"])
def test_compare_refuses_a_threshold_that_is_not_a_positive_number(tmp_path, face_photo, capsys, value):
    """nan made every pair "different people"; inf every pair "same person"."""
    assert main(["--provider", "cpu", "compare", face_photo, face_photo, "--threshold", value]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert f"--threshold {value}" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("content", [None, b"\x00\x00\x00\x18ftypmp42 garbage, not a video"])
def test_an_unreadable_video_is_exit_3(tmp_path, capsys, content):
    video = tmp_path / "clip.mp4"
    if content is not None:
        video.write_bytes(content)
    assert main(["--provider", "cpu", "--db", str(tmp_path / "v.db"), "identify", str(video)]) == EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert "clip.mp4" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("damage", ["newer", "garbage"])
def test_doctor_fails_on_a_damaged_or_newer_database(tmp_path, capsys, damage):
    import sqlite3

    db = tmp_path / "doc.db"
    if damage == "newer":
        assert main(["--db", str(db), "employees", "list"]) == 0
        con = sqlite3.connect(db)
        con.execute("INSERT INTO migrations (name, applied_at) VALUES ('0099_from_the_future', 'x')")
        con.commit()
        con.close()
    else:
        db.write_bytes(b"this is not a database" * 100)
    capsys.readouterr()
    assert main(["--provider", "cpu", "--db", str(db), "doctor", "--no-cameras"]) == 1
    out = capsys.readouterr().out
    assert "database:" in out and "ERROR" in out
    assert "status: OK" not in out and "PROBLEMS FOUND" in out


def test_enroll_names_a_bad_photo_once_and_gives_photo_advice(tmp_path, face_photo, capsys):
    """`enroll fake.jpg` said "fake.jpg: fake.jpg: not a readable image", and photos got
    camera advice ("look at the camera") that nobody in a photo can follow."""
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"not a jpeg at all")
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((400, 400, 3), 128, np.uint8))
    db = str(tmp_path / "m.db")
    assert main(["--provider", "cpu", "--db", db, "enroll", "--consent", "--name", "A", "--number", "1",
                 str(fake)]) == EXIT_INPUT
    out = capsys.readouterr().out
    assert out.strip() == f"{fake}: not a readable image (corrupt or unsupported format)", out
    assert main(["--provider", "cpu", "--db", db, "enroll", "--consent", "--name", "A", "--number", "1",
                 str(blank)]) == 4
    out = capsys.readouterr().out
    assert "use a photo where the face is clearly visible" in out and "camera" not in out.replace(
        "looks straight at the camera", ""), out


def test_one_photo_given_three_times_is_one_sample(tmp_path, face_photo, capsys):
    """enrol_min_samples 3 was met by `enroll A A A`."""
    db = str(tmp_path / "m.db")
    run = lambda *a: main(["--provider", "cpu", "--db", db, *a])  # noqa: E731
    assert run("settings", "set", "enrol_min_samples", "3") == 0
    same = Path(face_photo).parent / "." / Path(face_photo).name  # another spelling of the same file
    assert run("enroll", "--consent", "--name", "A", "--number", "1", face_photo, face_photo, str(same)) == 1
    out, err = capsys.readouterr()
    assert "the same photo as astronaut.png (counted once)" in out
    assert "error: 1 usable sample(s); at least 3 needed" in err, err
    assert run("employees") == 0 and "0 employee(s)" in capsys.readouterr().out


def test_identify_refuses_the_database_as_a_video(tmp_path, capsys):
    db = tmp_path / "m.db"
    assert main(["--provider", "cpu", "--db", str(db), "employees"]) == 0
    capsys.readouterr()
    for path in (db, f"{db}-wal"):
        assert main(["--provider", "cpu", "--db", str(db), "identify", str(path)]) == EXIT_INPUT
        err = capsys.readouterr().err
        assert "this is the attendance database (or one of its files), not a video" in err, err
