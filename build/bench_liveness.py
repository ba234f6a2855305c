#!/usr/bin/env python3
"""Latency of the door's liveness policies, side by side in one run (issue 22).

Per frame: the Hamilton clip through four RecognitionServices (door_liveness off, challenge,
passive, passive_then_challenge), each with a simulated door and the same database (Lin-Manuel
Miranda and Alex Lacamoire enrolled, an always-open access group), frames dealt to the four in
turn so machine load falls on all alike. Per face: MiniFASNet's crops (both scales) and the
two models on one face, and the whole engine (detect, landmarks, descriptor) on one frame.

    PYTHONPATH=. python build/bench_liveness.py [--frames 150] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))
CLIP = FACES / "video" / "short_hamilton_clip.mp4"
POLICIES = ("off", "challenge", "passive", "passive_then_challenge")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def enrolled_context(db: Path):  # noqa: ANN201 - AppContext
    """A database with the clip's two people enrolled, an always-open group, a simulated door."""
    from faceapp.app import build_context
    from faceapp.vision.imageio import read_image

    ctx = build_context(db, provider="cpu", allow_new_db=True)
    ex = FACES / "face_recognition_examples"
    for number, name, folder in (("1001", "Lin-Manuel Miranda", "lin_manuel_miranda"),
                                 ("1002", "Alex Lacamoire", "alex_lacamoire")):
        faces = [ctx.engine.analyze(read_image(p), max_faces=1)[0] for p in sorted((ex / folder).iterdir())]
        ctx.enrolment().enrol(number, name, "Cast", faces, consent_at=datetime.now(timezone.utc))
    g = ctx.repo.create_access_group("Always", {d: ["00:00-24:00"] for d in
                                                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, actor="bench")
    for number in ("1001", "1002"):
        ctx.repo.set_employee_access_groups(ctx.repo.find_employee(number).id, [g.id], actor="bench")
    ctx.save_settings(ctx.settings.replace(door_backend="simulated"))
    return ctx


def read_clip(limit: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(CLIP))
    out = []
    while len(out) < limit:
        ok, bgr = cap.read()
        if not ok:
            break
        out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return out


def per_face(ctx, frames: list[np.ndarray], reps: int) -> dict:  # noqa: ANN001
    engine = ctx.engine
    passive = engine.passive_liveness()
    frame = next(f for f in frames if engine.analyze(f, max_faces=1))
    box = engine.analyze(frame, max_faces=1)[0].box[None]
    t_crop, t_score, t_engine = [], [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        crops = passive.crops(frame, box)
        t1 = time.perf_counter()
        passive.score_crops(crops)
        t2 = time.perf_counter()
        t_crop.append((t1 - t0) * 1000)
        t_score.append((t2 - t1) * 1000)
    for _ in range(max(3, reps // 10)):
        t0 = time.perf_counter()
        engine.analyze(frame)
        t_engine.append((time.perf_counter() - t0) * 1000)
    return {"passive_crops_ms": statistics.median(t_crop), "passive_models_ms": statistics.median(t_score),
            "engine_frame_ms": statistics.median(t_engine), "frame_px": list(frame.shape[:2])}


def per_frame(ctx, frames: list[np.ndarray]) -> dict:  # noqa: ANN001
    services = {}
    for pol in POLICIES:
        s = ctx.settings.replace(door_liveness=pol)
        svc = ctx.recognition(source=f"bench-{pol}", access=True, settings=s)
        svc.prepare_liveness()
        services[pol] = svc
    times: dict[str, list[float]] = {p: [] for p in POLICIES}
    kinds: dict[str, list[str]] = {p: [] for p in POLICIES}
    model_faces = {p: 0 for p in POLICIES}
    for pol, svc in services.items():
        if svc.passive is not None:
            real = svc.passive.score_crops

            def counted(crops, real=real, pol=pol):  # noqa: ANN001, ANN202
                model_faces[pol] += len(crops)
                return real(crops)

            svc.passive.score_crops = counted
    for i, frame in enumerate(frames):
        order = POLICIES[i % 4:] + POLICIES[:i % 4]  # each policy goes first as often
        for pol in order:
            t0 = time.perf_counter()
            _, anns = services[pol].process(frame, i, T0 + timedelta(milliseconds=40 * i))
            times[pol].append((time.perf_counter() - t0) * 1000)
            kinds[pol] += [a.kind for a in anns]
    out = {}
    for pol in POLICIES:
        t = sorted(times[pol])
        out[pol] = {"frames": len(t), "mean_ms": statistics.fmean(t), "median_ms": statistics.median(t),
                    "p95_ms": t[int(0.95 * (len(t) - 1))], "faces_scored_by_models": model_faces[pol],
                    "announcements": {k: kinds[pol].count(k) for k in sorted(set(kinds[pol]))}}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    frames = read_clip(args.frames)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = enrolled_context(Path(tmp) / "bench.db")
        try:
            face = per_face(ctx, frames, args.reps)
            frame = per_frame(ctx, frames)
        finally:
            ctx.close()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Per face (median of {args.reps}): MiniFASNet crops {face['passive_crops_ms']:.2f} ms, both models "
          f"{face['passive_models_ms']:.2f} ms; whole engine on the frame {face['engine_frame_ms']:.1f} ms "
          f"({face['frame_px'][1]}x{face['frame_px'][0]})")
    print(f"\nPer frame, {len(frames)} frames of the Hamilton clip each, interleaved (load average {load:.1f}):")
    print(f"{'door_liveness':<24}{'mean ms':>9}{'median':>9}{'p95':>9}{'faces scored':>14}  announcements")
    for pol, r in frame.items():
        print(f"{pol:<24}{r['mean_ms']:>9.1f}{r['median_ms']:>9.1f}{r['p95_ms']:>9.1f}"
              f"{r['faces_scored_by_models']:>14}  {r['announcements']}")
    if args.json:
        args.json.write_text(json.dumps({"per_face": face, "per_frame": frame, "load": load}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
