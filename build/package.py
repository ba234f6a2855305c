#!/usr/bin/env python3
"""Build the one-folder desktop bundle with PyInstaller and run its self-test.

    pip install -e ".[package]"
    python build/package.py            # -> build/bundle/dist/faceapp-<version>/

Works on Linux and Windows (run it on each: PyInstaller does not cross-compile); on macOS
the same command builds a folder app (unsigned; see README).
"""

from __future__ import annotations

import argparse
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
    dist = next((out / "dist").glob("faceapp-*"))
    print(f"built {dist} in {time.perf_counter() - t0:.0f} s, {folder_size(dist) / 2**20:.0f} MiB")
    return dist


def self_test(dist: Path) -> int:
    exe = dist / ("faceapp.exe" if sys.platform == "win32" else "faceapp")
    return subprocess.run([str(exe), "--provider", "cpu", "--self-test"]).returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bundle")
    args = ap.parse_args()
    return self_test(build(args.out))


if __name__ == "__main__":
    sys.exit(main())
