"""Fixtures shared by the dlib parity tests: the stored reference outputs and the encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.encoder import FaceEncoder
from faceapp.vision.runtime import Runtime
from faceapp.shared.paths import models_dir

DLIB_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "dlib_reference.npz"


@pytest.fixture(scope="session")
def ref() -> dict[str, np.ndarray]:
    """dlib's rect, 5 landmarks, chip and descriptor per packaged photo (build/make_dlib_fixtures.py)."""
    with np.load(DLIB_FIXTURE) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def encoder() -> FaceEncoder:
    return FaceEncoder(models_dir() / "dlib_resnet_v1.onnx", Runtime("cpu"))
