"""Measure every distance-unit value of one encoder's pack on the DEVELOPMENT data only (LFW
person set 1, the Hamilton clip; never lfw_scale, where the README's figures are reported),
print each measurement, and with --write store the fitted values, the rule and this command in
build/units/<encoder>.json, which build/packs.py puts into the pack (then
`python build/export_models.py --packs-only` rewrites models/manifest.json).

    PYTHONPATH=. python build/fit_encoder_units.py --encoder mobilefacenet_v1 \
        --cache /tmp/lfw1_mfn.npz --video-cache /tmp/hamilton_mfn.npz [--write]

Measured, each by a stated rule (see RULES):
  impostor_model        probit fit of the lower tail of photo-to-other-person's-centroid pairs
  threshold_range       where the calibrated threshold may go
  match_threshold       the fixed expert-override default
  min_margin            swept at the calibrated 1e-2/1e-3 points and under the fixed override
  track_split_distance  same-person photo pairs (stills) and frame-to-frame jumps (Hamilton clip)
  fusion                yaw weighting grid, FNIR at the calibrated 1e-3 point
  duplicate check       refused/asked shares of distinct people at 0.5% / 5% (reported only:
                        the levels are rates, the same for every encoder)
Dev protocol (the README's "Choosing the threshold" on LFW set 1): people with 6+ photos, 10
seeded splits (build/make_ident_split.py lfw), everyone else enrolled as a distractor, 3
enrolment photos, visits of 3 photos, 4 looks, the threshold calibrated from the gallery only.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from statistics import NormalDist

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "build"))

from faceapp.evaluation.identification import Protocol, _arrange, _rates, _scores, _visit_probes, embed_all, load_split  # noqa: E402,E501
from faceapp.recognition.calibration import fit_tail, impostor_tail, operating_point, pair_histogram  # noqa: E402
from faceapp.recognition.duplicates import DuplicateGallery  # noqa: E402
from faceapp.recognition.fusion import centroids, frame_weight, fuse  # noqa: E402
from faceapp.recognition.gallery import Gallery  # noqa: E402
from faceapp.recognition.settings import RecognitionSettings  # noqa: E402
from faceapp.recognition.tracker import look_schedule  # noqa: E402
from faceapp.recognition.units import EncoderUnits  # noqa: E402

log = logging.getLogger("fit_encoder_units")
SHARED = ROOT.parent / "shared" / "data" / "faces"
_N = NormalDist()
COMMAND = "PYTHONPATH=. python build/fit_encoder_units.py --encoder {enc}"

SITE_N = 500  # a typical site (the dev gallery is 601 people)
STRICTEST = (0.01e-3, 100_000, 4)  # strangers_per_1000 0.01 at 100,000 people, 4 looks
LOOSEST_PAIR_RATE = 1e-2  # a threshold that lets 1 different-person pair in 100 through is no decision
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.15)
FREE = 0.001  # a margin is free when it costs <= 0.1% of mate visits at both calibrated points
YAW_GRID = ((math.inf, 1.0), (30.0, 0.1), (45.0, 0.1), (60.0, 0.1), (90.0, 0.1), (45.0, 0.3), (60.0, 0.3))
SWAP_CAUGHT = 0.99  # the track jump catches 99% of swaps to another person (frame vs frame)

RULES = {
    "impostor_model": "every LFW set-1 photo against the centroid of every other person's first 3 photos "
                      "(821,400 pairs); probit line through the lower tail (calibration.py fit_tail)",
    "threshold_range": f"low: the calibrated threshold of the strictest setting (strangers_per_1000 0.01 at "
                       f"100,000 people, 4 looks) on the measured impostor model; high: the distance within "
                       f"which {LOOSEST_PAIR_RATE:.0%} of dev different-person pairs lie (empirical quantile)",
    "match_threshold": f"fixed override default: 1 stranger in 1,000 visits (the shipped target) at a typical "
                       f"site of {SITE_N} people, 4 looks, on the measured impostor model; checked on the dev "
                       f"splits (FPIR/FNIR at that value)",
    "min_margin": f"largest margin of {MARGINS} that costs <= {FREE:.1%} of mate visits at both calibrated "
                  f"points (1e-2, 1e-3) against margin 0 on the dev splits",
    "track_split_distance": f"the distance within which {1 - SWAP_CAUGHT:.0%} of dev different-person photo-to-photo "
                            f"pairs lie (a swap to another person is caught {SWAP_CAUGHT:.0%} of the time), "
                            f"required above every same-person frame-to-frame step of the Hamilton clip",
    "fusion": "yaw weighting (scale, floor) of the grid with the lowest pooled FNIR at the calibrated 1e-3 point "
              "on the dev splits (ties: the lower FNIR at 1e-2, then no change)",
}


def dev_descriptors(engine, cache: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """(person index, descriptor, yaw) per LFW set-1 photo in name order, and the path dict."""
    rows = load_split(SHARED / "lfw" / "identification_split.csv", SHARED.resolve())
    paths = sorted(Path(p) for p, _, _ in rows)
    desc, failures = embed_all(engine, paths, cache)
    if failures:
        log.info("%d dev photos without a face", len(failures))
    keys = [str(p) for p in paths if str(p) in desc]
    names = sorted({Path(k).parent.name for k in keys})
    pid = np.array([names.index(Path(k).parent.name) for k in keys])
    emb = np.stack([desc[k][0] for k in keys]).astype(np.float32)
    yaw = np.array([float(desc[k][2][2]) for k in keys])
    return pid, emb, yaw, desc


def distances(pid: np.ndarray, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Impostor pairs (photo vs every other person's first-3 centroid), genuine photo-to-photo
    pairs and genuine photo-to-own-centroid (leave-one-out) distances."""
    first3 = np.concatenate([np.flatnonzero(pid == p)[:3] for p in np.unique(pid)])
    people, centres = centroids(pid[first3], emb[first3])
    d = np.sqrt(np.maximum(((emb[:, None, :] - centres[None]) ** 2).sum(-1), 0))
    imp = d[pid[:, None] != people[None, :]]
    gen, loo = [], []
    for p in np.unique(pid):
        idx = np.flatnonzero(pid == p)
        for a in range(len(idx)):
            gen.extend(np.linalg.norm(emb[idx[a + 1:]] - emb[idx[a]], axis=1))
            others = np.delete(idx, a)
            if len(others):
                c = centroids(np.zeros(len(others[:3]), np.int64), emb[others[:3]])[1][0]
                loo.append(float(np.linalg.norm(emb[idx[a]] - c)))
    return np.sort(imp), np.sort(np.array(gen)), np.sort(np.array(loo))


