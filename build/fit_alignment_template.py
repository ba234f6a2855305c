#!/usr/bin/env python3
"""Fit where dlib's 5 points sit in ArcFace's 112 px frame (MobileFaceNet's alignment).

ArcFace-style encoders are trained on chips aligned from MTCNN's 5 points (eye centres, nose
tip, mouth corners) onto a fixed template. The app aligns from dlib's 5 points instead (eye
corners, nose base: MTCNN's points sometimes sit on a second, overlapping face), so the
template positions of dlib's points are measured: on every development photo (LFW person set
1, ../shared/data/faces/lfw; never lfw_scale, which reported figures come from) the
similarity taking that face's MTCNN points onto the ArcFace template is applied to its dlib
points, and the per-point median over faces is the template (geometry only: no descriptor,
no identity, nothing tuned on results). Faces whose MTCNN points fit the template badly
(residual above the 90th percentile: a turned head, a wrong landmark) are left out.

    FACEAPP_SHARED_FACES=../shared/data/faces PYTHONPATH=. python build/fit_alignment_template.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.vision.align import ARCFACE_112_MTCNN5, similarity  # noqa: E402


def points(folder: Path, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(MTCNN points (F, 5, 2), dlib points (F, 5, 2)) of the largest face of every photo."""
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    engine = FaceEngine.load(provider="cpu", warmup=False)
    photos = sorted(folder.glob("*/*.jpg"))[:limit]
    mt, dl = [], []
    for p in photos:
        img = read_image(p)
        dets = engine.detect(img)
        if not len(dets):
            continue
        area = (dets.boxes[:, 2] - dets.boxes[:, 0]) * (dets.boxes[:, 3] - dets.boxes[:, 1])
        dets = dets.select([int(np.argmax(area))])
        shapes5, _ = engine.align(img, dets)
        mt.append(dets.landmarks[0])
        dl.append(shapes5[0])
    return np.asarray(mt, np.float64), np.asarray(dl, np.float64)


def fit(mtcnn5: np.ndarray, dlib5: np.ndarray, keep_quantile: float = 0.9) -> tuple[np.ndarray, int]:
    """(template (5, 2) of dlib's points in the 112 px frame, faces used)."""
    mapped, resid = [], []
    for m, d in zip(mtcnn5, dlib5):
        a = similarity(m, ARCFACE_112_MTCNN5)
        mapped.append(d @ a[:, :2].T + a[:, 2])
        resid.append(np.sqrt((((m @ a[:, :2].T + a[:, 2]) - ARCFACE_112_MTCNN5) ** 2).sum(1).mean()))
    mapped, resid = np.asarray(mapped), np.asarray(resid)
    keep = resid <= np.quantile(resid, keep_quantile)
    return np.median(mapped[keep], axis=0), int(keep.sum())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N photos only (quick look)")
    args = ap.parse_args()
    shared = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))
    folder = shared / "lfw" / "images"
    if not folder.is_dir():
        print(f"error: {folder} not found", file=sys.stderr)
        return 2
    mt, dl = points(folder, args.limit)
    template, used = fit(mt, dl)
    print(json.dumps({"faces": int(len(mt)), "used": used, "points": np.round(template, 4).tolist()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
