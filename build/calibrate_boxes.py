#!/usr/bin/env python3
"""Measure how dlib's frontal-detector boxes (which the 5-point predictor was
trained on) sit relative to MTCNN's boxes. Needs dlib (dlib-bin) and ../shared/data/faces.

    python build/calibrate_boxes.py [N_IMAGES]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import dlib

    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    faces = ROOT.parent / "shared" / "data" / "faces" / "lfw" / "images"
    paths = sorted(faces.glob("*/*.jpg"))[::3][:n]
    engine = FaceEngine.load(provider="cpu")
    hog = dlib.get_frontal_face_detector()
    rows = []
    for p in paths:
        img = read_image(p)
        dets = engine.detect(img)
        rects = hog(img, 0)
        if len(dets) == 0 or len(rects) == 0:
            continue
        for r in rects:
            d = np.array([r.left(), r.top(), r.right() + 1, r.bottom() + 1], float)
            cx, cy = (d[0] + d[2]) / 2, (d[1] + d[3]) / 2
            b = dets.boxes
            bc = np.c_[(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2]
            i = int(np.argmin(np.hypot(bc[:, 0] - cx, bc[:, 1] - cy)))
            w, h = b[i, 2] - b[i, 0], b[i, 3] - b[i, 1]
            if np.hypot(bc[i, 0] - cx, bc[i, 1] - cy) > 0.3 * w:
                continue
            rows.append(((cx - bc[i, 0]) / w, (cy - bc[i, 1]) / h, (d[2] - d[0]) / max(w, h)))
    a = np.array(rows)
    med = np.median(a, 0)
    print(f"{len(a)} matched faces from {len(paths)} images")
    print(f"mapping = {{'cx': {med[0]:.4f}, 'cy': {med[1]:.4f}, 'scale': {med[2]:.4f}}}")
    print(f"spread (IQR): cx {np.subtract(*np.percentile(a[:, 0], [75, 25])):.4f} "
          f"cy {np.subtract(*np.percentile(a[:, 1], [75, 25])):.4f} "
          f"scale {np.subtract(*np.percentile(a[:, 2], [75, 25])):.4f}")


if __name__ == "__main__":
    main()
