#!/usr/bin/env python3
"""faceapp vs the face_recognition library, side by side on the same frames and pairs.

    pip install face_recognition dlib-bin      # optional, only for this comparison
    python build/bench_vs_face_recognition.py [--frames 30] [--pairs ../shared/data/faces/lfw/pairs.csv]

Per-frame latency: both pipelines (detect + landmarks + descriptor) on the same 640x480
frames, interleaved frame by frame so machine noise hits both alike; the ratio is of medians.
Accuracy: LFW fold 1 with the same 10-fold CV code for both (face_recognition: largest
HOG face; when none is found, the whole image as the face box, as its own examples do).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACES = ROOT.parent / "shared" / "data" / "faces"


def frames() -> list[np.ndarray]:
    from faceapp.cli.bench import letterbox
    from faceapp.core.imageio import read_image

    ex = FACES / "face_recognition_examples"
    photos = [ex / "lin_manuel_miranda" / "lin-manuel-miranda.png", ex / "alex_lacamoire" / "alex-lacamoire.png",
              ex / "kit_harington" / "john1.jpeg", ex / "rose_leslie" / "img1.jpg"]
    return [letterbox(read_image(p), 640, 480) for p in photos]


def fr_pipeline(img: np.ndarray, upsample: int) -> list[np.ndarray]:
    import face_recognition

    locs = face_recognition.face_locations(img, number_of_times_to_upsample=upsample)
    return face_recognition.face_encodings(img, locs)


def latency(engine, imgs: list[np.ndarray], n: int) -> dict:
    t_app, t_fr0, t_fr1 = [], [], []
    for i in range(n):
        img = imgs[i % len(imgs)]
        t0 = time.perf_counter()
        engine.analyze(img)
        t1 = time.perf_counter()
        fr_pipeline(img, 0)
        t2 = time.perf_counter()
        fr_pipeline(img, 1)
        t3 = time.perf_counter()
        t_app.append(t1 - t0), t_fr0.append(t2 - t1), t_fr1.append(t3 - t2)
    med = {k: 1000 * float(np.median(v)) for k, v in
           {"faceapp": t_app, "face_recognition_upsample0": t_fr0, "face_recognition_default": t_fr1}.items()}
    return {"frames": n, "median_ms": {k: round(v, 1) for k, v in med.items()},
            "speedup_vs_upsample0": round(med["face_recognition_upsample0"] / med["faceapp"], 2),
            "speedup_vs_default": round(med["face_recognition_default"] / med["faceapp"], 2)}


def fr_embed(path: Path) -> np.ndarray:
    import face_recognition

    img = face_recognition.load_image_file(str(path))
    locs = face_recognition.face_locations(img, number_of_times_to_upsample=1)
    if not locs:
        locs = [(0, img.shape[1], img.shape[0], 0)]
    h, w = img.shape[:2]
    best = min(locs, key=lambda l: abs((l[0] + l[2]) / 2 - h / 2) + abs((l[1] + l[3]) / 2 - w / 2))
    return face_recognition.face_encodings(img, [best])[0]


def accuracy(engine, pairs_csv: Path) -> dict:
    from faceapp.core.evaluation import accuracy_at, cv_accuracy, load_pairs, roc_auc
    from faceapp.core.pairs_eval import evaluate_pairs

    pairs = load_pairs(pairs_csv)
    ours = evaluate_pairs(engine, pairs, 0.6)
    emb = {p: fr_embed(p) for p in sorted({x.a for x in pairs} | {x.b for x in pairs})}
    dist = np.array([np.linalg.norm(emb[p.a] - emb[p.b]) for p in pairs])
    same = np.array([p.same for p in pairs])
    return {"pairs": len(pairs),
            "faceapp": {"cv10": ours["accuracy_cv10"], "at_0.6": ours["accuracy_fixed"], "auc": ours["roc_auc"]},
            "face_recognition": {"cv10": cv_accuracy(dist, same).mean, "at_0.6": accuracy_at(dist, same, 0.6),
                                 "auc": roc_auc(dist, same)}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--pairs", type=Path, default=FACES / "lfw" / "pairs.csv")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    from faceapp.core.engine import FaceEngine

    engine = FaceEngine.load(provider="cpu")
    report = {"latency_640x480": latency(engine, frames(), args.frames)}
    lat = report["latency_640x480"]
    print(f"per-frame median over {lat['frames']} frames (640x480, one face): "
          + ", ".join(f"{k} {v} ms" for k, v in lat["median_ms"].items()))
    print(f"faceapp is {lat['speedup_vs_upsample0']}x faster than face_recognition (upsample 0), "
          f"{lat['speedup_vs_default']}x than its default (upsample 1)")
    if not args.skip_accuracy:
        acc = accuracy(engine, args.pairs)
        report["lfw_fold1"] = acc
        for k in ("faceapp", "face_recognition"):
            a = acc[k]
            print(f"LFW fold 1 {k:17s} 10-fold CV {100 * a['cv10']:.2f}%  at 0.6 {100 * a['at_0.6']:.2f}%  "
                  f"AUC {a['auc']:.4f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
