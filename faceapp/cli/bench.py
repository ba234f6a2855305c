"""`faceapp bench IMG`: per-stage engine latency on a camera-sized frame, multi-face
throughput, 1:N search at several gallery sizes, peak memory and time to first result,
printed as a table and optionally written as JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

T_PROCESS = time.perf_counter()  # module import ~ process start for `faceapp bench`


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="latency per stage, multi-face throughput, 1:N search, memory, start-up")
    p.add_argument("image", metavar="IMG", help="photo placed (letterboxed) into the frame")
    p.add_argument("--frames", type=int, default=50, help="timed frames (default 50)")
    p.add_argument("--size", default="640x480", help="frame size WxH (default 640x480)")
    p.add_argument("--group", metavar="IMG", default=None, help="photo with several faces for throughput")
    p.add_argument("--gallery", default="1000,10000,100000",
                   help="1:N gallery sizes to time (synthetic templates, 5 per person)")
    p.add_argument("--batch", default="1,8,32",
                   help="embedding batch sizes for descriptor throughput (default 1,8,32; '' to skip)")
    p.add_argument("--encoders", default=None, metavar="ID,ID",
                   help="time the per-frame stages of these encoder packs side by side, in this one run "
                        "(e.g. dlib_resnet_v1,mobilefacenet_v1)")
    p.add_argument("--json", metavar="OUT", default=None, help="also write the figures as JSON")
    p.set_defaults(func=cmd_bench)


def letterbox(img: np.ndarray, w: int, h: int) -> np.ndarray:
    """Scale to fit inside w x h and pad with black, as a camera frame would frame the scene."""
    s = min(w / img.shape[1], h / img.shape[0])
    small = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
    out = np.zeros((h, w, 3), np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out


def _stats(values: list[float]) -> dict:
    return {"median": round(float(np.median(values)), 2), "p90": round(float(np.percentile(values, 90)), 2)}


def synthetic_gallery(n: int, per: int = 5, seed: int = 0, dim: int = 128):
    """n templates of n/per people: unit-scale random descriptors (only the speed matters)."""
    from ..recognition.gallery import Gallery

    rng = np.random.default_rng(seed)
    people = max(1, n // per)
    centres = rng.normal(size=(people, dim)).astype(np.float32) * 0.09
    mat = np.repeat(centres, per, 0) + rng.normal(size=(people * per, dim)).astype(np.float32) * 0.02
    return Gallery(np.repeat(np.arange(people, dtype=np.int64), per), mat)


def run_bench(engine, frame: np.ndarray, frames: int, gallery=None) -> dict:
    """Median/p90 per stage; `match` searches the frame's descriptors in `gallery`."""
    engine.analyze(frame)  # warm caches beyond engine.warmup()
    stages: dict[str, list[float]] = {"detect": [], "align": [], "embed": [], "match": [], "total": []}
    faces = 0
    for _ in range(frames):
        t0 = time.perf_counter()
        found = engine.analyze(frame)
        t1 = time.perf_counter()
        if gallery is not None and found:
            gallery.search(np.stack([f.embedding for f in found]))
        t2 = time.perf_counter()
        faces = len(found)
        for k, v in engine.last_timings.items():
            stages[k].append(v * 1000)
        stages["match"].append((t2 - t1) * 1000)
        stages["total"].append((t2 - t0) * 1000)  # includes quality measures
    return {"frame": f"{frame.shape[1]}x{frame.shape[0]}", "frames": frames, "faces_per_frame": faces,
            "provider": engine.provider, "ms": {k: _stats(v) for k, v in stages.items()}}


def embed_throughput(engine, chip: np.ndarray, sizes: list[int], seconds: float = 1.0) -> dict:
    """Descriptors per second when `size` aligned chips go to the encoder in one call.

    Batches matter on a GPU (one launch for many faces: enrolment from photos, eval, crowds);
    on a CPU they show how far per-call overhead is amortised. Each size runs ~`seconds`.
    """
    out = {}
    for n in sizes:
        batch = np.repeat(chip[None], n, 0)
        engine.embed(batch)  # first call at this shape: allocation, kernel choice
        t = []
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end or len(t) < 3:
            t0 = time.perf_counter()
            engine.embed(batch)
            t.append(time.perf_counter() - t0)
        med = float(np.median(t))
        out[str(n)] = {"ms_per_batch": round(1000 * med, 2), "faces_per_s": round(n / med, 1)}
    return out


def search_times(sizes: list[int], queries: int = 100) -> dict:
    rng = np.random.default_rng(1)
    out = {}
    for n in sizes:
        g = synthetic_gallery(n)
        q = rng.normal(size=(queries, 128)).astype(np.float32) * 0.09
        g.search(q[:1])
        t = []
        for i in range(queries):
            t0 = time.perf_counter()
            g.search(q[i:i + 1])
            t.append((time.perf_counter() - t0) * 1000)
        out[str(n)] = {**_stats(t), "gallery_mib": round(g.nbytes / 2**20, 1)}
    return out


