"""`faceapp bench IMG`: per-stage engine latency on a camera-sized frame, as printed figures."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="median latency of detect / align / embed on a camera-sized frame")
    p.add_argument("image", metavar="IMG", help="photo placed (letterboxed) into the frame")
    p.add_argument("--frames", type=int, default=50, help="timed frames (default 50)")
    p.add_argument("--size", default="640x480", help="frame size WxH (default 640x480)")
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


def run_bench(engine, frame: np.ndarray, frames: int) -> dict:
    engine.analyze(frame)  # warm caches beyond engine.warmup()
    stages: dict[str, list[float]] = {"detect": [], "align": [], "embed": [], "total": []}
    faces = 0
    for _ in range(frames):
        t0 = time.perf_counter()
        faces = len(engine.analyze(frame))
        total = time.perf_counter() - t0
        for k, v in engine.last_timings.items():
            stages[k].append(v * 1000)
        stages["total"].append(total * 1000)  # includes quality measures
    return {
        "frame": f"{frame.shape[1]}x{frame.shape[0]}", "frames": frames, "faces_per_frame": faces,
        "provider": engine.provider,
        "ms": {k: {"median": round(float(np.median(v)), 2), "p90": round(float(np.percentile(v, 90)), 2)}
               for k, v in stages.items()},
    }


def cmd_bench(args: argparse.Namespace) -> int:
    from . import load_engine
    from ..core.imageio import read_image

    w, h = (int(v) for v in args.size.lower().split("x"))
    frame = letterbox(read_image(args.image), w, h)
    t0 = time.perf_counter()
    engine = load_engine(args)
    load_s = time.perf_counter() - t0
    report = run_bench(engine, frame, args.frames)
    report["engine_load_s"] = round(load_s, 2)
    print(f"frame {report['frame']}, {report['faces_per_frame']} face(s), {report['frames']} frames, "
          f"provider {report['provider']}, engine load {load_s:.2f} s")
    print(f"{'stage':8s} {'median ms':>10s} {'p90 ms':>8s}")
    for k, v in report["ms"].items():
        print(f"{k:8s} {v['median']:10.2f} {v['p90']:8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0
