#!/usr/bin/env python3
"""What the smallest face searched costs and finds (issue 19; recognition/search_size.py).

For MTCNN pyramid starts (min_face_size) given by --starts:
  * found: of --photos LFW set-1 faces (one face each), shrunk so the detector box's shorter
    side is S px and centred in a 640x480 frame, how many are found there, per S;
  * cost: analyze() per frame (wall and CPU time of all threads, medians), the four one-face
    640x480 frames and the 4-face 800x524 photo of bench_speed.py, starts interleaved.

    python build/bench_min_face.py [--starts 25 40 45 50] [--photos 60]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_speed import FACES, group_frame, one_face_frames  # noqa: E402
from bench_vs_face_recognition import face_at  # noqa: E402


def found(engine, starts: list[int], sizes: list[int], n: int) -> dict[int, list[int]]:
    from faceapp.vision.imageio import read_image

    paths = sorted((FACES / "lfw" / "images").glob("*/*.jpg"))
    random.Random(0).shuffle(paths)
    faces = []
    engine.detector.min_face_size = 40
    for p in paths:
        img = read_image(p)
        d = engine.detect(img)
        if len(d) == 1:
            faces.append((img, d.boxes[0]))
        if len(faces) == n:
            break
    out = {}
    for start in starts:
        engine.detector.min_face_size = start
        row = []
        for s in sizes:
            hit = 0
            for img, b in faces:
                side = s * (b[2] - b[0]) / min(b[2] - b[0], b[3] - b[1])  # box width for a shorter side of s
                boxes = engine.detect(face_at(img, b, int(round(side)))).boxes
                hit += any(abs((x[0] + x[2]) / 2 - 320) < s and abs((x[1] + x[3]) / 2 - 240) < s for x in boxes)
            row.append(hit)
        out[start] = row
    return out


def cost(engine, starts: list[int], rounds: int) -> dict:
    frames = {"one face 640x480": one_face_frames(), "4 faces 800x524": [group_frame()]}
    res: dict = {}
    for _ in range(rounds):
        for start in starts:
            engine.detector.min_face_size = start
            for kind, fs in frames.items():
                for f in fs:
                    t, c = time.perf_counter(), time.process_time()
                    engine.analyze(f)
                    res.setdefault((kind, start), []).append((time.perf_counter() - t, time.process_time() - c))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, nargs="+", default=[25, 40, 45, 50])
    ap.add_argument("--sizes", type=int, nargs="+", default=[18, 20, 22, 24, 25, 26, 28, 30])
    ap.add_argument("--photos", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=6)
    args = ap.parse_args(argv)
    from faceapp.vision.engine import FaceEngine

    engine = FaceEngine.load(provider="cpu")
    for start, row in found(engine, args.starts, args.sizes, args.photos).items():
        print(f"start {start:3d}: found " + "; ".join(f"{s} px {h}/{args.photos}" for s, h in zip(args.sizes, row)))
    res = cost(engine, args.starts, args.rounds)
    for kind in ("one face 640x480", "4 faces 800x524"):
        print(kind + ": " + "; ".join(
            f"start {s}: wall {1000 * np.median([w for w, _ in res[(kind, s)]]):.1f} ms, "
            f"CPU {1000 * np.median([c for _, c in res[(kind, s)]]):.1f} ms" for s in args.starts))
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
