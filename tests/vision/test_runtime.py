"""ONNX Runtime set-up: offline (no telemetry store), and provider messages that fit the request."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PHOTO = ROOT / "resources" / "selftest" / "astronaut.jpg"


def test_a_command_leaves_no_onnxruntime_telemetry_behind(tmp_path):
    """ONNX Runtime queues telemetry (device id, executable path, model names) under
    ~/.cache/Microsoft/DeveloperTools/.onnxruntime at import; faceapp promises offline."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), FACEAPP_DB=str(tmp_path / "t.db"))
    res = subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", "detect", str(PHOTO)],
                         env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert not any("Microsoft" in p or "onnxruntime" in p for p in left), left


def test_auto_mode_says_once_at_info_that_cuda_is_not_usable(caplog):
    """Nobody asked for CUDA: its absence is worth one INFO line, not a WARNING per command."""
    from faceapp.shared import paths
    from faceapp.vision.runtime import Runtime

    rt = Runtime("auto")
    if rt.providers[0] != "CUDAExecutionProvider":
        pytest.skip("this onnxruntime build offers no CUDA: there is nothing to fall back from")
    with caplog.at_level(logging.INFO, logger="faceapp.vision.runtime"):
        for name in ("mtcnn_pnet.onnx", "mtcnn_rnet.onnx", "mtcnn_onet.onnx"):
            rt.session(paths.models_dir() / name)
    if "CUDA" in rt.provider_in_use:
        pytest.skip("CUDA works on this machine: no fallback to report")
    said = [r for r in caplog.records if "not usable" in r.getMessage()]
    assert [r.levelno for r in said] == [logging.INFO], [(r.levelname, r.getMessage()) for r in said]
