#!/usr/bin/env python3
"""Build the one-folder desktop bundle with PyInstaller, run its self-test, archive it.

    pip install -e ".[package]"
    python build/package.py                 # -> build/bundle/dist/faceapp-<version>/
    python build/package.py --archive       # also faceapp-<version>-<os>-<arch>.zip / .tar.gz

Run it on each target OS (PyInstaller does not cross-compile): Linux and Windows are the
supported kiosks; on macOS the same command also makes faceapp.app (unsigned; README).
Install the folder with build/linux/install.sh or build/windows/install.ps1.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build(out: Path) -> Path:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", str(ROOT / "faceapp.spec"), "--noconfirm", "--log-level",
                    "WARN", "--distpath", str(out / "dist"), "--workpath", str(out / "work")], check=True, cwd=ROOT)
    dist = next(p for p in (out / "dist").glob("faceapp-*") if p.is_dir())
    print(f"built {dist} in {time.perf_counter() - t0:.0f} s, {folder_size(dist) / 2**20:.0f} MiB")
    return dist


def cli_executable(dist: Path) -> Path:
    """The console program: faceapp-cli(.exe) on Windows and macOS (the app is windowed), else faceapp."""
    if sys.platform == "win32":
        return dist / "faceapp-cli.exe"
    return dist / ("faceapp-cli" if sys.platform == "darwin" else "faceapp")


def self_test(dist: Path) -> int:
    return subprocess.run([str(cli_executable(dist)), "--provider", "cpu", "--self-test"]).returncode


def platform_tag() -> str:
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    return f"{system}-{machine}"


def archive(dist: Path) -> Path:
    """zip on Windows (Explorer opens it), tar.gz elsewhere (keeps the executable bits)."""
    fmt = "zip" if sys.platform == "win32" else "gztar"
    base = dist.parent / f"{dist.name}-{platform_tag()}"
    path = Path(shutil.make_archive(str(base), fmt, root_dir=dist.parent, base_dir=dist.name))
    print(f"archived {path} ({path.stat().st_size / 2**20:.0f} MiB)")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bundle")
    ap.add_argument("--archive", action="store_true", help="also pack the folder for distribution")
    args = ap.parse_args()
    dist = build(args.out)
    rc = self_test(dist)
    if rc == 0 and args.archive:
        archive(dist)
    return rc


if __name__ == "__main__":
    sys.exit(main())
