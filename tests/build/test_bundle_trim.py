"""What the bundle leaves out and how its size is counted, checked without building it
(tests/build/test_bundle.py builds the real one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))

import bundle_trim  # noqa: E402
from bundle_trim import disk_usage, elf_needed, share_vendored_runtimes, trim, unwanted  # noqa: E402

ORT = "onnxruntime/capi"
QT = "PySide6/Qt"


@pytest.mark.skipif(shutil.which("du") is None or sys.platform == "win32", reason="needs du")
def test_size_is_what_du_reports_with_links_counted_once(tmp_path):
    dist = tmp_path / "faceapp-1.0"
    (dist / "_internal" / "numpy.libs").mkdir(parents=True)
    lib = dist / "_internal" / "numpy.libs" / "libbig.so"
    lib.write_bytes(os.urandom(3 * 2**20))
    (dist / "_internal" / "libbig.so").symlink_to("numpy.libs/libbig.so")  # PyInstaller's top-level links
    os.link(lib, dist / "_internal" / "hardlinked.so")
    (dist / "faceapp").write_bytes(b"x" * 5000)
    du = int(subprocess.run(["du", "-sk", str(dist)], capture_output=True, text=True, check=True).stdout.split()[0])
    assert disk_usage(dist) == du * 1024
    assert disk_usage(dist) < 4 * 2**20  # the 3 MiB library once, not three times
    parts = dict(bundle_trim.largest_parts(dist))
    assert parts["_internal/numpy.libs"] >= 3 * 2**20 and parts["_internal/libbig.so"] < 8192


def test_cpu_variant_leaves_out_the_gpu_providers_and_the_gpu_variant_keeps_them():
    for name in (f"{ORT}/libonnxruntime_providers_cuda.so", f"{ORT}/libonnxruntime_providers_tensorrt.so",
                 r"onnxruntime\capi\onnxruntime_providers_cuda.dll"):
        assert unwanted(name, "cpu") and not unwanted(name, "gpu"), name
    for name in (f"{ORT}/libonnxruntime_providers_shared.so", f"{ORT}/onnxruntime_pybind11_state.so",
                 f"{QT}/plugins/platforms/libqxcb.so", f"{QT}/plugins/platforms/libqwayland.so",
                 f"{QT}/plugins/platforms/libqoffscreen.so", f"{QT}/plugins/imageformats/libqsvg.so",
                 f"{QT}/lib/libicudata.so.73", "PySide6/plugins/platforms/qwindows.dll"):
        assert not unwanted(name, "cpu"), name
    for name in (f"{QT}/plugins/platformthemes/libqgtk3.so", f"{QT}/plugins/tls/libqopensslbackend.so",
                 f"{QT}/plugins/platforms/libqeglfs.so", f"{QT}/plugins/imageformats/libqtiff.so",
                 "PySide6/plugins/tls/qschannelbackend.dll"):
        assert unwanted(name, "gpu"), name


def test_cups_is_left_to_the_system_and_its_print_plugin_stays():
    """The print support (reports) bundled libcups with GnuTLS, Kerberos and Avahi behind it,
    and the CPU bundle went over 400 MiB."""
    for variant in ("cpu", "gpu"):
        assert unwanted("libcups.so.2", variant) and unwanted("libcups.so", variant)
        assert not unwanted(f"{QT}/plugins/printsupport/libcupsprintersupport.so", variant)
        assert not unwanted("libcupsimage.so.2.extra", variant) and not unwanted("libcurl.so.4", variant)


def test_only_qts_catalogues_for_faceapps_languages_stay():
    langs = ["zh_CN"]
    assert not unwanted(f"{QT}/translations/qtbase_zh_CN.qm", "cpu", langs)
    assert not unwanted(f"{QT}/translations/qtbase_zh.qm", "cpu", langs)  # Qt's fallback for zh_CN
    assert unwanted(f"{QT}/translations/qtbase_de.qm", "cpu", langs)
    assert unwanted(f"{QT}/translations/qt_zh_CN.qm", "cpu", langs)  # meta catalogue, not loaded
    assert unwanted(f"{QT}/translations/qt_help_zh_CN.qm", "cpu", langs)
    assert not unwanted(f"{QT}/translations/qtbase_de.qm", "cpu")  # no language list: every qtbase_*
    assert bundle_trim.shipped_languages(ROOT / "resources" / "translations") == ["zh_CN"]


def toc(*names: str) -> list[tuple[str, str, str]]:
    return [(n, f"/src/{n}", "BINARY") for n in names]


NEEDS = {
    f"/src/{ORT}/libonnxruntime_providers_cuda.so": ["libcudart.so.13", "libstdc++.so.6"],
    f"/src/{ORT}/onnxruntime_pybind11_state.so": ["libstdc++.so.6"],
    f"/src/{QT}/plugins/platformthemes/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6"],
    f"/src/{QT}/plugins/platforms/libqxcb.so": ["libQt6Gui.so.6", "libX11.so.6"],
    f"/src/{QT}/lib/libQt6Gui.so.6": ["libfontconfig.so.1"],
    "/src/libgtk-3.so.0": ["libcairo.so.2", "libX11.so.6", "libfontconfig.so.1"],
    "/src/libcairo.so.2": ["libpixman-1.so.0"],
    "/src/libpixman-1.so.0": [],
    "/src/libX11.so.6": [],
    "/src/libfontconfig.so.1": [],
    "/src/libcudart.so.13": [],
    "/src/libstdc++.so.6": [],
    "/src/libpython3.11.so.1.0": [],  # loaded by the bootloader, needed by no file: stays
}


def test_libraries_only_the_left_out_parts_needed_go_with_them_and_shared_ones_stay():
    binaries = toc(*[n[len("/src/"):] for n in NEEDS])
    binaries.append(("libQt6Gui.so.6", f"{QT}/lib/libQt6Gui.so.6", "SYMLINK"))
    binaries.append(("libcudart-link.so", "libcudart.so.13", "SYMLINK"))
    datas = [(f"{QT}/translations/qtbase_de.qm", "/src/x", "DATA"), ("models/manifest.json", "/src/m", "DATA")]
    kept, kept_datas, dropped = trim(binaries, datas, "cpu", ["zh_CN"], needs=NEEDS.get)
    names = {e[0] for e in kept}
    assert {f"{ORT}/libonnxruntime_providers_cuda.so", "libcudart.so.13", "libcudart-link.so",
            f"{QT}/plugins/platformthemes/libqgtk3.so", "libgtk-3.so.0", "libcairo.so.2",
            "libpixman-1.so.0"}.isdisjoint(names)
    assert {"libstdc++.so.6", "libX11.so.6", "libfontconfig.so.1", f"{QT}/lib/libQt6Gui.so.6", "libQt6Gui.so.6",
            "libpython3.11.so.1.0", f"{QT}/plugins/platforms/libqxcb.so"} <= names
    assert kept_datas == [("models/manifest.json", "/src/m", "DATA")]
    assert f"{QT}/translations/qtbase_de.qm" in dropped and "libcairo.so.2" in dropped

    gpu, _, _ = trim(binaries, datas, "gpu", ["zh_CN"], needs=NEEDS.get)
    assert {f"{ORT}/libonnxruntime_providers_cuda.so", "libcudart.so.13"} <= {e[0] for e in gpu}
    with pytest.raises(ValueError):
        trim(binaries, datas, "cuda", needs=NEEDS.get)


def test_nothing_is_guessed_when_a_kept_binarys_dependencies_cannot_be_read():
    needs = {**NEEDS, "/src/libX11.so.6": None}
    kept, _, dropped = trim(toc(*[n[len("/src/"):] for n in NEEDS]), [], "cpu", needs=needs.get)
    assert f"{QT}/plugins/platformthemes/libqgtk3.so" in dropped
    assert {"libgtk-3.so.0", "libcairo.so.2", "libcudart.so.13"} <= {e[0] for e in kept}


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils")
def test_elf_dependencies_are_read_like_readelf_does():
    import cv2
    import numpy

    for lib in [Path(cv2.__file__).parent / "cv2.abi3.so", *Path(numpy.__file__).parent.rglob("*.so")][:5]:
        out = subprocess.run(["readelf", "-dW", str(lib)], capture_output=True, text=True, check=True).stdout
        expected = [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
        assert elf_needed(lib) == expected, lib
    assert elf_needed(ROOT / "README.md") is None


def _vendored(pkg: str, prefix: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(pkg)
    libs = Path(spec.origin).parent.parent / f"{pkg.replace('cv2', 'opencv_python_headless')}.libs" if spec else None
    return next(iter(sorted(libs.glob(prefix + "*"))), None) if libs and libs.is_dir() else None


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("nm") is None, reason="Linux with binutils")
def test_one_fortran_runtime_serves_opencv_and_numpy(tmp_path):
    """The real vendored libraries: OpenCV's OpenBLAS is pointed at numpy's libgfortran (a
    symlink), OpenCV's own libgfortran and the libquadmath only it needed are gone."""
    pairs = {"numpy": ("libgfortran", "libquadmath"), "cv2": ("libgfortran", "libquadmath", "libopenblas")}
    internal = tmp_path / "_internal"
    copied: dict[str, Path] = {}
    for pkg, prefixes in pairs.items():
        for prefix in prefixes:
            src = _vendored(pkg, prefix)
            if src is None:
                pytest.skip(f"{pkg} here vendors no {prefix}")
            dest = internal / src.parent.name / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest)
            copied[f"{pkg}:{prefix}"] = dest
            (internal / src.name).symlink_to(f"{src.parent.name}/{src.name}")  # as PyInstaller links them
    changed = share_vendored_runtimes(internal)
    ocv_fortran, np_fortran = copied["cv2:libgfortran"], copied["numpy:libgfortran"]
    assert ocv_fortran.is_symlink() and ocv_fortran.resolve() == np_fortran.resolve()
    assert not copied["cv2:libquadmath"].exists() and copied["numpy:libquadmath"].is_file()
    assert not [p for p in internal.iterdir() if p.is_symlink() and not p.exists()]  # no dangling links
    assert len(changed) == 2
    # what OpenBLAS needs from the Fortran runtime is all there: the loader resolves it eagerly
    probe = "import ctypes, sys; ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_GLOBAL)"
    r = subprocess.run([sys.executable, "-c", probe, str(copied["cv2:libopenblas"])], capture_output=True, text=True,
                       env={**os.environ, "LD_BIND_NOW": "1"})
    assert r.returncode == 0, r.stderr
