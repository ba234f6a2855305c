#!/usr/bin/env python3
"""Write tests/fixtures/dlib_reference.npz with dlib itself (the reference implementation).

For each packaged test photo (skimage astronaut, matplotlib grace_hopper) we store what
dlib produces for its largest face: the frontal detector rectangle (left, top, right,
bottom; inclusive), the 5 landmarks, the 150 px face chip (padding 0.25) and the 128-D
descriptor of that chip. The tests compare our ONNX/numpy pipeline against these numbers,
so CI needs no dlib. Run once by hand (needs `pip install dlib-bin face_recognition_models`):

    python build/make_dlib_fixtures.py [--models DIR_WITH_DAT_FILES]
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "dlib_reference.npz"
log = logging.getLogger("make_dlib_fixtures")


def photos() -> dict[str, np.ndarray]:
    import matplotlib.cbook
    from PIL import Image
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        hopper = np.asarray(Image.open(fh).convert("RGB"))
    return {"astronaut": np.ascontiguousarray(data.astronaut()), "grace_hopper": np.ascontiguousarray(hopper)}


def main(argv: list[str] | None = None) -> int:
    import dlib

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=None, help="folder with the two dlib .dat files")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.models is None:
        import face_recognition_models

        args.models = Path(face_recognition_models.__file__).parent / "models"
    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(str(args.models / "shape_predictor_5_face_landmarks.dat"))
    rec = dlib.face_recognition_model_v1(str(args.models / "dlib_face_recognition_resnet_model_v1.dat"))
    arrays: dict[str, np.ndarray] = {"dlib_version": np.asarray(dlib.__version__)}
    for name, img in photos().items():
        rects = detector(img, 1)
        if not rects:
            raise SystemExit(f"dlib found no face in {name}")
        r = max(rects, key=lambda q: q.area())
        shape = sp(img, r)
        chip = dlib.get_face_chip(img, shape, size=150, padding=0.25)
        desc = np.asarray(rec.compute_face_descriptor(chip), np.float32)
        arrays[f"{name}_rect"] = np.asarray([r.left(), r.top(), r.right(), r.bottom()], np.int32)
        arrays[f"{name}_shape5"] = np.asarray([[p.x, p.y] for p in shape.parts()], np.float32)
        arrays[f"{name}_chip"] = np.asarray(chip, np.uint8)
        arrays[f"{name}_descriptor"] = desc
        log.info("%s: rect %s, |descriptor| %.4f", name, arrays[f"{name}_rect"].tolist(), np.linalg.norm(desc))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(buf.getvalue())
    log.info("wrote %s (%d bytes)", args.out, len(buf.getvalue()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
