"""build/bench_vs_face_recognition.py installs the peer the fair way and names the dlib it ran."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

import bench_vs_face_recognition as bench  # noqa: E402


def test_the_peer_runs_on_the_prebuilt_dlib_and_face_recognition_cannot_pull_a_source_build(tmp_path):
    venv, first, last = bench.peer_install_commands(tmp_path / "peer")
    assert venv[1:3] == ["-m", "venv"]
    assert "dlib-bin" in first and "face_recognition" not in first and "dlib" not in first
    assert last[-3:] == ["install", "--no-deps", "face_recognition"]
    # every documented install of face_recognition carries --no-deps
    doc = bench.__doc__ or ""
    assert "install --no-deps face_recognition" in doc
    assert "pip install face_recognition" not in doc and "pip install face_recognition" not in (ROOT / "README.md").read_text()


def test_the_dlib_distribution_is_found_from_the_module_file_not_top_level(tmp_path):
    """dlib-bin's top_level.txt lists only its extension, so packages_distributions() misses it."""
    site = tmp_path / "site"
    (site / "dlib").mkdir(parents=True)
    (site / "dlib" / "__init__.py").write_text("__version__ = '20.0.1'\n")
    info = site / "dlib_bin-20.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dlib-bin\nVersion: 20.0.1\n")
    (info / "top_level.txt").write_text("_dlib_pybind11\n")
    (info / "RECORD").write_text("dlib/__init__.py,,\n_dlib_pybind11.so,,\ndlib_bin-20.0.1.dist-info/METADATA,,\n")
    shim = SimpleNamespace(distributions=lambda: metadata.distributions(path=[str(site)]))
    assert bench.installed_by(site / "dlib" / "__init__.py", shim) == "dlib-bin"
    assert bench.installed_by(tmp_path / "elsewhere.py", shim) == "unknown"
    text = bench.describe_dlib({"version": "20.0.1", "distribution": "dlib-bin", "DLIB_USE_CUDA": False})
    assert text == "dlib 20.0.1 from dlib-bin (prebuilt wheel); DLIB_USE_CUDA=False"
    assert "built from source" in bench.describe_dlib({"version": "19.24", "distribution": "dlib"})
