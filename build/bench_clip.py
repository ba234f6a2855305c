#!/usr/bin/env python3
"""The Hamilton clip through `faceapp identify`, two checkouts side by side (issue 19).

Speed: both checkouts enrol Lin-Manuel Miranda (1 still) and Alex Lacamoire (3 stills) in a
fresh database of their own (a simulated door, so every decision is also an access attempt),
then run `faceapp identify CLIP` in alternating rounds; the report gives each one's wall
time and frames per second (process start to exit, so model loading counts; and without the start-up, timed as the same
command on one still), their ratio,
the load average, and the bookings and access attempts each made (they must be the same).

    python build/bench_clip.py --base /work/main [--rounds 3]

Miss rate (--miss): this checkout's live loop (RecognitionService: tracker, track-guided
detection; an empty gallery) against the whole-frame search on every frame of the clip: a
face the whole frame finds (score >= the engine's 0.9) that the loop's search did not find
(IoU >= 0.5) is a miss.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))
CLIP = FACES / "video" / "short_hamilton_clip.mp4"
STILL = FACES / "face_recognition_examples" / "lin_manuel_miranda" / "lin-manuel-miranda.png"

_OUTCOME = r"""
import json, sys
from faceapp.app import build_context
ctx = build_context(sys.argv[1])
ev = sorted((e.employee_name, e.kind, round(e.score, 3)) for e in ctx.repo.events(None, None))
acc = sorted((a.employee_id or 0, a.granted, a.reason) for a in ctx.repo.access_log(None, None))
print(json.dumps({"events": ev, "access": acc}))
"""


def faceapp(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run([sys.executable, "-m", "faceapp", "--provider", "cpu", *args], capture_output=True,
                          text=True, env=env, cwd=path)


def prepare(path: Path, db: Path) -> None:
    ex = FACES / "face_recognition_examples"
    env = {**os.environ, "PYTHONPATH": str(path)}
    subprocess.run([sys.executable, "-c", "import sys; from faceapp.app import build_context; "
                    "c = build_context(sys.argv[1]); "
                    "c.save_settings(c.settings.replace(timezone='Europe/Berlin', door_backend='simulated'))",
                    str(db)], check=True, env=env, cwd=path)
    for name, number, photos in (("Lin-Manuel Miranda", "1001", [ex / "lin_manuel_miranda" / "lin-manuel-miranda.png"]),
                                 ("Alex Lacamoire", "1002", sorted((ex / "alex_lacamoire").iterdir()))):
        r = faceapp(path, "--db", str(db), "enroll", "--consent", "--name", name, "--number", number,
                    *map(str, photos))
        if r.returncode:
            raise SystemExit(f"enrol failed in {path}: {r.stderr}")
    subprocess.run([sys.executable, "-c", "import sys; from faceapp.app import build_context; "
                    "c = build_context(sys.argv[1]); "
                    "g = c.repo.create_access_group('Always', {d: ['00:00-24:00'] for d in "
                    "('mon','tue','wed','thu','fri','sat','sun')}, actor='bench'); "
                    "[c.repo.set_employee_access_groups(c.repo.find_employee(n).id, [g.id], actor='bench') "
                    "for n in ('1001', '1002')]", str(db)], check=True, env=env, cwd=path)


def speed(base: Path, rounds: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"base": base.resolve(), "this": ROOT}
        walls: dict[str, list[float]] = {k: [] for k in sides}
        outcomes: dict[str, list[dict]] = {k: [] for k in sides}
        starts: dict[str, list[float]] = {k: [] for k in sides}
        loads = []
        for r in range(rounds):
            for name in (list(sides) if r % 2 == 0 else list(sides)[::-1]):
                db = Path(tmp) / f"{name}{r}.db"
                prepare(sides[name], db)
                t = time.perf_counter()  # start-up: the same command on one still (models loaded, one frame)
                faceapp(sides[name], "--db", str(Path(tmp) / f"{name}{r}-start.db"), "identify", str(STILL))
                starts[name].append(time.perf_counter() - t)
                t = time.perf_counter()
                out = faceapp(sides[name], "--db", str(db), "identify", str(CLIP), "--start",
                              "2026-11-23T08:59:00+01:00")
                walls[name].append(time.perf_counter() - t)
                loads.append(os.getloadavg()[0])
                if out.returncode:
                    raise SystemExit(f"identify failed in {name}: {out.stderr[-2000:]}")
                frames = int(out.stdout.split(" frame(s) processed")[0].split()[-1])
                env = {**os.environ, "PYTHONPATH": str(sides[name])}
                outcomes[name].append(json.loads(subprocess.run([sys.executable, "-c", _OUTCOME, str(db)],
                                                                 capture_output=True, text=True, check=True,
                                                                 env=env, cwd=sides[name]).stdout))
        for name in sides:
            best = min(walls[name])
            start = min(starts[name])
            print(f"{name}: identify wall {', '.join(f'{w:.1f}' for w in walls[name])} s -> "
                  f"{frames / best:.1f} fps at best, {frames / sorted(walls[name])[len(walls[name]) // 2]:.1f} median "
                  f"({frames} frames); start-up (identify of one still) {start:.1f} s, so the frames alone at "
                  f"{frames / max(best - start, 1e-3):.1f} fps")
        print(f"speed-up (best wall) x{min(walls['base']) / min(walls['this']):.2f}; "
              f"load average 1 min min {min(loads):.1f} max {max(loads):.1f}; {os.cpu_count()} cores")
        for name in sides:
            print(f"{name} outcome: {outcomes[name][0]}")
        same = all(o == outcomes["base"][0] for v in outcomes.values() for o in v)
        print("same bookings and access attempts in every run:", same)
        return 0 if same else 1


def miss_rate() -> int:
    """The live loop's own detection (RecognitionService with its tracker, an empty gallery)
    against whole-frame detection of every frame."""
    import cv2
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from datetime import datetime, timedelta, timezone

    from faceapp.app import build_context
    from faceapp.recognition.tracker import iou_matrix

    with tempfile.TemporaryDirectory() as tmp:
        ctx = build_context(Path(tmp) / "miss.db", provider="cpu")
        svc = ctx.recognition(source="bench")
        engine = ctx.engine
        seen: list[np.ndarray] = []
        analyze = svc.detection.analyze

        def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            faces = analyze(*args, **kwargs)
            seen.append(np.array([f.box for f in faces]).reshape(-1, 4))
            return faces

        svc.detection.analyze = spy
        cap = cv2.VideoCapture(str(CLIP))
        whole = missed = extra = frames = 0
        t_full = t_guided = 0.0
        t0 = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            image = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            t = time.perf_counter()
            svc.process(image, frames, t0 + timedelta(milliseconds=33 * frames))
            t_guided += time.perf_counter() - t
            t = time.perf_counter()
            ref = engine.analyze(image)
            t_full += time.perf_counter() - t
            frames += 1
            a = np.array([f.box for f in ref]).reshape(-1, 4)
            b = seen[-1]
            iou = iou_matrix(a, b)
            whole += len(a)
            missed += int(np.sum(~(iou >= 0.5).any(1))) if len(b) else len(a)
            extra += int(np.sum(~(iou >= 0.5).any(0))) if len(a) else len(b)
        ctx.close()
    g = svc.detection
    print(f"{frames} frames: whole-frame search found {whole} faces; the live loop's search missed {missed} "
          f"({100.0 * missed / max(whole, 1):.2f}%), found {extra} the whole frame did not; "
          f"{g.full_frames} whole-frame searches, {g.region_frames} near the tracks; "
          f"whole-frame analyze {1000 * t_full / frames:.1f} ms vs the live loop's process() "
          f"{1000 * t_guided / frames:.1f} ms per frame (load {os.getloadavg()[0]:.1f})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, help="the other checkout (e.g. /work/main)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--miss", action="store_true", help="miss rate of the guided search on the clip")
    args = ap.parse_args(argv)
    if args.miss:
        return miss_rate()
    if args.base is None:
        ap.error("--base is needed for the speed comparison")
    return speed(args.base, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
