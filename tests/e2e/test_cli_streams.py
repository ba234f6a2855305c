"""The CLI's own streams: a reader that goes away, third-party native log lines, and a
video stream that never answers. Real child processes: exit paths are the real ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def faceapp(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    kwargs.setdefault("stdout", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "faceapp", *args], env=env, stderr=subprocess.PIPE, text=True,
                            **kwargs)


@pytest.mark.skipif(os.name != "posix", reason="POSIX pipes")
@pytest.mark.parametrize("args,codes", [(("settings", "show"), {141}), (("settings", "show", "--json"), {141}),
                                        (("--help",), {0, 141})])  # argparse ignores write errors itself
def test_output_into_a_closed_pipe_exits_141_without_a_traceback(tmp_path, args, codes):
    """`faceapp doctor | head -1` ended in a BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        proc = faceapp("--db", str(tmp_path / "p.db"), *args, stdout=write_end)
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in codes, err
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err, err


@pytest.mark.skipif(os.name != "posix", reason="POSIX shell")
def test_doctor_into_head(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(["bash", "-c", f'"{sys.executable}" -m faceapp --db "{tmp_path / "d.db"}" --new-db '
                                         'doctor | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'],
                          env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.stdout.strip() in ("0", "1", "141"), proc.stdout
