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

# Runs the CLI and reports the peak resident memory of the whole process on stderr.
MEASURED = ("import resource, sys; from faceapp.cli import main; rc = main(sys.argv[1:]); "
            "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")


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
