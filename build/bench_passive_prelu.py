#!/usr/bin/env python3
"""Per-face latency of the passive-liveness models, two models/ folders side by side.

For the PReLU rewrite of the MiniFASNet graphs (depthwise 1x1 convolutions instead of ONNX
Runtime's PRelu): the same real face crops (faces of the Hamilton clip, the app's crop rule)
through both folders' MiniFASNetV2 + MiniFASNetV1SE, as the door scores them
(PassiveLiveness.score_crops), runs interleaved (each side goes first as often) so machine load
falls on both alike. Wall time and CPU time (all of this process's threads) per call, with the
app's session options (ONNX Runtime's own thread count) and with one thread; the scores of
both sides are compared exactly.

    mkdir -p /tmp/base && for f in manifest.json minifasnet_v2.onnx minifasnet_v1se.onnx; do
        git show <commit before the rewrite>:models/$f > /tmp/base/$f; done
    PYTHONPATH=. python build/bench_passive_prelu.py --base /tmp/base [--reps 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))
CLIP = FACES / "video" / "short_hamilton_clip.mp4"


def clip_crops(n_faces: int) -> np.ndarray:
    """(n_faces, 2, 80, 80, 3) crops of the first faces of the clip, as the door cuts them."""
    from faceapp.shared.paths import models_dir
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.liveness_model import PassiveLiveness
    from faceapp.vision.models import Manifest
    from faceapp.vision.runtime import Runtime

    engine = FaceEngine.load(provider="cpu")
    passive = PassiveLiveness.load(Manifest(models_dir()), Runtime("cpu"))
    cap, out = cv2.VideoCapture(str(CLIP)), []
    while len(out) < n_faces:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        faces = engine.analyze(rgb)
        if faces:
            out.extend(passive.crops(rgb, np.stack([f.box for f in faces])))
    if len(out) < n_faces:
        raise SystemExit(f"{CLIP}: only {len(out)} faces found")
    return np.stack(out[:n_faces])


def timed(fn, crops: np.ndarray) -> tuple[float, float, list]:  # noqa: ANN001
    t0, c0 = time.perf_counter(), time.process_time()
    scores = fn(crops)
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000, scores


def main(argv: list[str] | None = None) -> int:
    from faceapp.shared.paths import models_dir
    from faceapp.vision.liveness_model import PassiveLiveness
    from faceapp.vision.models import Manifest
    from faceapp.vision.runtime import Runtime

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="a models/ folder (manifest + both MiniFASNet files) to compare with")
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--faces", type=int, default=4, help="faces per call in the second row")
    args = ap.parse_args(argv)
    crops = clip_crops(max(args.faces, 1))
    sides = {"base": args.base, "this": models_dir()}
    print(f"base {args.base}, this {models_dir()}; {args.reps} calls each, interleaved, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'threads':<10}{'faces':>6}{'base wall':>11}{'this wall':>11}{'x':>7}{'base CPU':>10}{'this CPU':>10}"
          f"{'x':>7}  same scores")
    for threads in (0, 1):
        models = {k: PassiveLiveness.load(Manifest(d), Runtime("cpu", intra_op_threads=threads))
                  for k, d in sides.items()}
        for m in models.values():
            m.warmup()
        for n in (1, args.faces):
            batch = crops[:n]
            wall: dict[str, list[float]] = {k: [] for k in sides}
            cpu: dict[str, list[float]] = {k: [] for k in sides}
            same = True
            for i in range(args.reps):
                order = ("base", "this") if i % 2 == 0 else ("this", "base")
                got = {}
                for k in order:
                    w, c, got[k] = timed(models[k].score_crops, batch)
                    wall[k].append(w)
                    cpu[k].append(c)
                same = same and got["base"] == got["this"]
            mw = {k: statistics.median(v) for k, v in wall.items()}
            mc = {k: statistics.median(v) for k, v in cpu.items()}
            print(f"{threads or 'ort':<10}{n:>6}{mw['base']:>9.2f}ms{mw['this']:>9.2f}ms"
                  f"{mw['base'] / mw['this']:>7.2f}{mc['base']:>8.2f}ms{mc['this']:>8.2f}ms"
                  f"{mc['base'] / max(mc['this'], 1e-9):>7.2f}  {'yes' if same else 'NO'}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
