"""eval-pairs and eval-ident: accuracy of the engine on labelled photos.

The only product module that imports faceapp.evaluation."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..recognition.settings import RecognitionSettings
from .vision import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
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


def cmd_eval_pairs(args: argparse.Namespace) -> int:
    from .common import load_engine
    from ..evaluation.metrics import load_pairs
    from ..evaluation.pairs import evaluate_pairs, format_report

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
    from .common import load_engine
    from ..evaluation.identification import evaluate_identification, format_identification, load_split

    rows = load_split(Path(args.split), Path(args.root) if args.root else None)
    engine = load_engine(args)
    margin = RecognitionSettings().min_margin if args.min_margin is None else args.min_margin
    report = evaluate_identification(engine, rows, [float(t) for t in args.thresholds.split(",")], margin)
    print(format_identification(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0
