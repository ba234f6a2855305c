#!/usr/bin/env python3
"""Detection recall on the dev photos, two checkouts side by side (issue 19: speed changes
must not cost faces).

Per checkout (its own PYTHONPATH, whole-frame FaceEngine.detect at the app's defaults):
  * detection_dlib_voc: the 18 hand-labelled faces found (IoU >= 0.4 with a detection), and
    detections that match no labelled face;
  * lfw (1,369 photos, one labelled person each): photos with at least one face;
  * group_photos: faces per photo;
  * the Hamilton clip: faces over its 275 frames;
and whether every box equals the other checkout's (to 0.001 px, and exactly with scores and
landmarks).

    python build/bench_detection.py --base /work/wt/base-75080fe
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES = Path(os.environ.get("FACEAPP_SHARED_FACES", ROOT.parent / "shared" / "data" / "faces"))

_WORKER = r"""
import csv, json, sys
from pathlib import Path
import cv2, numpy as np
from faceapp.vision.engine import FaceEngine
from faceapp.vision.imageio import read_image
faces, out = Path(sys.argv[1]), Path(sys.argv[2])
engine = FaceEngine.load(provider="cpu")
boxes, exact = {}, {}
def det(key, image):
    d = engine.detect(image)
    boxes[key] = d.boxes.round(3).tolist()
    exact[key] = [d.boxes.tolist(), d.scores.tolist(), d.landmarks.tolist()]  # float32 values, exactly
for p in sorted((faces / "detection_dlib_voc").glob("*.jpg")):
    det("voc/" + p.name, read_image(p))
for p in sorted((faces / "lfw" / "images").glob("*/*.jpg")):
    det("lfw/" + p.name, read_image(p))
for p in sorted((faces / "group_photos").glob("*.jpg")):
    det("group/" + p.name, read_image(p))
cap = cv2.VideoCapture(str(faces / "video" / "short_hamilton_clip.mp4"))
i = 0
while True:
    ok, bgr = cap.read()
    if not ok:
        break
    det(f"clip/{i:04d}", cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    i += 1
out.write_text(json.dumps({"boxes": boxes, "exact": exact}))
"""


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def summary(boxes: dict) -> dict:
    import csv

    truth: dict[str, list] = {}
    with open(FACES / "detection_dlib_voc" / "boxes.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            x, y, w, h = (float(row[k]) for k in ("x", "y", "w", "h"))
            truth.setdefault(row["image"].split("/")[-1], []).append((x, y, x + w, y + h))
    found = extra = total = 0
    for name, gts in truth.items():
        dets = boxes.get("voc/" + name, [])
        total += len(gts)
        found += sum(any(iou(g, d) >= 0.4 for d in dets) for g in gts)
        extra += sum(not any(iou(g, d) >= 0.4 for g in gts) for d in dets)
    lfw = [v for k, v in boxes.items() if k.startswith("lfw/")]
    return {"voc_found": f"{found}/{total}", "voc_unmatched_detections": extra,
            "lfw_photos_with_a_face": f"{sum(bool(v) for v in lfw)}/{len(lfw)}",
            "group_faces": {k[6:]: len(v) for k, v in boxes.items() if k.startswith("group/")},
            "clip_faces": sum(len(v) for k, v in boxes.items() if k.startswith("clip/"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True)
    args = ap.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in (("base", args.base.resolve()), ("this", ROOT)):
            out = Path(tmp) / f"{name}.json"
            subprocess.run([sys.executable, "-c", _WORKER, str(FACES), str(out)], check=True, cwd=path,
                           env={**os.environ, "PYTHONPATH": str(path)})
            results[name] = json.loads(out.read_text())
    for name, res in results.items():
        print(f"{name}: {json.dumps(summary(res['boxes']))}")
    base, this = results["base"], results["this"]
    same = sum(base["boxes"][k] == this["boxes"].get(k) for k in base["boxes"])
    print(f"identical boxes (to 0.001 px): {same} of {len(base['boxes'])} images/frames")
    if "exact" in base:
        same = sum(base["exact"][k] == this["exact"].get(k) for k in base["exact"])
        print(f"identical boxes, scores and landmarks (float32, exactly): {same} of {len(base['exact'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
