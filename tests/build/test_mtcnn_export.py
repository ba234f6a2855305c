"""Re-export the MTCNN nets and require the committed models/ files byte for byte.

Needs torch and facenet-pytorch (for its weight files); skipped cleanly without them.
facenet_pytorch is located, not imported: its package import needs torchvision.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from faceapp.vision.detector import ONet, PNet, RNet
from faceapp.vision.models import sha256_file
from faceapp.shared.paths import models_dir

BUILD = Path(__file__).resolve().parents[2] / "build"


def _weights_dir() -> Path:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (pip install -e '.[export]')")
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("facenet-pytorch is not installed (pip install --no-deps facenet-pytorch==2.6.0)")
    weights = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not all((weights / f"{n}.pt").is_file() for n in ("pnet", "rnet", "onet")):
        pytest.skip(f"facenet-pytorch weight files not found in {weights}")
    return weights


def _exporter():
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))  # build/ is not a package (a PyPI package is called `build`)
    from exporters import mtcnn

    return mtcnn


def test_export_is_reproducible_and_matches_committed_files(tmp_path):
    weights = _weights_dir()
    mtcnn = _exporter()
    specs = mtcnn.export(weights, tmp_path)
    wrappers = {"mtcnn_pnet": PNet, "mtcnn_rnet": RNet, "mtcnn_onet": ONet}
    assert set(specs) == set(wrappers)
    for key, spec in specs.items():
        cls = wrappers[key]
        assert cls.key == key
        # the wrapper's declared io is exactly what the exporter writes
        assert {k: tuple(v) for k, v in spec["inputs"].items()} == cls.inputs
        assert {k: tuple(v) for k, v in spec["outputs"].items()} == cls.outputs
        assert list(spec["outputs"]) == list(cls.outputs)
        fresh, committed = tmp_path / spec["file"], models_dir() / spec["file"]
        assert committed.is_file(), f"{committed} missing: run build/export_models.py"
        assert sha256_file(fresh) == sha256_file(committed), \
            f"{spec['file']}: re-export differs from the committed file"
