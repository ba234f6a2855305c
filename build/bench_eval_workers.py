#!/usr/bin/env python3
"""`faceapp eval-pairs` and `eval-ident` on 1 worker and on N worker processes, side by side
(issue 19): wall time of each, the ratio, the load average, and whether the reports are the
same (every line but the one with the time).

    python build/bench_eval_workers.py [--pairs 300] [--ident-rows 1200] [--workers 2] [--rounds 1]

Subsets of LFW fold 1 (../shared/data/faces/lfw/pairs.csv, the first --pairs rows) and of the
lfw_scale identification split (whole identities in name order up to --ident-rows photos).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))


def subset(src: Path, out: Path, rows: int, by_identity: bool) -> int:
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, data = reader.fieldnames, list(reader)
    if by_identity:
        keep, ids = [], set()
        for ident in sorted({r["identity"] for r in data}):
            if len(keep) >= rows:
                break
            ids.add(ident)
            keep += [r for r in data if r["identity"] == ident]
        data = keep
    else:
        data = data[:rows]
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        w.writerows(data)
    return len(data)


def run(args: list[str]) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", *args], capture_output=True, text=True,
                       env=env, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall, [ln for ln in r.stdout.splitlines() if not ln.startswith("time:")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=300, help="pairs of LFW fold 1 (0: skip)")
    ap.add_argument("--ident-rows", type=int, default=1200, help="photos of the lfw_scale split (0: skip)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args(argv)
    same_all = True
    with tempfile.TemporaryDirectory() as tmp:
        jobs = []
        if args.pairs:
            n = subset(SHARED / "lfw" / "pairs.csv", Path(tmp) / "pairs.csv", args.pairs, False)
            jobs.append((f"eval-pairs, {n} pairs", ["eval-pairs", str(Path(tmp) / "pairs.csv"), "--root", str(SHARED)]))
        if args.ident_rows:
            n = subset(SHARED / "lfw_scale" / "identification_split.csv", Path(tmp) / "split.csv", args.ident_rows, True)
            jobs.append((f"eval-ident, {n} photos", ["eval-ident", str(Path(tmp) / "split.csv"), "--root", str(SHARED)]))
        for name, cmd in jobs:
            walls: dict[int, list[float]] = {1: [], args.workers: []}
            outs: dict[int, list[list[str]]] = {1: [], args.workers: []}
            loads = []
            for r in range(args.rounds):
                for w in (list(walls) if r % 2 == 0 else list(walls)[::-1]):
                    wall, lines = run([*cmd, "--workers", str(w)])
                    walls[w].append(wall)
                    outs[w].append(lines)
                    loads.append(os.getloadavg()[0])
                    print(f"{name}, {w} worker(s): {wall:.1f} s (load {loads[-1]:.1f})", flush=True)
            same = all(o == outs[1][0] for v in outs.values() for o in v)
            same_all &= same
            print(f"{name}: 1 worker {min(walls[1]):.1f} s, {args.workers} workers {min(walls[args.workers]):.1f} s "
                  f"at best -> x{min(walls[1]) / min(walls[args.workers]):.2f}; load average 1 min "
                  f"{min(loads):.1f}-{max(loads):.1f}; {os.cpu_count()} cores; same report: {same}", flush=True)
    return 0 if same_all else 1


if __name__ == "__main__":
    sys.exit(main())
