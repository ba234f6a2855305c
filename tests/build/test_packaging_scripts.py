"""Packaging helpers that run without building the bundle: Linux installer, archive, icons,
Windows version resource."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))
INSTALL = ROOT / "build" / "linux" / "install.sh"


def fake_dist(path: Path, says: str) -> Path:
    """The shape of a built folder: an executable and _internal/ with models and icons."""
    (path / "_internal" / "models").mkdir(parents=True)
    (path / "_internal" / "models" / "manifest.json").write_text("{}")
    (path / "_internal" / "resources" / "icons").mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icons" / "faceapp.png", path / "_internal" / "resources" / "icons")
    exe = path / "faceapp"
    exe.write_text(f"#!/bin/sh\necho {says} \"$@\"\n")
    exe.chmod(0o755)
    return path


def install(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    return subprocess.run(["sh", str(INSTALL), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell script")
def test_linux_install_upgrade_kiosk_and_uninstall(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    prefix = home / ".local" / "opt" / "faceapp"
    r = install(home, str(fake_dist(tmp_path / "v1", "one")), "--user", "--kiosk-autostart")
    assert r.returncode == 0, r.stderr
    entry = (home / ".local/share/applications/faceapp.desktop").read_text()
    assert f'Exec="{prefix}/faceapp"\n' in entry and f"Icon={prefix}/_internal/resources/icons/faceapp.png" in entry
    kiosk = (home / ".config/autostart/faceapp-kiosk.desktop").read_text()
    assert f'Exec="{prefix}/faceapp" --kiosk\n' in kiosk
    command = home / ".local" / "bin" / "faceapp"
    assert subprocess.run([str(command), "x"], capture_output=True, text=True).stdout == "one x\n"
    if shutil.which("desktop-file-validate"):
        for f in (home / ".local/share/applications/faceapp.desktop", home / ".config/autostart/faceapp-kiosk.desktop"):
            v = subprocess.run(["desktop-file-validate", str(f)], capture_output=True, text=True)
            assert v.returncode == 0, v.stdout + v.stderr

    # upgrade in place; a broken folder is refused and leaves the installed one working
    assert install(home, str(fake_dist(tmp_path / "v2", "two")), "--user").returncode == 0
    assert subprocess.run([str(command)], capture_output=True, text=True).stdout == "two\n"
    broken = fake_dist(tmp_path / "v3", "three")
    (broken / "_internal" / "models" / "manifest.json").unlink()
    r = install(home, str(broken), "--user")
    assert r.returncode == 1 and "has no models" in r.stderr
    assert subprocess.run([str(command)], capture_output=True, text=True).stdout == "two\n"
    assert not list(prefix.parent.glob("faceapp.*"))  # no staging folders left behind

    r = install(home, "--uninstall", "--user")
    assert r.returncode == 0 and "database" in r.stdout
    assert not prefix.exists() and not command.exists()
    assert not (home / ".local/share/applications/faceapp.desktop").exists()
    assert not (home / ".config/autostart/faceapp-kiosk.desktop").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell script")
def test_linux_install_refuses_a_folder_that_is_not_a_build(tmp_path):
    r = install(tmp_path, str(tmp_path), "--user")
    assert r.returncode == 1 and "not a built faceapp folder" in r.stderr


def test_archive_keeps_the_folder_and_the_executable_bit(tmp_path):
    import package

    dist = fake_dist(tmp_path / "faceapp-9.9.9", "hi")
    path = package.archive(dist)
    assert path.name.startswith("faceapp-9.9.9-") and package.platform_tag() in path.name
    if path.suffix == ".gz":
        with tarfile.open(path) as tar:
            member = tar.getmember("faceapp-9.9.9/faceapp")
            assert member.mode & 0o111
            assert "faceapp-9.9.9/_internal/models/manifest.json" in tar.getnames()


def test_windows_icon_holds_every_size_as_png():
    data = (ROOT / "resources" / "icons" / "faceapp.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count >= 4
    sizes = []
    for i in range(count):
        w, h, _, _, planes, bpp, size, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        img = cv2.imdecode(np.frombuffer(data[offset:offset + size], np.uint8), cv2.IMREAD_UNCHANGED)
        assert img is not None and img.shape[:2] == ((h or 256), (w or 256)) and img.shape[2] == 4
        assert img[img.shape[0] // 2, img.shape[1] // 8, 3] == 255  # opaque inside the rounded square
        sizes.append(w or 256)
    assert {16, 32, 48, 256} <= set(sizes)


def test_windows_version_resource_text():
    import ast

    import winversion

    assert winversion.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert winversion.version_tuple("1.2.3rc1+local") == (1, 2, 3, 1)
    text = winversion.version_text("faceapp", "0.1.0", "Attendance 'n' access", "faceapp-cli.exe")
    tree = ast.parse(text, mode="eval")  # what PyInstaller eval()s on Windows
    calls = {n.func.id: n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarStruct"} <= set(calls)
    ffi = {k.arg: ast.literal_eval(k.value) for k in calls["FixedFileInfo"].keywords}
    assert ffi["filevers"] == ffi["prodvers"] == (0, 1, 0, 0)
    pairs = [tuple(ast.literal_eval(a) for a in n.args) for n in ast.walk(tree)
             if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "StringStruct"]
    assert ("ProductVersion", "0.1.0") in pairs and ("OriginalFilename", "faceapp-cli.exe") in pairs
    assert ("FileDescription", "Attendance 'n' access") in pairs


def test_gpu_check_runs_on_the_cpu_and_refuses_a_missing_gpu(tmp_path):
    """build/gpu/gpu_check.py is what a GPU session will run: keep it working here."""
    import json

    script = ROOT / "build" / "gpu" / "gpu_check.py"
    out = tmp_path / "cpu.json"
    r = subprocess.run([sys.executable, str(script), "--provider", "cpu", "--frames", "2", "--batches", "1,2",
                        "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "GPU CHECK PASSED" in r.stdout, r.stderr
    rep = json.loads(out.read_text())
    assert rep["latency_ms_640x480"]["cpu"]["total"] > 0 and set(rep["embed_batch"]["cpu"]) == {"1", "2"}
    r = subprocess.run([sys.executable, str(script), "--frames", "2", "--batches", "1"], capture_output=True,
                       text=True, timeout=300)
    if r.returncode == 0:  # a machine with a working CUDA: then it must have compared with the CPU
        assert "descriptor_max_distance_cuda_vs_cpu" in r.stdout and "GPU CHECK PASSED" in r.stdout
    else:
        assert r.returncode == 1 and "GPU CHECK FAILED" in r.stderr and "Traceback" not in r.stderr
