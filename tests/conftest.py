"""Shared fixtures: packaged real photos, the shared face data set, and the engine."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the real per-user attendance database from tests.
_TMP = Path(tempfile.mkdtemp(prefix="faceapp-tests-"))
os.environ["FACEAPP_DB"] = str(_TMP / "default.db")
os.environ["FACEAPP_LOG_DIR"] = str(_TMP / "log")  # nor the real log folder
os.environ["FACEAPP_STATE_DIR"] = str(_TMP / "state")  # nor the remembered databases
os.environ["FACEAPP_CONFIG_DIR"] = str(_TMP / "config")  # nor the window's remembered place

ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))


def shared_faces() -> Path:
    """../shared/data/faces, or skip: a fresh clone without the data set still passes."""
    if not (SHARED_FACES / "README.md").is_file():
        pytest.skip(f"shared face data not found at {SHARED_FACES} (set FACEAPP_SHARED_FACES)")
    return SHARED_FACES


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    return shared_faces()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook
    from PIL import Image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        return np.asarray(Image.open(fh).convert("RGB"))


@pytest.fixture(scope="session")
def engine():
    from faceapp.vision.engine import FaceEngine

    return FaceEngine.load(provider="cpu")


# ---------------------------------------------------------------- figures shown in the CI log

_FIGURES: list[tuple[str, str]] = []


@pytest.fixture()
def figure():
    """figure(name, value): a measured figure printed in the summary at the end of the run,
    so CI logs show them without -s (bundle size, LFW accuracy, parity)."""
    return lambda name, value: _FIGURES.append((name, str(value)))


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("measured figures")
        for name, value in _FIGURES:
            terminalreporter.write_line(f"{name}: {value}")
