"""eval-pairs and eval-ident: accuracy of the engine on labelled photos.

The only product module that imports faceapp.evaluation."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..recognition.settings import RecognitionSettings
from .common import WORKERS_HELP, workers_arg
from .vision import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval-pairs", help="verification accuracy, CV threshold and ROC AUC on a pairs CSV")
    p.add_argument("pairs", metavar="PAIRS.csv", help="CSV with img_a,img_b,same columns")
    p.add_argument("--root", default=None, help="folder the image paths are relative to")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    p.add_argument("--no-fallback", action="store_true",
                   help="count pairs with an undetected face as errors instead of using a centre crop")
    p.add_argument("--encoder", default=None, metavar="ID",
                   help="encoder pack to evaluate (models/manifest.json; default dlib_resnet_v1)")
    p.add_argument("--json", metavar="OUT", default=None, help="also write the report as JSON")
    p.add_argument("--workers", type=workers_arg, default=None, metavar="N", help=WORKERS_HELP)
    p.set_defaults(func=cmd_eval_pairs)

    p = sub.add_parser("eval-ident", help="open-set identification as the product decides: FNIR at stated FPIRs")
    p.add_argument("split", nargs="+", metavar="SPLIT.csv",
                   help="CSV(s) with path,identity,role (gallery/probe: enrolled people, unknown: strangers); "
                        "several splits are evaluated one by one and pooled")
    p.add_argument("--root", default=None)
    p.add_argument("--distractors", action="append", default=[], metavar="SPLIT.csv",
                   help="enrol every other identity of this CSV too (never probed), to grow the gallery")
    p.add_argument("--enrol-samples", type=int, default=1, help="photos each person is enrolled with (default 1)")
    p.add_argument("--visit-frames", type=int, default=1, help="photos fused into one decision (default 1)")
    p.add_argument("--looks", type=int, default=None,
                   help="looks per visit sharing the stranger budget (default: 1 for single photos, as "
                        "`identify PHOTO`; the live loop's look count otherwise)")
    p.add_argument("--targets", default="0.01,0.001", help="strangers accepted per visit to calibrate for")
    p.add_argument("--thresholds", default=None,
                   help="comma-separated fixed distance thresholds to report as well (default: the encoder's "
                        "fixed threshold x 0.8, 0.9, 1, 1.1, 1.2; dlib: 0.40 ... 0.60)")
    p.add_argument("--min-margin", type=float, default=None, help="default: the encoder's min_margin")
    p.add_argument("--encoder", default=None, metavar="ID",
                   help="encoder pack to evaluate (models/manifest.json; default dlib_resnet_v1)")
    p.add_argument("--same-person", default=None, metavar="PAIRS.csv",
                   help="CSV identity_a,identity_b of one person under two names (dataset label errors): "
                        "such accepts are not counted as false accepts")
    p.add_argument("--sizes", default=None, help="gallery sizes N for the DET curves (default: enrolled, all)")
    p.add_argument("--cache", default=None, metavar="FILE.npz", help="reuse descriptors between runs")
    p.add_argument("--degrade", default=None, metavar="LEVELS",
                   help="evaluate with degraded probes (gallery clean), one row block per level: e.g. "
                        "none,size=60,blur=2,jpeg=50,size=60+blur=2+jpeg=50 (face width px, Gaussian sigma, "
                        "JPEG quality); rows with the clean threshold and with the encoder's quality rule")
    p.add_argument("--plot", default=None, metavar="FILE.png", help="draw the DET curves (needs matplotlib)")
    p.add_argument("--json", metavar="OUT", default=None)
    p.add_argument("--workers", type=workers_arg, default=None, metavar="N", help=WORKERS_HELP)
    p.set_defaults(func=cmd_eval_ident)

def cmd_eval_pairs(args: argparse.Namespace) -> int:
    from .common import load_engine
    from ..evaluation.metrics import load_pairs
    from ..evaluation.pairs import evaluate_pairs, format_report
    from ..vision.workers import worker_count

    pairs = load_pairs(Path(args.pairs), Path(args.root) if args.root else None)
    engine = load_engine(args)
    t0 = time.perf_counter()
    report = evaluate_pairs(engine, pairs, args.threshold, fallback=not args.no_fallback,
                            workers=worker_count(args.workers, engine))
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["provider"] = engine.provider
    report["model_id"] = engine.model_id
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def cmd_eval_ident(args: argparse.Namespace) -> int:
    from .common import EXIT_USAGE, load_engine
    from ..evaluation.identification import (Protocol, evaluate_identification, format_identification, load_split,
                                             json_ready, plot_det, pool_reports, read_same_person)
    from ..recognition.tracker import look_schedule
    from ..recognition.units import units_for
    from ..vision.workers import worker_count

    root = Path(args.root) if args.root else None
    try:
        targets = tuple(float(t) for t in args.targets.split(","))
        thresholds = [float(t) for t in args.thresholds.split(",")] if args.thresholds else []
        sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else None
    except ValueError as exc:
        print(f"error: --targets, --thresholds and --sizes are comma-separated numbers ({exc})", file=sys.stderr)
        return EXIT_USAGE
    if args.enrol_samples < 1 or args.visit_frames < 1 or not all(0 < t < 1 for t in targets):
        print("error: --enrol-samples and --visit-frames must be >= 1, targets between 0 and 1", file=sys.stderr)
        return EXIT_USAGE
    splits = [load_split(Path(s), root) for s in args.split]
    distractors = [row for d in args.distractors for row in load_split(Path(d), root)]
    same = read_same_person(Path(args.same_person)) if args.same_person else frozenset()
    engine = load_engine(args)
    units = units_for(engine)
    s = units.settings(RecognitionSettings())
    thresholds = thresholds or [round(s.match_threshold * f, 3) for f in (0.8, 0.9, 1.0, 1.1, 1.2)]
    live_looks = len(look_schedule(s.min_decision_frames, s.decision_window_frames))
    proto = Protocol(args.enrol_samples, args.visit_frames,
                     args.looks or (1 if args.visit_frames == 1 else live_looks),
                     s.min_margin if args.min_margin is None else args.min_margin, targets,
                     s.strangers_per_1000 / 1000)
    cache = Path(args.cache) if args.cache else None
    if args.degrade is not None:
        return _eval_degraded(args, engine, splits, thresholds, proto, distractors, cache, same, sizes)
    workers = worker_count(args.workers, engine)
    reports = [evaluate_identification(engine, rows, thresholds, proto, distractors, cache, same, sizes,
                                       workers=workers) for rows in splits]
    report = reports[0] if len(reports) == 1 else pool_reports(reports)
    print(format_identification(report))
    if args.plot:
        plot_det(report, Path(args.plot))
        print(f"DET plot: {args.plot}")
    if args.json:
        Path(args.json).write_text(json.dumps(json_ready(report), indent=2), encoding="utf-8")
    return 0


def _eval_degraded(args, engine, splits, thresholds, proto, distractors, cache, same, sizes) -> int:  # noqa: ANN001
    """eval-ident --degrade: the evaluation once per level, the summary of every level."""
    from ..evaluation.degrade import parse_levels
    from ..evaluation.identification import evaluate_identification, format_levels, json_ready, pool_reports
    from ..recognition.quality_model import load_quality_model
    from ..vision.workers import worker_count

    levels = parse_levels(args.degrade)
    quality = load_quality_model(engine.model_id, Path(args.models_dir) if args.models_dir else None)
    if quality is None:
        print(f"note: no quality table for {engine.model_id}: only the clean rule is shown")
    out = []
    for level in levels:
        reports = [evaluate_identification(engine, rows, thresholds, proto, distractors, cache, same, sizes,
                                           level, quality, worker_count(args.workers, engine)) for rows in splits]
        out.append(reports[0] if len(reports) == 1 else pool_reports(reports))
    r = out[0]
    p = r["protocol"]
    print(f"gallery: {r['gallery_people']:,} people, {p['enrol_samples']} clean enrolment photo(s) each; visits of "
          f"{p['visit_frames']} degraded photo(s), {p['looks']} look(s); {r['known_probes']:,} mate and "
          f"{r['unknown_probes']:,} stranger visits (clean)")
    print(format_levels(out))
    if args.json:
        Path(args.json).write_text(json.dumps([json_ready(x) for x in out], indent=2), encoding="utf-8")
    return 0
