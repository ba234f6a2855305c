"""Build the PyInstaller one-folder CPU bundle, check its size and contents, and run its
self-test and desktop app from the built folder (one build: it takes minutes)."""

from __future__ import annotations

import ctypes.util
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build"))


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller not installed")
def test_bundle_builds_and_passes_self_test(tmp_path, figure):
    import package

    dist = package.build(tmp_path, "cpu")
    size = package.disk_usage(dist)  # what `du` says: links and their targets counted once
    print(f"\nbundle {dist.name}: {size / 2**20:.0f} MiB on disk")
    assert size <= 400 * 2**20, f"CPU bundle is {size / 2**20:.0f} MiB on disk (issue 19: at most 400)"
    gpu_providers = [p.name for p in dist.rglob("*onnxruntime_providers_*") if "cuda" in p.name or "tensorrt" in p.name]
    assert not gpu_providers, gpu_providers
    assert not [p for p in dist.rglob("*") if p.is_symlink() and not p.exists()], "dangling links in the bundle"
    assert (dist / "_internal" / "models" / "manifest.json").is_file()
    assert (dist / "_internal" / "resources" / "selftest" / "expected.json").is_file()
    assert (dist / "_internal" / "resources" / "translations" / "faceapp_zh_CN.qm").is_file()
    # no display and no QT_QPA_PLATFORM: the self-test must start Qt off screen by itself.
    # LD_BIND_NOW: every symbol of every library loaded is resolved at once, so a library the
    # trimming took away or a shared runtime lacking a function fails here, not in some later call.
    r = subprocess.run([str(package.cli_executable(dist)), "--provider", "cpu", "--self-test"], capture_output=True,
                       text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "FACEAPP_DB": str(tmp_path / "x.db"),
                                                    "LD_BIND_NOW": "1"})
    print(r.stdout)
    assert r.returncode == 0 and "SELF-TEST PASSED" in r.stdout, r.stdout + r.stderr
    assert "[ok] desktop toolkit" in r.stdout
    figure("desktop bundle", f"{dist.name} (CPU), {size / 2**20:.0f} MiB on disk, self-test from the built folder passed "
           f"({r.stdout.splitlines()[0].split('(')[-1].rstrip(')')})")

    # a site kiosk's PostgreSQL driver: on Linux psycopg uses the system's libpq (no second
    # OpenSSL in the bundle); the site command reaches the connection step, or names the package
    if sys.platform.startswith("linux"):
        assert not list((dist / "_internal").glob("psycopg_binary*")), "psycopg_binary is left to the system's libpq"
        r = subprocess.run([str(package.cli_executable(dist)), "--db", str(tmp_path / "site.db"), "site", "init",
                            "--dsn", "host=/nonexistent dbname=site connect_timeout=2"],
                           capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "LD_BIND_NOW": "1"})
        has_libpq = ctypes.util.find_library("pq") is not None
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stdout + r.stderr
        assert ("libpq5" in r.stderr) != has_libpq, r.stderr  # reached the server step when libpq is there

    # the frozen desktop app itself: window up, models loaded on its worker, log file written
    log_dir = tmp_path / "log"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FACEAPP_DB": str(tmp_path / "gui.db"),
           "FACEAPP_LOG_DIR": str(log_dir), "QT_QPA_PLATFORM": "offscreen"}
    gui = dist / ("faceapp.exe" if sys.platform == "win32" else "faceapp")
    proc = subprocess.Popen([str(gui), "--provider", "cpu"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    text = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and "face engine ready" not in text:
            time.sleep(0.5)
            log_file = log_dir / "faceapp.log"
            text = log_file.read_text(encoding="utf-8") if log_file.is_file() else ""
        assert proc.poll() is None, f"the bundled app exited with {proc.returncode}: {proc.communicate()[0]}"
        assert "face engine ready on CPU" in text, text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