def _weights(desc: dict, scale: float, floor: float) -> dict:
    return {k: (e, frame_weight(float(q[2]), scale, floor) if math.isfinite(scale) else 1.0, q)
            for k, (e, _, q) in desc.items()}


class DevSplits:
    """The dev protocol: people of LFW set 1 with 6+ photos in 10 seeded splits, the rest
    enrolled as distractors, 3 enrolment photos, visits of 3, 4 looks."""

    def __init__(self, desc: dict, units: EncoderUnits, enrol: int = 3, visit: int = 3, seeds: int = 10) -> None:
        import make_ident_split

        self.units = units
        self.looks = 1 if visit == 1 else len(look_schedule(RecognitionSettings().min_decision_frames,
                                                            RecognitionSettings().decision_window_frames))
        self.name = f"enrol {enrol}, visits of {visit}"
        root = SHARED.resolve()
        distractors = load_split(SHARED / "lfw" / "identification_split.csv", root)
        with tempfile.TemporaryDirectory() as tmp:
            files = make_ident_split.write_splits("lfw", 6, seeds, 18, Path(tmp))
            self.splits = [_arrange(load_split(f, root), distractors, Protocol(enrol, visit, self.looks)) for f in files]
        self.desc = desc

    def run(self, desc: dict | None = None, margins=(0.0,), fixed: tuple[float, ...] = ()) -> dict:
        """Pooled counts per (point, margin): point is a target (calibrated) or ("fixed", t)."""
        desc = desc or self.desc
        units = self.units
        pooled: dict = {}
        for split in self.splits:
            names = sorted(i for i, ps in split.gallery.items() if any(p in desc for p in ps))
            ids = np.array([n for n, i in enumerate(names) for p in split.gallery[i] if p in desc], np.int64)
            mat = np.stack([desc[p][0] for i in names for p in split.gallery[i] if p in desc])
            mate_ids, mate_q, _ = _visit_probes([v for v in split.mates if v[0] in names], desc, units)
            str_ids, str_q, _ = _visit_probes(split.strangers, desc, units)
            people, centres = centroids(ids, mat)
            gallery = Gallery(people, centres, threshold=10.0, min_margin=0.0)
            mate = (*_scores(gallery, mate_q, names), mate_ids)
            stranger = (*_scores(gallery, str_q, names), str_ids)
            tail = impostor_tail(ids, mat, people, centres, units.impostor_model)
            points = [(t, operating_point(tail, len(people), t, self.looks, units.threshold_range).threshold)
                      for t in (1e-2, 1e-3)] + [(("fixed", f), f) for f in fixed]
            for key, t in points:
                for m in margins:
                    r = _rates(t, m, mate, stranger, frozenset())
                    acc = pooled.setdefault((key, m), {"miss": 0, "mates": 0, "fa": 0, "strangers": 0, "t": []})
                    acc["miss"] += round(r["fnir"] * len(mate_ids))
                    acc["mates"] += len(mate_ids)
                    acc["fa"] += r["false_accepts"]
                    acc["strangers"] += r["stranger_visits"]
                    acc["t"].append(t)
        return pooled


