"""1:N search benchmark: time and memory of Gallery.search on a large synthetic gallery.

Prints figures; not a test. Single-query search reads the whole matrix once (51 MB for
100k x 128 float32), so it is memory-bandwidth bound and sensitive to other load; on busy
shared cores OPENBLAS_NUM_THREADS=1 is faster than OpenBLAS's default threads. Default: 20,000 people x 5 templates = 100,000 descriptors of
128 floats, queries are noisy copies of enrolled people (so the decision path runs too).

    PYTHONPATH=. python build/bench_search.py [--people 20000] [--per 5] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faceapp.recognition.gallery import Gallery  # noqa: E402


def rss_bytes() -> int | None:
    """Current resident set size (Linux /proc); None elsewhere."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def mib(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:.1f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--per", type=int, default=5)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    centres = rng.normal(size=(args.people, args.dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    ids = np.repeat(np.arange(1, args.people + 1, dtype=np.int64), args.per)
    mat = np.repeat(centres, args.per, axis=0)
    mat += rng.normal(scale=0.02, size=mat.shape).astype(np.float32)  # ~0.3 between templates
    who = rng.integers(0, args.people, args.queries)
    queries = (centres[who] + rng.normal(scale=0.02, size=(args.queries, args.dim))).astype(np.float32)

    rss0 = rss_bytes()
    tracemalloc.start()
    t0 = time.perf_counter()
    gallery = Gallery(ids, mat)
    build_s = time.perf_counter() - t0
    built_cur, built_peak = tracemalloc.get_traced_memory()
    rss1 = rss_bytes()
    del mat  # the gallery keeps its own sorted copy

    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    gallery.search(queries[:1])
    search_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()

    for q in queries[:20]:  # warm-up (BLAS threads, caches)
        gallery.search(q[None])
    times, correct = [], 0
    for q, w in zip(queries, who):
        t = time.perf_counter()
        [m] = gallery.search(q[None])
        times.append((time.perf_counter() - t) * 1e3)
        correct += m.employee_id == w + 1
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]

    batch = queries[:8]
    t = time.perf_counter()
    reps = 20
    for _ in range(reps):
        gallery.search(batch)
    batch_ms = (time.perf_counter() - t) * 1e3 / reps

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, 1-min load {load:.2f} "
          "(other work on the cores inflates the times)")
    print(f"gallery: {gallery.n_people:,} people x {args.per} = {gallery.n_templates:,} templates, "
          f"dim {gallery.dim}, built in {build_s * 1e3:.0f} ms")
    print(f"single-query search ({len(times)} queries): median {statistics.median(times):.2f} ms, "
          f"p90 {p90:.2f} ms, min {times[0]:.2f} ms, max {times[-1]:.2f} ms")
    print(f"batch of {len(batch)} queries: {batch_ms:.2f} ms per call ({batch_ms / len(batch):.2f} ms per query)")
    print(f"identified correctly: {correct}/{len(times)}")
    print(f"memory: gallery arrays {mib(gallery.nbytes)}; tracemalloc during build: current "
          f"{mib(built_cur)}, peak {mib(built_peak)}; RSS delta of build {mib(None if rss0 is None else rss1 - rss0)}; "
          f"extra peak during one search {mib(search_peak)}")


if __name__ == "__main__":
    main()
