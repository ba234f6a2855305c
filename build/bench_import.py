#!/usr/bin/env python3
"""`faceapp employees import` of lfw_scale, two checkouts side by side (issue 19).

Both import the same list (build/make_import_csv.py: every photo of the first --limit people)
into fresh databases, alternating, and the report gives each one's wall time, the CPU time
of the import and its worker processes (CPU / wall: the cores it kept busy), the ratio, the
load average and whether every person got the same outcome (imported with the same samples,
or refused for the same reason). On a machine other sessions keep busy, Linux's autogroup
scheduling gives one session about the same share however many processes it runs, so the
ratio shows only where cores are idle.

    python build/bench_import.py --base /work/main [--limit 600] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_import(path: Path, db: Path, csv_path: Path) -> tuple[float, float, list[str]]:
    """(wall s, CPU s of the import and its worker processes, output lines without the time)."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", "--db", str(db), "employees", "import",
                        str(csv_path), "--consent"], capture_output=True, text=True, env=env, cwd=path)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode not in (0, 1):
        raise SystemExit(f"import failed in {path} ({r.returncode}): {r.stderr[-2000:]}")
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    return wall, cpu, [ln for ln in lines if " photos in " not in ln]  # the summary line carries the time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=600, help="people (0: all 2,234)")
    ap.add_argument("--photos", type=int, default=100, help="photos per person at most")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "people.csv"
        subprocess.run([sys.executable, str(ROOT / "build" / "make_import_csv.py"), "lfw_scale", "--photos",
                        str(args.photos), "--limit", str(args.limit), "--out", str(csv_path)], check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
        rows = len(csv_path.read_text(encoding="utf-8").splitlines()) - 1
        sides = {"base": args.base.resolve(), "this": ROOT}
        walls: dict[str, list[float]] = {k: [] for k in sides}
        outs: dict[str, list[list[str]]] = {k: [] for k in sides}
        loads = []
        for r in range(args.rounds):
            for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                wall, cpu, lines = run_import(sides[name], Path(tmp) / f"{name}{r}.db", csv_path)
                walls[name].append(wall)
                outs[name].append(lines)
                loads.append(os.getloadavg()[0])
                print(f"{name}: {wall:.1f} s, CPU {cpu:.1f} s = {cpu / wall:.2f} cores busy (load {loads[-1]:.1f})",
                      flush=True)
    for name in sides:
        print(f"{name}: {rows} photos in {min(walls[name]):.1f} s at best -> {rows / min(walls[name]):.1f} photos/s")
    print(f"speed-up x{min(walls['base']) / min(walls['this']):.2f}; load average 1 min min {min(loads):.1f} "
          f"max {max(loads):.1f}; {os.cpu_count()} cores")
    same = all(o == outs["base"][0] for v in outs.values() for o in v)
    print(f"same outcome per person ({len(outs['base'][0])} lines): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
