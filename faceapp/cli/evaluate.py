"""eval-pairs and eval-ident: accuracy of the engine on labelled photos.

The only product module that imports faceapp.evaluation."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
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

    p = sub.add_parser(
        "pad-report", help="presentation-attack detection report (APCER/BPCER) of the door's liveness policies",
        description="Measure passive liveness, the head-turn challenge and both combined against real "
                    "captures (the MiniFASNet repository's sample images), rendered print/cut-out/bent/"
                    "phone/monitor attacks of LFW development photos at several sizes, and bona fide video "
                    "and photos; choose the operating point on a tuning split and write the table, "
                    "reported on a separate test split, with the settings used, to OUT (a text file to "
                    "hand to a customer). Takes minutes. Exit 3 when an input is missing or unreadable, "
                    "1 when OUT cannot be written, 2 for bad options.")
    p.add_argument("out", metavar="OUT.txt", help="where the report is written")
    p.add_argument("--samples", required=True, metavar="DIR",
                   help="the upstream repository's images/sample folder (image_F1.jpg, image_F2.jpg, image_T1.jpg)")
    p.add_argument("--shared", default=None, metavar="DIR",
                   help="shared face data (lfw/, video/short_hamilton_clip.mp4); default $FACEAPP_SHARED_FACES")
    p.add_argument("--per-species", type=int, default=12, help="rendered attacks per species and split (default 12)")
    p.add_argument("--photos", type=int, default=40, help="bona fide LFW photos per split (default 40)")
    p.add_argument("--frames", type=int, default=12, help="frames per rendered attack (default 12)")
    p.add_argument("--min-face", type=int, default=60,
                   help="smallest face the detector looks for, px (default 60: a door camera's faces are larger)")
    p.add_argument("--accept", type=float, default=None, help="report at this pass score instead of tuning one")
    p.add_argument("--reject", type=float, default=None, help="report at this refuse score instead of tuning one")
    p.add_argument("--json", metavar="OUT.json", default=None, help="also write every figure as JSON")
    p.add_argument("--cache", metavar="FILE.pkl", default=None, help="reuse the scored presentations between runs")
    p.set_defaults(func=cmd_pad_report)

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


def _unwritable(out: Path) -> str:
    """Why `out` cannot be written ('' when it can): a real write of a scratch file beside it
    (permission bits do not tell for root, read-only mounts or ACLs), and OUT itself opened for
    appending when it exists, without changing it."""
    import tempfile

    try:
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".faceapp-write-check-"):
            pass
        if out.exists():
            with open(out, "ab"):
                pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return ""


def _cached_presentations(cache: Path, pad) -> list:  # noqa: ANN001 (the evaluation.pad module)
    """The scored presentations a previous run left in --cache; anything else is an input
    error (exit 3), not a traceback. (A pickle runs code when loaded: give only your own.)"""
    import pickle

    try:
        data = pickle.loads(cache.read_bytes())
    except OSError as exc:
        raise pad.PadInputError(f"cannot read {cache}: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - unpickling raises many types for a foreign file
        raise pad.PadInputError(f"{cache} is not a pad-report cache ({type(exc).__name__})") from exc
    if not isinstance(data, list) or not all(isinstance(p, pad.Presentation) for p in data):
        raise pad.PadInputError(f"{cache} is not a pad-report cache (no scored presentations in it)")
    return data


def cmd_pad_report(args: argparse.Namespace) -> int:
    """Collect (or load) the presentations, tune on one split, report on the other."""
    import os
    import pickle

    from .common import EXIT_CHECK, EXIT_USAGE
    from ..evaluation import pad
    from ..settings import Settings

    out = Path(args.out)
    if args.per_species < 1 or args.photos < 1 or args.frames < 6:
        print("error: --per-species and --photos must be >= 1 and --frames >= 6", file=sys.stderr)
        return EXIT_USAGE
    if (args.accept is None) != (args.reject is None) or (
            args.accept is not None and not 0 <= args.reject <= args.accept <= 1):
        print("error: give --accept and --reject together, 0 <= reject <= accept <= 1", file=sys.stderr)
        return EXIT_USAGE
    if not out.parent.is_dir() or out.is_dir():
        print(f"error: cannot write {out}: no such folder, or it is a folder", file=sys.stderr)
        return EXIT_CHECK
    cache = Path(args.cache) if args.cache else None
    targets = [out, *([Path(args.json)] if args.json else []),
               *([cache] if cache is not None and not cache.is_file() else [])]
    for target in targets:  # before minutes of work, not after
        unwritable = _unwritable(target)
        if unwritable:
            print(f"error: cannot write {target}: {unwritable}", file=sys.stderr)
            return EXIT_CHECK
    samples = Path(args.samples)
    if not samples.is_dir():
        raise pad.PadInputError(f"{samples} is not a folder (give the upstream images/sample folder)")
    shared = Path(args.shared or os.environ.get("FACEAPP_SHARED_FACES", ""))
    clip_path = shared / "video" / "short_hamilton_clip.mp4"
    settings = Settings().liveness
    t0 = time.perf_counter()
    cached = cache is not None and cache.is_file()
    if cached:
        presentations = _cached_presentations(cache, pad)
    else:
        people = pad.dev_people(shared)  # checks the shared data before the models load
        if not clip_path.is_file():
            raise pad.PadInputError(f"{clip_path} not found (set --shared or FACEAPP_SHARED_FACES)")
        from ..vision.engine import FaceEngine

        engine = FaceEngine.load(Path(args.models_dir) if args.models_dir else None, provider=args.provider,
                                 min_face_px=args.min_face)
        passive = engine.passive_liveness()
        presentations = pad.upstream_samples(engine, passive, samples)
        clip = pad.read_video(clip_path)
        bgs = pad.backgrounds(engine, clip, 8)
        presentations += pad.rendered_attacks(engine, passive, people, args.per_species, args.frames, bgs,
                                              progress=lambda m: print(m, file=sys.stderr))
        presentations += pad.photo_bona_fide(engine, passive, people, args.photos)
        presentations += pad.clip_bona_fide(engine, passive, clip, 45, 15)
        if cache is not None:
            cache.write_bytes(pickle.dumps(presentations))
    if args.accept is None:
        op = pad.choose_operating_point(presentations, settings)
    else:
        op = {"accept": args.accept, "reject": args.reject, "rule": {"accept": "given (--accept)",
                                                                     "reject": "given (--reject)"}}
    s = settings
    from .. import __version__

    report = {
        "written_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "version": __version__,
        "models": "MiniFASNetV2 (2.7x box) + MiniFASNetV1SE (4.0x box), minivision-ai/Silent-Face-Anti-Spoofing, "
                  "Apache-2.0; head turn: faceapp recognition/liveness.py",
        "settings": {"door_liveness": "passive_then_challenge", "liveness_passive_accept": op["accept"],
                     "liveness_passive_reject": op["reject"], "liveness_passive_frames": s.passive_frames,
                     "liveness_min_yaw_change_deg": s.min_yaw_change_deg,
                     "liveness_min_parallax": s.min_parallax, "liveness_window_frames": s.window_frames,
                     "rendered_frames": args.frames, "min_face_px": args.min_face},
        "operating_point": op,
        "table": pad.table(presentations, op["accept"], op["reject"], s),
        "notes": ["Real captures: only the 3 sample images of the MiniFASNet authors' repository (2 attacks, 1 "
                  "real person) and the video and photos of real people; every other attack is rendered, not a "
                  "physical print or screen in front of a camera. Measure on your own site before relying on "
                  "these figures.",
                  "'Single photos of people' are single LFW photos (public web photos of real people): they "
                  "cannot turn their head, so the challenge refuses them; 'prompted' counts how many the "
                  "combined policy would ask.",
                  f"{len(presentations)} presentations, "
                  + (f"scores read from {cache.name}" if cached else f"{time.perf_counter() - t0:.0f} s")],
    }
    text = pad.format_table(report)
    try:
        out.write_text(text, encoding="utf-8")
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write the report: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CHECK
    print(text, end="")
    return 0
