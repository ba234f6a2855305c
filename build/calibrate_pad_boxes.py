#!/usr/bin/env python3
"""Measure how MTCNN's face box maps onto the box of the passive-liveness models' own
detector (upstream RetinaFace Caffe model of minivision-ai/Silent-Face-Anti-Spoofing).

MiniFASNet was trained on patches of 2.7x / 4.0x ITS detector's box; faceapp has MTCNN
boxes. For each photo both detectors run, and the median centre shift (in MTCNN box widths
/ heights) and side ratios are printed: the values of faceapp/vision/liveness_model.py BOX_MAP.
Photos: the upstream samples and the first LFW development photos. Needs cv2 with the Caffe
importer (opencv < 5, e.g. the torch venv of build/exporters/minifasnet.py):

    PYTHONPATH=. /work/torchvenv/bin/python build/calibrate_pad_boxes.py --repo GITDIR [--n 60]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "build"))

from exporters.minifasnet import SAMPLES, git_show, upstream_box  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from faceapp.vision.engine import FaceEngine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, required=True)
    ap.add_argument("--n", type=int, default=60, help="LFW development photos")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp())
    shared = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))
    images = [cv2.imdecode(np.frombuffer(git_show(args.repo, s), np.uint8), cv2.IMREAD_COLOR) for s in SAMPLES]
    images += [cv2.imread(str(p)) for p in sorted((shared / "lfw" / "images").glob("*/*_0001.jpg"))[:args.n]]
    engine = FaceEngine.load(provider="cpu", warmup=False)
    rows = []
    for bgr in images:
        dets = engine.detect(bgr[:, :, ::-1].copy())
        if not len(dets):
            continue
        x, y, w, h = upstream_box(args.repo, work, bgr)
        ucx, ucy = x + w / 2, y + h / 2
        cx = (dets.boxes[:, 0] + dets.boxes[:, 2]) / 2
        cy = (dets.boxes[:, 1] + dets.boxes[:, 3]) / 2
        i = int(np.argmin((cx - ucx) ** 2 + (cy - ucy) ** 2))  # the same face
        x1, y1, x2, y2 = (float(v) for v in dets.boxes[i])
        mw, mh = x2 - x1, y2 - y1
        if abs(ucx - cx[i]) > 0.5 * mw:
            continue
        rows.append(((ucx - cx[i]) / mw, (ucy - cy[i]) / mh, w / mw, h / mh))
    a = np.array(rows)
    med = np.median(a, 0)
    q = np.percentile(a, [25, 75], 0)
    print(json.dumps({"faces": len(rows), "dx": round(float(med[0]), 3), "dy": round(float(med[1]), 3),
                      "sx": round(float(med[2]), 3), "sy": round(float(med[3]), 3),
                      "iqr": [[round(float(v), 3) for v in r] for r in q]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
