"""dlib serialisation reader on hand-made bytes, and a byte-exact re-export of the dlib models.

The re-export needs the two .dat files from face-recognition-models 0.3.0: a folder given by
$FACEAPP_EXPORT_SOURCES, or build/_work/ where `python build/export_models.py` leaves them;
skipped otherwise (the shipped models' parity was checked when they were exported).
"""

from __future__ import annotations

import math
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from faceapp.vision.models import sha256_file
from faceapp.shared.paths import models_dir

BUILD = Path(__file__).resolve().parents[2] / "build"
if str(BUILD) not in sys.path:
    sys.path.insert(0, str(BUILD))  # build/ is not a package (a PyPI package is called `build`)

from exporters.dlib_format import DlibFormatError, DlibReader  # noqa: E402

DAT_RESNET = "dlib_face_recognition_resnet_model_v1.dat"
DAT_SHAPE = "shape_predictor_5_face_landmarks.dat"
DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "build" / "_work"  # export_models.py's work folder


def R(data: bytes) -> DlibReader:
    return DlibReader(data)


def test_integers():
    assert R(b"\x01\x00").int() == 0  # zero still writes one byte
    assert R(b"\x01\x07").int() == 7
    assert R(b"\x81\x05").int() == -5
    assert R(b"\x02\x34\x12").int() == 0x1234  # little-endian
    assert R(b"\x84\x00\x00\x00\x80").int() == -(2 ** 31)
    assert R(b"\x00").int() == 0
    r = R(b"\x01\x02\x01\x03")
    assert (r.peek_int(), r.int(), r.int()) == (2, 2, 3) and r.at_end()
    with pytest.raises(DlibFormatError):
        R(b"\x31\x00").int()  # bits 0x70 are never set in a control byte
    with pytest.raises(DlibFormatError):
        R(b"\x02\x01").int()  # truncated


def test_bools_and_strings():
    r = R(b"10" + b"\x01\x05relu_" + b"\x01\x00")
    assert r.bool() is True and r.bool() is False
    assert r.string() == "relu_"
    assert r.string() == ""
    with pytest.raises(DlibFormatError):
        R(b"\x01").bool()


def test_floats_are_mantissa_and_exponent():
    # 0.04 and 0.6 as written at the start of the ResNet file (loss_metric_ margin, threshold)
    assert R(b"\x03\x0a\xd7\xa3\x81\x1c").float32() == np.float32(0.04)
    assert R(b"\x03\x9a\x99\x99\x81\x18").float32() == np.float32(0.6)
    assert R(b"\x01\x00\x01\x00").double() == 0.0
    assert R(b"\x81\x03\x81\x01").double() == -1.5  # -3 * 2^-1
    assert R(b"\x01\x05\x01\x02").double() == 20.0  # 5 * 2^2
    assert R(b"\x01\x00\x02\x00\x7d").double() == math.inf  # exponent 32000
    assert R(b"\x01\x00\x02\x01\x7d").double() == -math.inf
    assert math.isnan(R(b"\x01\x00\x02\x02\x7d").double())


def test_tensor_matrix_and_alias():
    payload = struct.pack("<3f", 1.5, -2.0, 0.25)
    t = R(b"\x01\x02" + b"\x01\x01\x01\x03\x01\x01\x01\x01" + payload).tensor()
    assert t.shape == (1, 3, 1, 1) and t.dtype == np.float32
    np.testing.assert_array_equal(t.ravel(), [1.5, -2.0, 0.25])
    m = R(b"\x81\x02\x81\x01" + b"\x01\x03\x01\x00" + b"\x81\x01\x81\x02").matrix()  # 2x1, negative dims
    np.testing.assert_array_equal(m, [[3.0], [-0.25]])
    assert R(b"\x01\x01\x01\x02\x01\x03\x01\x04\x01\x05").alias_tensor() == (2, 3, 4, 5)


def _sources() -> Path:
    src = Path(os.environ.get("FACEAPP_EXPORT_SOURCES", DEFAULT_SOURCES))
    if not ((src / DAT_RESNET).is_file() and (src / DAT_SHAPE).is_file()):
        pytest.skip(f"dlib .dat files not found in {src} (run python build/export_models.py --check once, or set "
                    "FACEAPP_EXPORT_SOURCES to face_recognition_models/models of face-recognition-models 0.3.0)")
    return src


def test_reexport_is_byte_identical(tmp_path):
    src = _sources()
    pytest.importorskip("onnx")
    from exporters import dlib_resnet, dlib_shape

    spec = dlib_resnet.export(src / DAT_RESNET, tmp_path / "dlib_resnet_v1.onnx")
    assert spec["inputs"]["input"]["shape"] == [None, 3, 150, 150]
    assert spec["outputs"]["embedding"]["shape"] == [None, 128]
    spec = dlib_shape.export(src / DAT_SHAPE, tmp_path / "dlib_shape_predictor_5.npz")
    assert spec["arrays"]["leaf_values"] == [15, 500, 16, 5, 2]
    for name in ("dlib_resnet_v1.onnx", "dlib_shape_predictor_5.npz"):
        assert sha256_file(tmp_path / name) == sha256_file(models_dir() / name), f"{name} differs from models/"
