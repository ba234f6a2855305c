"""A fresh Linux desktop without the X11 libraries Qt's xcb plugin needs: `faceapp` says what
to install in one line (exit 5) instead of Qt's abort (exit 134)."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from faceapp.ui import system_libs

ROOT = Path(__file__).resolve().parents[2]


def test_an_absent_library_gives_one_line_naming_its_package_and_apt_get():
    libs = {"libxcb.so.1": "libxcb1", "libfaceapp-absent-test.so.7": "libfaceapp-absent7"}
    if not sys.platform.startswith("linux") or ctypes.util.find_library("xcb") is None:
        libs = {"libfaceapp-absent-test.so.7": "libfaceapp-absent7"}
    assert system_libs.missing_libraries(libs) == ["libfaceapp-absent-test.so.7"]
    msg = system_libs.missing_message(["libfaceapp-absent-test.so.7"], libs)
    assert "\n" not in msg
    assert "libfaceapp-absent-test.so.7" in msg and msg.endswith("sudo apt-get install libfaceapp-absent7")


def test_the_check_runs_only_where_qt_starts_its_xcb_plugin():
    assert system_libs.uses_xcb({}, "linux")
    assert system_libs.uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert system_libs.uses_xcb({"QT_QPA_PLATFORM": "xcb;wayland"}, "linux")
    assert not system_libs.uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not system_libs.uses_xcb({"QT_QPA_PLATFORM": "wayland"}, "linux")
    assert not system_libs.uses_xcb({"QT_QPA_PLATFORM": "minimal"}, "linux")
    assert not system_libs.uses_xcb({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not system_libs.uses_xcb({}, "win32") and not system_libs.uses_xcb({}, "darwin")


def _hidden_lib_cmd(lib: Path, inner: list[str]) -> list[str]:
    """Run `inner` in a private mount namespace where `lib` is an empty file: for the loader
    the library is not there (nothing on the machine is changed)."""
    return ["unshare", "-Urm", "sh", "-c", 'mount --bind /dev/null "$0" && exec "$@"', str(lib), *inner]


def _loaded_from(soname: str) -> Path | None:
    """The file the loader maps for `soname` in this process (None: it cannot load it)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return None
    stem = soname.split(".so")[0] + ".so"
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split()[-1]
            if Path(path).name.startswith(stem):
                return Path(path)
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("unshare") is None,
                    reason="Linux with unshare(1): hides a library in a private mount namespace")
def test_faceapp_without_libxcb_cursor_says_what_to_install_instead_of_aborting(tmp_path):
    lib = _loaded_from("libxcb-cursor.so.0")
    if lib is None:
        pytest.skip("libxcb-cursor0 is not installed here, so there is nothing to hide")
    probe = subprocess.run(_hidden_lib_cmd(lib, ["true"]), capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount namespace here: {probe.stderr.strip()}")
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="xcb", DISPLAY=":99",
               FACEAPP_LOG_DIR=str(tmp_path / "log"), FACEAPP_STATE_DIR=str(tmp_path / "state"),
               FACEAPP_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.run(_hidden_lib_cmd(lib, [sys.executable, "-m", "faceapp", "--provider", "cpu",
                                                "--db", str(tmp_path / "t.db")]),
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 5, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "libxcb-cursor.so.0" in lines[0] and "sudo apt-get install" in lines[0] and "libxcb-cursor0" in lines[0]
    assert not (tmp_path / "t.db").exists()  # stopped before anything was opened