def side_by_side(args: argparse.Namespace, frame: np.ndarray, encoders: list[str]) -> int:
    """Per-frame stage latency of several encoder packs on the same frame, in one process
    (same machine state), rounds interleaved so load drift hits every encoder alike."""
    from .common import load_engine

    engines = {e: load_engine(args, encoder=e) for e in encoders}
    sizes = [int(s) for s in args.gallery.split(",") if s.strip()]
    galleries = {e: synthetic_gallery(sizes[0], dim=g.encoder.dim) if sizes else None for e, g in engines.items()}
    rounds = 5
    runs: dict[str, list[dict]] = {e: [] for e in encoders}
    for _ in range(rounds):
        for e, engine in engines.items():
            runs[e].append(run_bench(engine, frame, max(1, args.frames // rounds), galleries[e]))
    report = {"frame": f"{frame.shape[1]}x{frame.shape[0]}", "frames": args.frames, "encoders": {}}
    for e, rs in runs.items():
        ms = {k: round(float(np.median([r["ms"][k]["median"] for r in rs])), 2) for k in rs[0]["ms"]}
        report["encoders"][e] = {"model_id": engines[e].model_id, "provider": rs[0]["provider"],
                                 "faces_per_frame": rs[0]["faces_per_frame"], "median_ms": ms}
    stages = list(next(iter(report["encoders"].values()))["median_ms"])
    print(f"frame {report['frame']}, {args.frames} frames per encoder in {rounds} interleaved rounds")
    print(f"{'encoder':20s} " + " ".join(f"{s:>8s}" for s in stages) + "  (median ms)")
    for e, r in report["encoders"].items():
        print(f"{e:20s} " + " ".join(f"{r['median_ms'][s]:8.2f}" for s in stages))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def peak_rss_mib() -> float | None:
    """This process's peak resident memory. Linux: VmHWM of /proc/self/status, which starts
    afresh at exec (getrusage's ru_maxrss keeps the parent's peak across fork + exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def cmd_bench(args: argparse.Namespace) -> int:
    from .common import load_engine
    from ..vision.imageio import read_image

    w, h = (int(v) for v in args.size.lower().split("x"))
    frame = letterbox(read_image(args.image), w, h)
    if args.encoders:
        return side_by_side(args, frame, [e.strip() for e in args.encoders.split(",") if e.strip()])
    t0 = time.perf_counter()
    engine = load_engine(args)
    load_s = time.perf_counter() - t0
    first_faces = engine.analyze(frame)
    first_s = time.perf_counter() - T_PROCESS
    sizes = [int(s) for s in args.gallery.split(",") if s.strip()]
    report = run_bench(engine, frame, args.frames,
                       synthetic_gallery(sizes[0], dim=engine.encoder.dim) if sizes else None)
    report.update(engine_load_s=round(load_s, 2), start_to_first_result_s=round(first_s, 2))
    if args.group:
        group = read_image(args.group)
        g = run_bench(engine, group, max(5, args.frames // 5))
        total = g["ms"]["total"]["median"]
        report["group"] = {"image": f"{group.shape[1]}x{group.shape[0]}", "faces": g["faces_per_frame"],
                           "ms_per_frame": total, "faces_per_s": round(1000 * g["faces_per_frame"] / total, 1)}
    batches = [int(b) for b in args.batch.split(",") if b.strip()]
    if batches and first_faces:
        report["embed_batch"] = embed_throughput(engine, first_faces[0].chip, batches)
    report["search_ms"] = search_times(sizes)
    report["peak_rss_mib"] = peak_rss_mib()
    print(f"frame {report['frame']}, {report['faces_per_frame']} face(s), {report['frames']} frames, "
          f"provider {report['provider']}; engine load {load_s:.2f} s, start to first result {first_s:.2f} s")
    print(f"{'stage':8s} {'median ms':>10s} {'p90 ms':>8s}")
    for k, v in report["ms"].items():
        print(f"{k:8s} {v['median']:10.2f} {v['p90']:8.2f}")
    if "group" in report:
        gr = report["group"]
        print(f"several faces: {gr['faces']} in {gr['image']}: {gr['ms_per_frame']:.1f} ms per frame, "
              f"{gr['faces_per_s']} faces/s")
    for n, v in report.get("embed_batch", {}).items():
        print(f"embedding batch {int(n):>3}: {v['ms_per_batch']:.2f} ms per batch, {v['faces_per_s']} faces/s")
    for n, v in report["search_ms"].items():
        print(f"1:N search, {int(n):>7,} templates: median {v['median']:.2f} ms, p90 {v['p90']:.2f} ms "
              f"({v['gallery_mib']} MiB)")
    print(f"peak memory (RSS): {report['peak_rss_mib']} MiB")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0
