#!/usr/bin/env python3
"""Per-frame speed of two faceapp checkouts side by side, interleaved (issue 19).

Each checkout runs in a worker process of its own (its own PYTHONPATH, one ORT session set,
the same thread settings); the driver hands both the same frames in alternating rounds so a
busy machine slows both alike, and reports medians, their ratio and the load average.

    python build/bench_speed.py --base /work/wt/base-75080fe [--rounds 12] [--frames 10]

Frames: the four one-face photos of bench_vs_face_recognition letterboxed into 640x480, and
the 4-face 800x524 sofa photo (group_photos/packt_sample4.jpg) as it is, each analysed whole
(a still); and the first one-face frame as a video stream in steady state: a decided track
there, so this checkout searches near its box (the whole frame every 5th frame) and embeds
it every 5th frame, while a checkout without vision/tracked.py analyses every frame whole.
Besides wall-clock medians it prints the median CPU time per frame (every thread of the
worker): on a machine loaded by others, that is the steadier measure of the work done.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))

_WORKER = r"""
import json, sys, time
import numpy as np
from faceapp.vision.engine import FaceEngine
kw = json.loads(sys.argv[1])
engine = FaceEngine.load(provider="cpu", **kw)
frames = {k: np.load(v) for k, v in json.loads(sys.argv[2]).items()}
for k, f in frames.items():
    engine.analyze(f)
print(json.dumps({"ready": True, "faces": {k: len(engine.analyze(f)) for k, f in frames.items()}}), flush=True)
try:  # the live loop's detection (issue 19); a checkout without it analyses every frame whole
    from faceapp.vision.tracked import TrackGuidedDetection
    from faceapp.services.recognition import RECHECK_EVERY
    from faceapp.recognition.tracker import iou_matrix
except ImportError:
    TrackGuidedDetection = None
streams = {}
for line in sys.stdin:
    key, n = line.split()
    stream = key.startswith("stream-")
    f = frames[key.removeprefix("stream-")]
    out, cpu = [], []
    for _ in range(int(n)):
        t, c = time.perf_counter(), time.process_time()
        if stream and TrackGuidedDetection is not None:
            # a decided track in the frame: searched near its box, embedded every RECHECK_EVERY frames
            st = streams.setdefault(key, {"g": TrackGuidedDetection(engine), "boxes": [], "i": 0})
            st["i"] += 1
            boxes = np.asarray(st["boxes"], np.float64).reshape(-1, 4)
            mask = None if st["i"] % RECHECK_EVERY == 0 or not len(boxes) else (
                lambda b, boxes=boxes: ~(iou_matrix(b, boxes) >= 0.3).any(1))
            faces = st["g"].analyze(f, st["boxes"], mask)
            st["boxes"] = [x.box for x in faces]
        else:
            engine.analyze(f)
        out.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    print(json.dumps([out, cpu]), flush=True)
"""


def one_face_frames() -> list[np.ndarray]:
    sys.path.insert(0, str(ROOT))
    from faceapp.cli.bench import letterbox
    from faceapp.vision.imageio import read_image

    ex = FACES / "face_recognition_examples"
    photos = [ex / "lin_manuel_miranda" / "lin-manuel-miranda.png", ex / "alex_lacamoire" / "alex-lacamoire.png",
              ex / "kit_harington" / "john1.jpeg", ex / "rose_leslie" / "img1.jpg"]
    return [letterbox(read_image(p), 640, 480) for p in photos]


def group_frame() -> np.ndarray:
    from faceapp.vision.imageio import read_image

    return read_image(FACES / "group_photos" / "packt_sample4.jpg")


class Worker:
    def __init__(self, name: str, path: Path, kwargs: dict, frames: dict[str, str]):
        env = {**os.environ, "PYTHONPATH": str(path), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
        self.name = name
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER, json.dumps(kwargs), json.dumps(frames)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=path)
        self.info = json.loads(self.proc.stdout.readline())

    def run(self, key: str, n: int) -> tuple[list[float], list[float]]:
        """Wall-clock and CPU seconds (all threads of the process) per frame."""
        self.proc.stdin.write(f"{key} {n}\n")
        self.proc.stdin.flush()
        wall, cpu = json.loads(self.proc.stdout.readline())
        return wall, cpu

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout (e.g. a worktree of 75080fe)")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--frames", type=int, default=8, help="frames per checkout per round and frame kind")
    ap.add_argument("--encoder", default=None, help="encoder pack for this checkout (default: the manifest's, dlib)")
    ap.add_argument("--base-encoder", default=None, help="encoder pack for the base (if it knows packs)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, f in enumerate(one_face_frames()):
            paths[f"one{i}"] = str(Path(tmp) / f"one{i}.npy")
            np.save(paths[f"one{i}"], f)
        paths["group"] = str(Path(tmp) / "group.npy")
        np.save(paths["group"], group_frame())
        workers = [Worker("base", args.base.resolve(), {"encoder": args.base_encoder} if args.base_encoder else {},
                          paths),
                   Worker("this", ROOT, {"encoder": args.encoder} if args.encoder else {}, paths)]
        print("faces found:", {w.name: w.info["faces"] for w in workers})
        kinds = ("one", "group", "stream", "stream4")
        times = {w.name: {k: [] for k in kinds} for w in workers}
        cpus = {w.name: {k: [] for k in kinds} for w in workers}
        loads = []
        for r in range(args.rounds):
            order = workers if r % 2 == 0 else workers[::-1]
            for w in order:
                runs = [("one", f"one{i}", max(1, args.frames // 4)) for i in range(4)]
                runs += [("group", "group", args.frames), ("stream", "stream-one0", args.frames),
                         ("stream4", "stream-group", args.frames)]
                for kind, key, n in runs:
                    wall, cpu = w.run(key, n)
                    times[w.name][kind] += wall
                    cpus[w.name][kind] += cpu
            loads.append(os.getloadavg()[0])
        for w in workers:
            w.close()
    med = {n: {k: 1000 * float(np.median(v)) for k, v in t.items()} for n, t in times.items()}
    cmed = {n: {k: 1000 * float(np.median(v)) for k, v in t.items()} for n, t in cpus.items()}
    for k, label in (("one", "one face 640x480"), ("group", "4 faces 800x524"),
                     ("stream", "one face 640x480, video"), ("stream4", "4 faces 800x524, video")):
        print(f"{label:18s} base {med['base'][k]:6.1f} ms  this {med['this'][k]:6.1f} ms  "
              f"speed-up x{med['base'][k] / med['this'][k]:.2f}  ({len(times['this'][k])} frames each); "
              f"CPU time {cmed['base'][k]:6.1f} vs {cmed['this'][k]:6.1f} ms, x{cmed['base'][k] / cmed['this'][k]:.2f}")
    print(f"load average (1 min) during the run: min {min(loads):.1f} median {float(np.median(loads)):.1f} "
          f"max {max(loads):.1f}; {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
