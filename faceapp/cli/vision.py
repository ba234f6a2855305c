"""detect, compare and eval-pairs: the engine from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

from ..core.errors import ImageReadError
from ..core.settings import RecognitionSettings

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

    p = sub.add_parser("eval-pairs", help="verification accuracy, CV threshold and ROC AUC on a pairs CSV")
    p.add_argument("pairs", metavar="PAIRS.csv", help="CSV with img_a,img_b,same columns")
    p.add_argument("--root", default=None, help="folder the image paths are relative to")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    p.add_argument("--no-fallback", action="store_true",
                   help="count pairs with an undetected face as errors instead of using a centre crop")
    p.add_argument("--json", metavar="OUT", default=None, help="also write the report as JSON")
    p.set_defaults(func=cmd_eval_pairs)

    p = sub.add_parser("eval-ident", help="open-set identification: rank-1 and false accepts per threshold")
    p.add_argument("split", metavar="SPLIT.csv", help="CSV with path,identity,role (gallery/probe/unknown)")
    p.add_argument("--root", default=None)
    p.add_argument("--thresholds", default="0.40,0.45,0.50,0.55,0.60",
                   help="comma-separated distance thresholds to report")
    p.add_argument("--min-margin", type=float, default=None, help="default: the min_margin setting")
    p.add_argument("--json", metavar="OUT", default=None)
    p.set_defaults(func=cmd_eval_ident)


def _face_dict(f) -> dict:
    q = f.quality
    return {
        "box": [round(float(v), 1) for v in f.box],
        "score": round(f.score, 4),
        "size_px": round(q.size_px, 1),
        "eye_distance_px": round(q.eye_distance_px, 1),
        "blur": round(q.blur, 1),
        "brightness": round(q.brightness, 1),
        "yaw_deg": round(q.yaw_deg, 1),
        "roll_deg": round(q.roll_deg, 1),
    }


def cmd_detect(args: argparse.Namespace) -> int:
    from . import EXIT_INPUT, load_engine
    from ..core.imageio import read_image

    engine = load_engine(args)
    failed = 0
    for path in args.images:
        try:
            img = read_image(path)
        except ImageReadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        faces = engine.analyze(img)
        if args.json:
            print(json.dumps({"image": path, "width": img.shape[1], "height": img.shape[0],
                              "faces": [_face_dict(f) for f in faces]}))
            continue
        print(f"{path}: {len(faces)} face(s) in {img.shape[1]}x{img.shape[0]}")
        for i, f in enumerate(faces):
            d = _face_dict(f)
            x1, y1, x2, y2 = d["box"]
            print(f"  #{i + 1} box=({x1:.0f},{y1:.0f},{x2:.0f},{y2:.0f}) score={d['score']:.3f} "
                  f"size={d['size_px']:.0f}px eyes={d['eye_distance_px']:.0f}px blur={d['blur']:.0f} "
                  f"brightness={d['brightness']:.0f} yaw={d['yaw_deg']:+.0f}° roll={d['roll_deg']:+.0f}°")
    return EXIT_INPUT if failed else 0


def _largest_face(engine, path: str):
    from . import NoFaceError
    from ..core.imageio import read_image

    faces = engine.analyze(read_image(path), max_faces=1)
    if not faces:
        raise NoFaceError(f"{path}: no face found")
    return faces[0]


def cmd_compare(args: argparse.Namespace) -> int:
    from . import load_engine
    from ..core.engine import distance

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


def cmd_eval_pairs(args: argparse.Namespace) -> int:
    from . import load_engine
    from ..core.evaluation import load_pairs
    from ..core.pairs_eval import evaluate_pairs, format_report

    pairs = load_pairs(Path(args.pairs), Path(args.root) if args.root else None)
    engine = load_engine(args)
    t0 = time.perf_counter()
    report = evaluate_pairs(engine, pairs, args.threshold, fallback=not args.no_fallback)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["provider"] = engine.provider
    report["model_id"] = engine.model_id
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def cmd_eval_ident(args: argparse.Namespace) -> int:
    from . import load_engine
    from ..core.ident_eval import evaluate_identification, format_identification, load_split

    rows = load_split(Path(args.split), Path(args.root) if args.root else None)
    engine = load_engine(args)
    margin = RecognitionSettings().min_margin if args.min_margin is None else args.min_margin
    report = evaluate_identification(engine, rows, [float(t) for t in args.thresholds.split(",")], margin)
    print(format_identification(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0
