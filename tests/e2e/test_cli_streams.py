"""The CLI's own streams: a reader that goes away, third-party native log lines, and a
video stream that never answers. Real child processes: exit paths are the real ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from child_process import faceapp_child, reaped, signal_and_wait, wait_until

ROOT = Path(__file__).resolve().parents[2]


def faceapp(*args: str, **kwargs) -> subprocess.Popen:
    # OPENCV_FFMPEG_LOGLEVEL is set by in-process main() calls of other tests
    return faceapp_child(*args, env={"OPENCV_FFMPEG_LOGLEVEL": None}, **kwargs)


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


# -- third-party native log lines ------------------------------------------------------------

@pytest.fixture()
def damaged_video(tmp_path) -> Path:
    """An MP4 header with nothing behind it: FFmpeg says "moov atom not found" on stderr."""
    path = tmp_path / "damaged.mp4"
    path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 4000)
    return path


def test_damaged_video_is_one_line_on_stderr_and_ffmpeg_speaks_at_vv(tmp_path, damaged_video):
    db = str(tmp_path / "v.db")
    proc = faceapp("--provider", "cpu", "--db", db, "--new-db", "identify", str(damaged_video))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert err.strip().splitlines() == [f"error: cannot open video file {str(damaged_video)!r}: not a video "
                                        "OpenCV can read, or damaged"], err
    proc = faceapp("-vv", "--provider", "cpu", "--db", db, "identify", str(damaged_video))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3 and "moov atom not found" in err, err


def test_damaged_model_is_one_line_without_onnx_runtime_banners(tmp_path, astronaut):
    """ONNX Runtime printed its own "EP Error ... Falling back" banner (on stdout) before our error."""
    import hashlib
    import json
    import shutil

    import cv2

    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    data = bytearray((models / "mtcnn_pnet.onnx").read_bytes())
    for i in range(50, 58):  # a model name that is not UTF-8: the session fails to start
        data[i] ^= 0x5A
    (models / "mtcnn_pnet.onnx").write_bytes(bytes(data))
    manifest = json.loads((models / "manifest.json").read_text())
    for entry in manifest["models"].values():
        if entry["file"] == "mtcnn_pnet.onnx":
            entry["sha256"] = hashlib.sha256(bytes(data)).hexdigest()  # damaged in a way the checksum does not see
    (models / "manifest.json").write_text(json.dumps(manifest))
    photo = tmp_path / "face.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    proc = faceapp("--provider", "cpu", "--models-dir", str(models), "--db", str(tmp_path / "m.db"), "--new-db",
                   "identify", str(photo))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 5, err
    assert out == "", out
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: mtcnn_pnet.onnx: ONNX Runtime cannot load"), err


# -- a stream that never answers ------------------------------------------------------------

@pytest.fixture()
def silent_stream():
    """A TCP server on 127.0.0.1 that accepts connections and never sends a byte."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)

    threading.Thread(target=accept, name="test-silent-stream", daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/stream.mjpg", accepted
    listener.close()
    for conn in accepted:
        conn.close()


# After SIGTERM, identify on a stream that never answers ends within this (it took ~30 s:
# OpenCV's open blocked the main thread until FFmpeg gave up).
STREAM_SIGTERM_EXIT_S = 3.0


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_sigterm_ends_identify_on_a_stream_that_never_answers(tmp_path, silent_stream):
    import signal
    import time

    url, accepted = silent_stream
    with reaped(faceapp("--provider", "cpu", "--db", str(tmp_path / "s.db"), "--new-db", "identify", url)) as proc:
        assert wait_until(proc, lambda: accepted, timeout=90), proc.poll()
        time.sleep(0.5)  # well inside the open
        ended = signal_and_wait(proc)
    exit_s, err = ended.exit_s, ended.err
    assert exit_s < STREAM_SIGTERM_EXIT_S, f"exit took {exit_s:.1f} s after SIGTERM"
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err, err
