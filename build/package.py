#!/usr/bin/env python3
"""Build the one-folder desktop bundle with PyInstaller, run its self-test, archive it.

    pip install -e ".[package]"
    python build/package.py                 # -> build/bundle/dist/faceapp-<version>/ (CPU)
    python build/package.py --variant gpu   # -> build/bundle/dist/faceapp-<version>-gpu/ (CUDA)
    python build/package.py --archive       # also faceapp-<version>[-gpu]-<os>-<arch>.zip / .tar.gz

The CPU variant (default) leaves out ONNX Runtime's CUDA and TensorRT providers; the GPU
variant keeps them (build/bundle_trim.py says what both leave out). The size printed is
what `du` reports: blocks on disk, every file once however many links point at it.

Run it on each target OS (PyInstaller does not cross-compile): Linux and Windows are the
supported kiosks; on macOS the same command also makes faceapp.app (unsigned; README).
Install the folder with build/linux/install.sh or build/windows/install.ps1.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build"))

from bundle_trim import VARIANTS, disk_usage, largest_parts  # noqa: E402


def dist_name(variant: str) -> str:
    """faceapp-<version> for the CPU bundle, faceapp-<version>-gpu for the GPU one (as faceapp.spec names them)."""
    version = re.search(r'__version__\s*=\s*"([^"]+)"', (ROOT / "faceapp" / "__init__.py").read_text(encoding="utf-8"))
    return f"faceapp-{version.group(1)}" + ("-gpu" if variant == "gpu" else "")


def report_size(dist: Path) -> int:
    """Print the folder's size on disk and its ten largest parts; returns the size in bytes."""
    size = disk_usage(dist)
    print(f"{dist.name}: {size / 2**20:.0f} MiB on disk; largest parts:")
    for name, part in largest_parts(dist):
        print(f"  {part / 2**20:7.1f} MiB  {name}")
    return size


def build(out: Path, variant: str = "cpu") -> Path:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "PyInstaller", str(ROOT / "faceapp.spec"), "--noconfirm", "--log-level",
                    "WARN", "--distpath", str(out / "dist"), "--workpath", str(out / "work" / variant)], check=True,
                   cwd=ROOT, env={**os.environ, "FACEAPP_BUNDLE_VARIANT": variant})
    dist = out / "dist" / dist_name(variant)
    print(f"built {dist} ({variant}) in {time.perf_counter() - t0:.0f} s")
    report_size(dist)
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
    ap.add_argument("--variant", choices=VARIANTS, default="cpu",
                    help="cpu: no CUDA provider (runs everywhere, on the CPU); gpu: keeps onnxruntime-gpu's CUDA")
    ap.add_argument("--archive", action="store_true", help="also pack the folder for distribution")
    args = ap.parse_args()
    dist = build(args.out, args.variant)
    rc = self_test(dist)
    if rc == 0 and args.archive:
        archive(dist)
    return rc


if __name__ == "__main__":
    sys.exit(main())