def _fmt(acc: dict) -> str:
    return (f"threshold {np.median(acc['t']):.3f}  FNIR {acc['miss'] / acc['mates']:.2%} ({acc['miss']} of "
            f"{acc['mates']})  FPIR {acc['fa'] / acc['strangers']:.2%} ({acc['fa']} of {acc['strangers']})")


def hamilton_jumps(engine, video: Path, cache: Path | None, units: EncoderUnits) -> dict:
    """Frame-to-previous-frame and frame-to-fused distances of every face that the IoU tracker
    (no appearance split) keeps in one track, with the frame's scene-change score."""
    import cv2

    from faceapp.recognition.tracker import FaceTracker, Observation

    if cache is not None and cache.is_file():
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    cap = cv2.VideoCapture(str(video))
    tracker = FaceTracker(3, 90, split_distance=1e9, renormalise=units.renormalise)
    last: dict[int, np.ndarray] = {}
    sums: dict[int, list] = {}
    rows, prev_grey, frame = [], None, 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        grey = cv2.cvtColor(cv2.resize(bgr, (160, 90)), cv2.COLOR_BGR2GRAY).astype(np.float32)
        change = float(np.abs(grey - prev_grey).mean()) if prev_grey is not None else 0.0
        prev_grey = grey
        faces = engine.analyze(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        obs = [Observation(f.embedding, frame_weight(f.quality.yaw_deg, units.yaw_scale_deg, units.min_weight),
                           f.quality.size_px) for f in faces]
        boxes = np.stack([f.box for f in faces]) if faces else np.zeros((0, 4))
        tracker.update(frame, boxes, obs, lambda q, quality=math.nan: Gallery.empty().search(q)[0])
        for f, o, tid in zip(faces, obs, tracker.assignment):
            e = np.asarray(f.embedding, np.float64)
            if tid in last:
                s = sums[tid]
                fused = s[0] / s[1]
                if units.renormalise:
                    fused = fused / np.linalg.norm(fused)
                rows.append((frame, tid, np.linalg.norm(e - last[tid]), np.linalg.norm(e - fused), change,
                             f.quality.size_px))
            last[tid] = e
            sums[tid] = [sums.get(tid, [0, 0])[0] + e * o.weight, sums.get(tid, [0, 0])[1] + o.weight]
        frame += 1
    out = {"rows": np.array(rows, np.float64).reshape(-1, 6), "frames": np.array(frame)}
    if cache is not None:
        np.savez(cache, **out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="mobilefacenet_v1")
    ap.add_argument("--cache", type=Path, default=None, help="dev descriptor cache (eval-ident --cache format)")
    ap.add_argument("--video-cache", type=Path, default=None, help="Hamilton clip per-frame jumps (.npz)")
    ap.add_argument("--write", action="store_true", help="write build/units/<encoder>.json")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from faceapp.shared.paths import models_dir
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.models import Manifest

    engine = FaceEngine.load(provider="cpu", encoder=args.encoder)
    current = EncoderUnits.from_pack(args.encoder, Manifest(models_dir()).encoder_entry(args.encoder, False)
                                     .info["units"])
    pid, emb, yaw, desc = dev_descriptors(engine, args.cache)
    fitted: dict = {}
    say = print

    # impostor model
    tail = fit_tail(pair_histogram(pid, emb, *centroids(*_first3(pid, emb))), "shipped model (LFW set 1, "
                    f"{len(np.unique(pid))} people)")
    say(f"impostor model: mu={tail.mu:.4f} sigma={tail.sigma:.4f} pairs={tail.pairs} "
        f"(pack now {current.impostor_model.mu:.4f} / {current.impostor_model.sigma:.4f})")
    fitted["impostor_model"] = {"mu": round(tail.mu, 4), "sigma": round(tail.sigma, 4), "pairs": tail.pairs,
                                "source": tail.source}
    units = replace(current, impostor_model=replace(tail, mu=round(tail.mu, 4), sigma=round(tail.sigma, 4)))
    imp, gen, loo = distances(pid, emb)
    say(f"dev pairs: {len(imp):,} impostor (median {np.median(imp):.3f}), {len(gen):,} same-person photo pairs "
        f"(median {np.median(gen):.3f}, 99% {np.quantile(gen, .99):.3f}, max {gen.max():.3f}), "
        f"{len(loo):,} photo-to-own-centroid (median {np.median(loo):.3f})")

    # threshold range
    rate, n, looks = STRICTEST
    lo = tail.threshold(rate / looks, n)
    hi = float(np.quantile(imp, LOOSEST_PAIR_RATE))
    for name, t in (("low", lo), ("high", hi)):
        say(f"threshold_range {name} {t:.3f}: dev impostor pairs within {np.mean(imp <= t):.2e} "
            f"(model {tail.pair_rate(t):.2e}); same-person photo-to-centroid within {np.mean(loo <= t):.1%}")
    fitted["threshold_range"] = {"value": [round(lo, 3), round(hi, 3)],
                                 "figures": {"impostor_pairs_within_high": float(np.mean(imp <= hi)),
                                             "genuine_within_low": float(np.mean(loo <= lo)),
                                             "genuine_within_high": float(np.mean(loo <= hi))}}
    units = replace(units, threshold_range=(round(lo, 3), round(hi, 3)))

    # fixed override default
    fixed = round(tail.threshold(1e-3 / 4, SITE_N), 3)
    dev = DevSplits(desc, units)
    base = dev.run(margins=MARGINS, fixed=(fixed, current.match_threshold, hi))
    fx = base[(("fixed", fixed), 0.0)]
    say(f"match_threshold {fixed:.3f} (1e-3 per visit at N={SITE_N}, 4 looks); on the dev splits (N about 583, "
        f"no margin): {_fmt(fx)}")
    say(f"  the pack's {current.match_threshold:.3f} on the dev splits: {_fmt(base[(('fixed', current.match_threshold), 0.0)])}")
    fitted["match_threshold"] = {"value": fixed, "figures": {"dev_fnir": fx["miss"] / fx["mates"],
                                                             "dev_fpir": fx["fa"] / fx["strangers"],
                                                             "dev_false_accepts": fx["fa"],
                                                             "dev_stranger_visits": fx["strangers"]}}

    say("min_margin sweep (dev splits, pooled):")
    # margin: the dev protocol, and single photos (more visits, more resolution)
    single = DevSplits(desc, units, 3, 1)
    sweeps = [(dev, base), (single, single.run(margins=MARGINS, fixed=(fixed, hi)))]
    best = 0.0
    for m in MARGINS:
        cost = max((r[(t, m)]["miss"] - r[(t, 0.0)]["miss"]) / r[(t, m)]["mates"]
                   for _, r in sweeps for t in (1e-2, 1e-3))
        if cost <= FREE:
            best = m
        for proto, r in sweeps:
            say(f"  margin {m:.2f} {proto.name}: " + " | ".join(
                f"{lab} FNIR {r[(k, m)]['miss'] / r[(k, m)]['mates']:.2%} FPIR {r[(k, m)]['fa']}/{r[(k, m)]['strangers']}"
                for lab, k in (("1e-2", 1e-2), ("1e-3", 1e-3), (f"fixed {fixed}", ("fixed", fixed)),
                               (f"fixed {hi:.3f}", ("fixed", hi)))))
    say(f"min_margin {best:.2f} (pack now {current.min_margin})")
    fitted["min_margin"] = {"value": best, "figures": {
        f"{proto.name}: {lab}, margin {m}": {"fnir": r[(k, m)]["miss"] / r[(k, m)]["mates"],
                                               "fpir": r[(k, m)]["fa"] / r[(k, m)]["strangers"]}
        for proto, r in sweeps for m in (0.0, best) for lab, k in (("1e-2", 1e-2), ("1e-3", 1e-3),
                                                                   (f"fixed {hi:.3f}", ("fixed", hi)))}}
    units = replace(units, min_margin=best, match_threshold=fixed)

    # track jump
    jump = float(np.quantile(impostor_photo_pairs(pid, emb), 1 - SWAP_CAUGHT))
    video = hamilton_jumps(engine, SHARED / "video" / "short_hamilton_clip.mp4", args.video_cache, units)
    rows = video["rows"]
    cut = rows[:, 4] > 25  # a scene change between the two frames
    same, across = rows[~cut], rows[cut]
    say(f"track_split_distance {jump:.3f} ({1 - SWAP_CAUGHT:.0%} of dev different-person photo pairs within it); "
        f"dev same-person photo pairs within it {np.mean(gen <= jump):.2%}")
    if len(same):
        say(f"  Hamilton clip, {int(video['frames'])} frames: {len(same)} frame-to-frame steps within a scene: "
            f"median {np.median(same[:, 2]):.3f}, 99.9% {np.quantile(same[:, 2], .999):.3f}, max {same[:, 2].max():.3f}; "
            f"frame-to-fused median {np.median(same[:, 3]):.3f}, max {same[:, 3].max():.3f}")
    if len(across):
        say("  across a scene cut (box kept by IoU): " + ", ".join(f"{d:.3f}" for d in sorted(across[:, 2])))
    if len(same) and same[:, 2].max() >= jump:
        say(f"  WARNING: a same-person step of the clip ({same[:, 2].max():.3f}) is above it")
    fitted["track_split_distance"] = {"value": round(jump, 3), "figures": {
        "dev_same_person_photo_pairs_within": float(np.mean(gen <= jump)),
        "hamilton_steps": int(len(same)),
        "hamilton_step_max": float(same[:, 2].max()) if len(same) else None,
        "hamilton_step_q999": float(np.quantile(same[:, 2], .999)) if len(same) else None,
        "hamilton_across_cut": sorted(float(d) for d in across[:, 2])}}

    # fusion weights
    say("fusion (yaw scale, floor) grid, dev splits pooled:")
    grid = []
    protos = (dev, DevSplits(desc, units, 1, 3))
    for scale, floor in YAW_GRID:
        runs = [(proto, proto.run(_weights(desc, scale, floor), margins=(best,))) for proto in protos]
        m3 = sum(r[(1e-3, best)]["miss"] for _, r in runs)
        m2 = sum(r[(1e-2, best)]["miss"] for _, r in runs)
        grid.append((m3, m2, 0 if (scale, floor) == (current.yaw_scale_deg, current.min_weight) else 1, scale, floor))
        for proto, r in runs:
            say(f"  scale {scale:>4} floor {floor} {proto.name}: 1e-3 {_fmt(r[(1e-3, best)])} | "
                f"1e-2 FNIR {r[(1e-2, best)]['miss'] / r[(1e-2, best)]['mates']:.2%}")
    _, _, _, scale, floor = min(grid)
    say(f"fusion: yaw_scale_deg {scale}, min_weight {floor} (pack now {current.yaw_scale_deg}, {current.min_weight})")
    fitted["fusion"] = {"yaw_scale_deg": scale if math.isfinite(scale) else 1e6, "min_weight": floor,
                        "renormalise": current.renormalise,
                        "figures": {f"{s}/{f}": {"miss_1e-3": m3, "miss_1e-2": m2} for m3, m2, _, s, f in grid}}

    # duplicate check
    dup_figures = duplicate_shares(pid, emb, units)
    say(f"duplicate check (0.5% refuse, 5% ask): {dup_figures['summary']}")
    fitted["duplicate_check"] = dup_figures
    if args.write:
        out = ROOT / "build" / "units" / f"{args.encoder}.json"
        out.parent.mkdir(exist_ok=True)
        cmd = COMMAND.format(enc=args.encoder) + " --write"
        doc = {k: v | {"rule": RULES.get(k, "reported only"), "measured_by": cmd} for k, v in fitted.items()}
        out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        say(f"wrote {out.relative_to(ROOT)}")
    return 0


def _first3(pid: np.ndarray, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first3 = np.concatenate([np.flatnonzero(pid == p)[:3] for p in np.unique(pid)])
    return pid[first3], emb[first3]


def impostor_photo_pairs(pid: np.ndarray, emb: np.ndarray) -> np.ndarray:
    """Distances of every pair of photos of two different dev people (frame-vs-frame, as the
    tracker compares)."""
    out = []
    for i in range(0, len(emb), 256):
        d = np.sqrt(np.maximum(((emb[i:i + 256, None, :] - emb[None]) ** 2).sum(-1), 0))
        upper = np.arange(i, i + len(d))[:, None] < np.arange(len(emb))[None, :]
        out.append(d[upper & (pid[i:i + 256, None] != pid[None, :])])
    return np.concatenate(out)


def duplicate_shares(pid: np.ndarray, emb: np.ndarray, units: EncoderUnits) -> dict:
    """Import every dev person from one photo, one after another, into an empty site (its
    tail: the shipped impostor model, kept during the import, as services/enrolment.py does):
    the shares of distinct people refused (0.5%) and asked about (5%)."""
    firsts = [int(np.flatnonzero(pid == p)[0]) for p in np.unique(pid)]
    gal = DuplicateGallery(np.zeros(0, np.int64), np.zeros((0, emb.shape[1]), np.float32), units.impostor_model,
                           0.005, 0.05, renormalise=units.renormalise)
    refused = asked = 0
    for i in firsts:
        check = gal.check(emb[i:i + 1])
        refused += check.kind == "duplicate"
        asked += check.kind == "similar"
        if check.kind != "duplicate":
            gal = gal.adding(int(pid[i]), emb[i:i + 1])
    n = len(firsts)
    return {"people": n, "refused": refused, "asked": asked,
            "refuse_at_end": round(gal.refuse_at, 3), "ask_at_end": round(gal.ask_at, 3),
            "summary": f"{n} distinct dev people imported from one photo each: {refused} refused "
                       f"({refused / n:.2%}), {asked} asked ({asked / n:.2%}); refuse/ask distances at "
                       f"N={len(gal)}: {gal.refuse_at:.3f}/{gal.ask_at:.3f}"}


if __name__ == "__main__":
    raise SystemExit(main())
