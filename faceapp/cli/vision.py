"""detect and compare: the engine from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys

from ..shared.errors import ImageReadError, InvalidValueError
from ..recognition.settings import RecognitionSettings

log = logging.getLogger(__name__)
DEFAULT_THRESHOLD = RecognitionSettings().match_threshold


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="find faces in images and print box, score and quality")
    p.add_argument("images", nargs="+", metavar="IMG")
    p.add_argument("--json", action="store_true", help="one JSON object per image")
    p.set_defaults(func=cmd_detect)

    p = sub.add_parser("compare", help="are the largest faces in two photos the same person?")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"largest distance accepted as same person (default {DEFAULT_THRESHOLD})")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_compare)


def _face_dict(f, scale: float = 1.0) -> dict:
    """The face in the photo file's pixels (a large photo is analysed reduced by `scale`)."""
    q = f.quality
    return {
        "box": [round(float(v) / scale, 1) for v in f.box],
        "score": round(f.score, 4),
        "size_px": round(q.size_px / scale, 1),
        "eye_distance_px": round(q.eye_distance_px / scale, 1),
        "blur": round(q.blur, 1),
        "brightness": round(q.brightness, 1),
        "yaw_deg": round(q.yaw_deg, 1),
        "roll_deg": round(q.roll_deg, 1),
    }


def cmd_detect(args: argparse.Namespace) -> int:
    from .common import EXIT_INPUT, load_engine
    from ..vision.imageio import read_photo

    engine = load_engine(args)
    failed = 0
    for path in args.images:
        try:
            img, scale = read_photo(path)
        except ImageReadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        faces = engine.analyze(img)
        width, height = round(img.shape[1] / scale), round(img.shape[0] / scale)
        if args.json:
            print(json.dumps({"image": path, "width": width, "height": height,
                              "faces": [_face_dict(f, scale) for f in faces]}))
            continue
        print(f"{path}: {len(faces)} face(s) in {width}x{height}")
        for i, f in enumerate(faces):
            d = _face_dict(f, scale)
            x1, y1, x2, y2 = d["box"]
            print(f"  #{i + 1} box=({x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}) score={d['score']:.3f} "
                  f"size={d['size_px']:.0f}px eyes={d['eye_distance_px']:.0f}px blur={d['blur']:.0f} "
                  f"brightness={d['brightness']:.0f} yaw={d['yaw_deg']:+.0f}° roll={d['roll_deg']:+.0f}°")
    return EXIT_INPUT if failed else 0


def _largest_face(engine, path: str):
    from .common import NoFaceError
    from ..vision.imageio import read_image

    faces = engine.analyze(read_image(path), max_faces=1)
    if not faces:
        raise NoFaceError(f"{path}: no face found")
    return faces[0]


def cmd_compare(args: argparse.Namespace) -> int:
    from .common import load_engine
    from ..vision.engine import distance

    if not (math.isfinite(args.threshold) and args.threshold > 0):  # nan compares false with every distance
        raise InvalidValueError(f"--threshold {args.threshold:g}: give a positive distance, e.g. {DEFAULT_THRESHOLD}")
    engine = load_engine(args)
    fa, fb = _largest_face(engine, args.a), _largest_face(engine, args.b)
    d = distance(fa.embedding, fb.embedding)
    same = d <= args.threshold
    verdict = "same person" if same else "different people"
    if args.json:
        print(json.dumps({"a": args.a, "b": args.b, "distance": round(d, 4), "threshold": args.threshold,
                          "same": same}))
    else:
        print(f"distance {d:.4f} (threshold {args.threshold}): {verdict}")
    return 0

