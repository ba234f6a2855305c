"""Open-set identification figures for `faceapp eval-ident`, measured with the decision rule the
product uses: centroids of the enrolment photos, fused visits, and the operating point
calibrated from the gallery alone; FNIR at stated FPIRs with their counts and bounds."""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..recognition.calibration import calibrated_gallery
from ..recognition.fusion import centroids, frame_weight, fuse
from ..recognition.units import DLIB_UNITS, EncoderUnits, units_for
from ..recognition.gallery import Gallery
from ..recognition.quality_model import QualityModel, QualityRule, quality_rule
from ..recognition.settings import RecognitionSettings
from ..shared.errors import ImageReadError, InputFileError
from ..vision.imageio import read_image
from ..vision.workers import map_on_engines
from .degrade import Degrade, apply as apply_degrade
from .metrics import IndexFileError, clopper_pearson_upper, read_index

log = logging.getLogger(__name__)

ROLES = ("gallery", "probe", "unknown")
CLEAN = Degrade()


def load_split(csv_path: Path, root: Path | None = None) -> list[tuple[Path, str, str]]:
    """Rows (path, identity, role) with role gallery | probe | unknown."""
    rows, root = read_index(csv_path, {"path", "identity", "role"}, "path", root)
    for line, r in enumerate(rows, start=2):
        if r["role"].strip() not in ROLES:
            raise IndexFileError(f"{csv_path}: line {line}: role={r['role'].strip()!r}; use {', '.join(ROLES)}")
    return [(root / r["path"], r["identity"], r["role"].strip()) for r in rows]


def _largest(engine, path: Path, level: Degrade = CLEAN, face_px: float | None = None) -> tuple | None:
    image = read_image(path)
    faces = engine.analyze(image if level.clean else apply_degrade(image, level, face_px), max_faces=1)
    if not faces:
        return None
    q = faces[0].quality
    return faces[0].embedding, frame_weight(q.yaw_deg), np.array([q.size_px, q.blur, q.yaw_deg], np.float32)


def cache_key(path: str, level: Degrade = CLEAN) -> str:
    """A photo's key in the descriptor cache: its real path (one photo reached through a link
    or another --root is one entry), prefixed by the degradation if any."""
    real = os.path.realpath(path)
    return real if level.clean else f"{level.name}|{real}"


def _largest_or_why(engine, job: tuple[Path, Degrade, float | None]) -> tuple | str:  # noqa: ANN001
    """_largest() of one photo, or why there is none (runs in a worker process too)."""
    try:
        return _largest(engine, *job) or "no face"
    except ImageReadError as exc:
        return str(exc)


def embed_all(engine, paths: list[Path], cache: Path | None = None, level: Degrade = CLEAN,
              face_px: dict[str, float] | None = None, workers: int = 1) -> tuple[dict, dict[str, str]]:
    """{path: (descriptor, fusion weight, quality [size_px, blur, yaw])} of every photo's largest
    face, and the failures. `level` degrades each photo first (face_px: its clean face width, the
    size degradation's reference). With `cache`, descriptors already computed for the same
    model and level are reused (one .npz holds every level). workers: processes embedding the
    photos not in the cache (vision/workers.py); the descriptors are the same."""
    known: dict[str, tuple] = {}
    if cache is not None and cache.is_file():
        z = np.load(cache, allow_pickle=False)
        if str(z["model_id"]) == engine.model_id and "quality" in z:
            known = {p: (e, float(w), q) for p, e, w, q in zip(z["paths"], z["emb"], z["weight"], z["quality"])}
    todo: dict[str, Path] = {}  # each photo once (one file under two paths is one key)
    for path in paths:
        key = cache_key(str(path), level)
        if key not in known:
            todo.setdefault(key, path)
    jobs = [(path, level, (face_px or {}).get(str(path))) for path in todo.values()]
    why: dict[str, str] = {}
    added = 0
    for key, got in zip(todo, map_on_engines(engine, _largest_or_why, jobs, workers, ahead=8, what="eval worker")):
        if isinstance(got, str):
            why[key] = got
        else:
            known[key] = got
            added += 1
    out, failures = {}, {}
    for path in paths:
        key = cache_key(str(path), level)
        if key in known:
            out[str(path)] = known[key]
        else:
            failures[str(path)] = why[key]
    if cache is not None and added:
        keys = sorted(known)
        np.savez(cache, model_id=np.array(engine.model_id), paths=np.array(keys),
                 emb=np.stack([known[k][0] for k in keys]), weight=np.array([known[k][1] for k in keys]),
                 quality=np.stack([known[k][2] for k in keys]))
    return out, failures


@dataclass
class Protocol:
    """How the product decides, applied to labelled photos (see evaluate_identification)."""

    enrol_samples: int = 1  # photos a person is enrolled with
    visit_frames: int = 1  # photos fused into one decision (a visit)
    looks: int = 1  # looks per visit sharing the stranger budget (the live loop takes several)
    min_margin: float = 0.05
    targets: tuple[float, ...] = (1e-2, 1e-3)  # strangers accepted per visit
    site_target: float = 1e-3  # the shipped default (strangers_per_1000 = 1)


@dataclass
class _Split:
    gallery: dict[str, list[str]]  # identity -> enrolment photo paths
    mates: list[tuple[str, list[str]]]  # (identity, visit photo paths)
    strangers: list[tuple[str, list[str]]]


def _arrange(rows: list[tuple[Path, str, str]], distractors: list[tuple[Path, str, str]],
             proto: Protocol) -> _Split:
    """Enrolled people (roles gallery/probe): the first enrol_samples photos (gallery rows first)
    enrol them, the rest form visits of visit_frames photos. Strangers (role unknown): visits
    only. Distractors (any identity of the --distractors splits not in the main split):
    enrolled, never probed. Leftover photos that do not fill a visit are not used."""
    by_id: dict[str, list[tuple[int, str]]] = {}
    roles: dict[str, str] = {}
    for path, ident, role in rows:
        by_id.setdefault(ident, []).append((0 if role == "gallery" else 1, str(path)))
        roles[ident] = "stranger" if role == "unknown" else "enrolled"
    k, v = proto.enrol_samples, proto.visit_frames
    split = _Split({}, [], [])
    for ident, items in by_id.items():
        photos = [p for _, p in sorted(items, key=lambda x: x[0])]
        rest = photos
        if roles[ident] == "enrolled":
            split.gallery[ident], rest = photos[:k], photos[k:]
        target = split.mates if roles[ident] == "enrolled" else split.strangers
        target += [(ident, rest[i:i + v]) for i in range(0, len(rest) - v + 1, v)]
    for path, ident, _ in distractors:
        if ident not in by_id:
            split.gallery.setdefault(ident, [])
            if len(split.gallery[ident]) < k:
                split.gallery[ident].append(str(path))
    return split


def _visit_probes(visits: list[tuple[str, list[str]]], desc: dict,
                  units: EncoderUnits = DLIB_UNITS) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(identity, fused probe, quality) of every visit whose photos all have a face, fused as
    the live tracker fuses (renormalised for unit-vector encoders); the quality is the
    fusion-weighted mean face size of its photos, as a live track's."""
    ids, probes, quality = [], [], []
    for ident, photos in visits:
        if all(p in desc for p in photos):
            emb = np.stack([desc[p][0] for p in photos])
            w = np.array([desc[p][1] for p in photos])
            probes.append(fuse(emb, w, units.renormalise))
            quality.append(float(np.average([desc[p][2][0] for p in photos], weights=w)))
            ids.append(ident)
    dim = next(iter(desc.values()))[0].shape[-1] if desc else 128
    return ids, (np.stack(probes) if probes else np.zeros((0, dim), np.float32)), np.array(quality)


def _scores(gallery: Gallery, probes: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Best distance, margin and nearest identity of each probe (the product's search)."""
    matches = gallery.search(probes)
    return (np.array([m.distance for m in matches]), np.array([m.margin for m in matches]),
            [names[m.candidate_id] if m.candidate_id is not None else "" for m in matches])


def _rates(t, margin: float, mate: tuple, stranger: tuple, same: set, t_stranger=None) -> dict:
    """FNIR (mates not accepted as themselves), wrong-person and FPIR at threshold t (one
    number, or one per visit: mates t, strangers t_stranger; -inf = declined)."""
    (md, mm, mc, mt), (sd, sm, sc, st) = mate, stranger
    ts = t if t_stranger is None else t_stranger
    m_acc = (md <= t) & (mm >= margin)
    right = m_acc & (np.array(mc) == np.array(mt)) if len(mt) else m_acc
    s_acc = (sd <= ts) & (sm >= margin)
    alias = np.array([(a, b) in same or (b, a) in same for a, b in zip(st, sc)], bool) if len(st) else s_acc
    fa = int((s_acc & ~alias).sum())
    n_s = int(len(sd) - (s_acc & alias).sum())
    decided = np.isfinite(t) if np.ndim(t) else np.array(True)
    return {"threshold": float(t) if np.ndim(t) == 0 else float(np.median(t[decided])) if decided.any() else math.nan,
            "fnir": float(1 - right.mean()) if len(md) else float("nan"),
            "tpir": float(right.mean()) if len(md) else float("nan"),
            "wrong_person": float((m_acc & ~right).mean()) if len(md) else float("nan"),
            "fpir": fa / n_s if n_s else float("nan"), "false_accepts": fa, "stranger_visits": n_s,
            "fpir_upper95": clopper_pearson_upper(fa, n_s), "same_person_excluded": int((s_acc & alias).sum())}


QUALITY_EDGES = (0.0, 40.0, 50.0, 60.0, 80.0, math.inf)  # visit face size (px) buckets of the report


def _bucket_counts(threshold: float, rule: QualityRule | None, mate: tuple, stranger: tuple, mate_qual: np.ndarray,
                   str_qual: np.ndarray, margin: float, same: set) -> list[dict]:
    """Per bucket of measured visit face size, at the site's default target: visits, misses and
    false accepts with the clean threshold ("before") and with the quality rule ("after")."""
    def part(vis: tuple, sel: np.ndarray) -> tuple:
        return tuple(v[sel] if isinstance(v, np.ndarray) else [x for x, k in zip(v, sel) if k] for v in vis)

    rows = []
    for lo, hi in zip(QUALITY_EDGES[:-1], QUALITY_EDGES[1:]):
        ms, ss = (mate_qual >= lo) & (mate_qual < hi), (str_qual >= lo) & (str_qual < hi)
        m, st = part(mate, ms), part(stranger, ss)
        before = _rates(threshold, margin, m, st, same)
        row = {"lo": lo, "hi": hi, "mate_visits": int(ms.sum()), "stranger_visits": before["stranger_visits"],
               "misses_before": int(round((1 - before["tpir"]) * ms.sum())) if ms.any() else 0,
               "false_accepts_before": before["false_accepts"]}
        if rule is not None:
            after = _rates(_rule_thresholds(rule, mate_qual[ms]), margin, m, st, same,
                           _rule_thresholds(rule, str_qual[ss]))
            row |= {"misses_after": int(round((1 - after["tpir"]) * ms.sum())) if ms.any() else 0,
                    "false_accepts_after": after["false_accepts"], "stranger_visits_after": after["stranger_visits"]}
        rows.append(row)
    return rows


def _rule_thresholds(rule: QualityRule, quality: np.ndarray) -> np.ndarray:
    """Each visit's threshold under the quality rule; -inf where it declines to decide."""
    return np.array([-np.inf if (t := rule.threshold(float(q))) is None else t for q in quality])


def _oracle_threshold(stranger: tuple, margin: float, target: float, same: set = frozenset()) -> float:
    """Largest threshold whose FPIR on these strangers stays <= target (for the DET curve only).
    A visit whose nearest identity is the same person under another name (`same`, as _rates
    counts it) is not a stranger's: it would pull the oracle down to that visit's distance."""
    sd, sm, sc, st = stranger
    alias = np.array([(a, b) in same or (b, a) in same for a, b in zip(st, sc)], bool)
    eff = np.sort(np.where(sm >= margin, sd, np.inf)[~alias] if len(alias) else np.where(sm >= margin, sd, np.inf))
    allowed = int(np.floor(target * len(eff)))
    return float(np.nextafter(eff[allowed], 0)) if allowed < len(eff) and np.isfinite(eff[allowed]) else 10.0


def evaluate_identification(engine, rows: list[tuple[Path, str, str]], thresholds: list[float],
                            proto: Protocol | None = None, distractors: list[tuple[Path, str, str]] = (),
                            cache: Path | None = None, same_person: set[tuple[str, str]] = frozenset(),
                            sizes: list[int] | None = None, degrade: Degrade = CLEAN,
                            quality: QualityModel | None = None, workers: int = 1) -> dict:
    """Open-set identification as the product decides: people enrolled with enrol_samples photos
    (centroids), visits of visit_frames photos fused like a track, the operating point
    calibrated from the gallery alone (never from the probes) for each target, plus fixed
    thresholds and the oracle DET curve for comparison. same_person: identity pairs known to
    be one person under two names (dataset label errors), not counted as false accepts.
    degrade: the probes (never the gallery) as a poorer camera would see them. quality: the
    encoder's quality table; the threshold then depends on each visit's face size (the
    "quality_rule" rows, beside the clean "calibrated" ones). workers: processes embedding
    the photos (the figures are the same)."""
    proto = proto or Protocol()
    split = _arrange(rows, list(distractors), proto)
    paths = sorted({p for ps in split.gallery.values() for p in ps} | {p for _, ps in split.mates for p in ps}
                   | {p for _, ps in split.strangers for p in ps})
    desc, failures = embed_all(engine, [Path(p) for p in paths], cache, workers=workers)
    names = sorted(i for i, ps in split.gallery.items() if any(p in desc for p in ps))
    main_ids = {r[1] for r in rows}
    enrolled = [i for i in names if i in main_ids]
    gal_ids = [n for n, i in enumerate(names) for p in split.gallery[i] if p in desc]
    gal_mat = np.stack([desc[p][0] for i in names for p in split.gallery[i] if p in desc])
    units = units_for(engine)
    pdesc, lost = desc, {}
    if not degrade.clean:  # probes as the camera of this level sees them; the gallery stays clean
        probe_paths = sorted({p for _, ps in split.mates + split.strangers for p in ps if p in desc})
        pdesc, lost = embed_all(engine, [Path(p) for p in probe_paths], cache, degrade,
                                {p: float(desc[p][2][0]) for p in probe_paths}, workers)
    mate_ids, mate_q, mate_qual = _visit_probes([mv for mv in split.mates if mv[0] in names], pdesc, units)
    str_ids, str_q, str_qual = _visit_probes(split.strangers, pdesc, units)
    out = {"gallery_people": len(names), "enrolled_people": len(enrolled), "known_probes": len(mate_ids),
           "unknown_probes": len(str_ids), "stranger_people": len(set(str_ids)),
           "protocol": vars(proto) | {"targets": list(proto.targets)}, "failures": failures,
           "min_margin": proto.min_margin, "by_threshold": [], "calibrated": [], "oracle": [], "det": [],
           "degrade": degrade.name, "degrade_failures": len(lost), "quality_rule": []}
    ids_arr, mat = np.array(gal_ids, np.int64), gal_mat
    settings = RecognitionSettings()
    for target in sorted(set(proto.targets) | {proto.site_target}, reverse=True):
        s = replace(settings, strangers_per_1000=target * 1000, min_margin=proto.min_margin)
        gallery, point = calibrated_gallery(ids_arr, mat, s, proto.looks, units)
        mate = (*_scores(gallery, mate_q, names), mate_ids)
        stranger = (*_scores(gallery, str_q, names), str_ids)
        row = _rates(point.threshold, proto.min_margin, mate, stranger, same_person)
        row |= {"target": target, "model": point.tail.source if point.tail else "fixed",
                "described": point.describe(), "site_default": target == proto.site_target}
        out["calibrated"].append(row)
        rule = quality_rule(quality, point) if quality is not None else None
        if rule is not None:
            t_mate, t_str = _rule_thresholds(rule, mate_qual), _rule_thresholds(rule, str_qual)
            qrow = _rates(t_mate, proto.min_margin, mate, stranger, same_person, t_str)
            qrow |= {"target": target, "site_default": target == proto.site_target, "described": rule.describe(),
                     "declined_mates": int(np.isneginf(t_mate).sum()),
                     "declined_strangers": int(np.isneginf(t_str).sum())}
            out["quality_rule"].append(qrow)
        if target == proto.site_target:
            out["_site"] = (point.threshold, rule, mate, stranger, mate_qual, str_qual)
    out["buckets"] = _bucket_counts(*out.pop("_site"), proto.min_margin, same_person)
    base = Gallery(*centroids(ids_arr, mat), threshold=10.0, min_margin=proto.min_margin)
    mate = (*_scores(base, mate_q, names), mate_ids)
    stranger = (*_scores(base, str_q, names), str_ids)
    out["rank1"] = float(np.mean(np.array(mate[2]) == np.array(mate_ids))) if mate_ids else float("nan")
    out["by_threshold"] = _fixed_rows(thresholds, proto.min_margin, mate, stranger, same_person, out["rank1"])
    out["_base"] = (mate, stranger)
    for target in proto.targets:
        oracle_t = _oracle_threshold(stranger, proto.min_margin, target, same_person)
        out["oracle"].append({"target": target} | _rates(oracle_t,
                                                        proto.min_margin, mate, stranger, same_person))
    out["det"] = _det_curves(ids_arr, mat, names, enrolled, mate_q, mate_ids, str_q, str_ids, proto,
                             sizes or [len(enrolled), len(names)], same_person)
    out["_same"] = same_person
    return out


def _fixed_rows(thresholds: list[float], margin: float, mate: tuple, stranger: tuple, same: set,
                rank1: float) -> list[dict]:
    """The rates at fixed thresholds (the expert override and the old default), whole gallery."""
    rows = []
    for th in thresholds:
        r = _rates(th, margin, mate, stranger, same)
        rows.append(r | {"rank1": rank1, "identified": r["tpir"], "misidentified": r["wrong_person"],
                         "false_accept_rate": r["fpir"]})
    return rows


def json_ready(report: dict) -> dict:
    """The report without the raw score arrays kept for pooling."""
    out = {k: v for k, v in report.items() if not k.startswith("_")}
    out["det"] = [{k: v for k, v in c.items() if not k.startswith("_")} for c in report["det"]]
    return out


def _det_curves(ids, mat, names, enrolled, mate_q, mate_ids, str_q, str_ids, proto, sizes, same) -> list[dict]:
    """FNIR against FPIR (thresholds swept over the strangers' scores) for galleries of N
    people: the enrolled ones plus a seeded sample of the distractors."""
    rng = np.random.default_rng(0)
    enrolled_idx = [names.index(e) for e in enrolled]
    others = [i for i in range(len(names)) if i not in set(enrolled_idx)]
    rng.shuffle(others)
    curves = []
    for n in sorted({min(max(int(s), len(enrolled_idx)), len(names)) for s in sizes}):
        keep = np.array(sorted(enrolled_idx + others[:n - len(enrolled_idx)]))
        sel = np.isin(ids, keep)
        g = Gallery(*centroids(ids[sel], mat[sel]), threshold=10.0, min_margin=proto.min_margin)
        mate = (*_scores(g, mate_q, names), mate_ids)
        stranger = (*_scores(g, str_q, names), str_ids)
        curves.append({"people": int(len(keep)), "points": _det_points(mate, stranger, proto.min_margin, same),
                       "_raw": (mate, stranger)})
    return curves


def _det_points(mate: tuple, stranger: tuple, margin: float, same: set) -> list[tuple[float, float]]:
    eff = np.unique(np.where(stranger[1] >= margin, stranger[0], np.inf))
    pts = []
    for t in eff[np.isfinite(eff)][:: max(1, len(eff) // 400)]:
        r = _rates(float(t), margin, mate, stranger, same)
        if r["fpir"] > 0:
            pts.append((r["fpir"], r["fnir"]))
    return pts


def _concat(parts: list[tuple]) -> tuple:
    return tuple(np.concatenate([p[i] for p in parts]) if i < 2 else [x for p in parts for x in p[i]]
                 for i in range(4))


def pool_reports(reports: list[dict]) -> dict:
    """Several splits (seeds) as one report: counts summed, FNIR over all mate visits, thresholds
    averaged (each split calibrated its own gallery), DET and oracle over the pooled scores."""
    first = reports[0]
    out = dict(first)
    for key in ("gallery_people", "enrolled_people"):
        out[key] = round(float(np.mean([r[key] for r in reports])))
    for key in ("known_probes", "unknown_probes", "stranger_people"):
        out[key] = sum(r[key] for r in reports)
    out["splits"] = len(reports)
    out["failures"] = {k: v for r in reports for k, v in r["failures"].items()}
    margin, same = first["min_margin"], first.get("_same", frozenset())
    w = np.array([r["known_probes"] for r in reports], float)
    for key in ("calibrated", "quality_rule"):
        out[key] = []
        for rows in zip(*(r[key] for r in reports)):
            fa, n = sum(x["false_accepts"] for x in rows), sum(x["stranger_visits"] for x in rows)
            ts = [x["threshold"] for x in rows]
            out[key].append(dict(rows[0]) | {
                "threshold": float(np.mean(ts)), "threshold_range": [min(ts), max(ts)],
                "fnir": float(np.average([x["fnir"] for x in rows], weights=w)),
                "tpir": float(np.average([x["tpir"] for x in rows], weights=w)),
                "wrong_person": float(np.average([x["wrong_person"] for x in rows], weights=w)),
                "false_accepts": fa, "stranger_visits": n, "fpir": fa / n if n else float("nan"),
                "fpir_upper95": clopper_pearson_upper(fa, n),
                "same_person_excluded": sum(x["same_person_excluded"] for x in rows)}
                | {k: sum(x[k] for x in rows) for k in ("declined_mates", "declined_strangers") if k in rows[0]})
    out["buckets"] = [dict(rows[0]) | {k: sum(x[k] for x in rows) for k in rows[0] if k not in ("lo", "hi")}
                      for rows in zip(*(r["buckets"] for r in reports))]
    out["degrade_failures"] = sum(r["degrade_failures"] for r in reports)
    out["det"] = []
    for curves in zip(*(r["det"] for r in reports)):
        mate, stranger = _concat([c["_raw"][0] for c in curves]), _concat([c["_raw"][1] for c in curves])
        out["det"].append({"people": round(float(np.mean([c["people"] for c in curves]))),
                           "points": _det_points(mate, stranger, margin, same), "_raw": (mate, stranger)})
    mate, stranger = out["_base"] = (_concat([r["_base"][0] for r in reports]),
                                     _concat([r["_base"][1] for r in reports]))
    out["oracle"] = [{"target": t} | _rates(_oracle_threshold(stranger, margin, t, same), margin, mate, stranger, same)
                     for t in first["protocol"]["targets"]]
    out["rank1"] = float(np.average([r["rank1"] for r in reports], weights=[r["known_probes"] for r in reports]))
    out["by_threshold"] = _fixed_rows([b["threshold"] for b in first["by_threshold"]], margin, mate, stranger,
                                      same, out["rank1"])
    return out


def read_same_person(path: Path) -> frozenset[tuple[str, str]]:
    """Identity pairs (identity_a, identity_b) that are one person under two names."""
    rows, _ = read_index(path, {"identity_a", "identity_b"}, "identity_a", path.parent)
    return frozenset((r["identity_a"].strip(), r["identity_b"].strip()) for r in rows)


def plot_det(report: dict, path: Path) -> None:
    """The DET curves (FNIR vs FPIR, log axes) as a PNG; matplotlib is only needed here."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # an evaluation extra, not a product dependency
        raise InputFileError(f"--plot needs matplotlib (pip install matplotlib): {exc}") from None
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    for c in report["det"]:
        if c["points"]:
            x, y = zip(*c["points"])
            ax.plot(x, y, label=f"N = {c['people']:,} enrolled")
    for row in report["calibrated"]:
        if row["fpir"] > 0:
            ax.plot([row["fpir"]], [row["fnir"]], "o", label=f"calibrated for {row['target']:g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("FPIR (stranger visits accepted)")
    ax.set_ylabel("FNIR (enrolled visits not recognised)")
    p = report["protocol"]
    ax.set_title(f"DET: {p['enrol_samples']} enrolment photo(s), visits of {p['visit_frames']}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _pct(x: float, width: int, places: int, none: str = "n/a") -> str:
    """A rate as a percentage; a rate with nothing to count (no strangers, no visits) as
    `none`, not "nan%"."""
    return f"{none:>{width + 1}s}" if x is None or x != x else f"{100 * x:{width}.{places}f}%"


def format_identification(r: dict) -> str:
    p = r["protocol"]
    no_s = "n/a (no strangers)"  # the split has no never-enrolled visits: FPIR cannot be measured
    lines = [f"gallery: {r['gallery_people']:,} people ({r['enrolled_people']:,} with visits, the rest distractors); "
             f"{p['enrol_samples']} enrolment photo(s) each, visits of {p['visit_frames']} photo(s), "
             f"{p['looks']} look(s), margin {r['min_margin']}",
             f"visits: {r['known_probes']:,} of enrolled people, {r['unknown_probes']:,} of "
             f"{r['stranger_people']:,} never-enrolled people; rank-1 {_pct(r['rank1'], 0, 2).strip()}",
             "", "calibrated from the gallery only (the threshold the product would use):",
             f"{'target':>8s} {'threshold':>9s} {'FNIR':>7s} {'wrong':>6s} {'FPIR measured':>22s} {'95% upper':>9s}  model"]
    for c in r["calibrated"]:
        mark = " (default)" if c["site_default"] else ""
        lines.append(f"{c['target']:8g} {c['threshold']:9.3f} {_pct(c['fnir'], 6, 2)} {_pct(c['wrong_person'], 5, 2)} "
                     f"{_fpir(c, no_s)} {_pct(c['fpir_upper95'], 8, 3)}  {c['model']}{mark}")
    lines += ["", "oracle threshold set on these strangers (DET reference, not an operating point):"]
    for o in r["oracle"]:
        lines.append(f"  FPIR {o['target']:g}: threshold {o['threshold']:.3f}, FNIR {_pct(o['fnir'], 0, 2)}, "
                     f"TPIR {_pct(o['tpir'], 0, 2)} ({o['false_accepts']}/{o['stranger_visits']} strangers)"
                     if o["stranger_visits"] else f"  FPIR {o['target']:g}: {no_s}")
    lines += ["", "fixed thresholds (the expert override; 0.50 was the old default), same visits:",
              f"{'threshold':>9s} {'FNIR':>7s} {'wrong':>6s} {'FPIR measured':>22s} {'95% upper':>9s}"]
    for b in r["by_threshold"]:
        lines.append(f"{b['threshold']:9.2f} {_pct(b['fnir'], 6, 2)} {_pct(b['wrong_person'], 5, 2)} "
                     f"{_fpir(b, no_s)} {_pct(b['fpir_upper95'], 8, 3)}")
    excluded = sum(c["same_person_excluded"] for c in r["calibrated"])
    if excluded:
        lines.append(f"stranger accepts as the same person under another name, not counted: {excluded}")
    lines.append(f"images without a usable face: {len(r['failures'])}")
    lines += [f"  {p}: {why}" for p, why in sorted(r["failures"].items())[:20]]
    return "\n".join(lines)


def _fpir(row: dict, no_strangers: str) -> str:
    if not row["stranger_visits"]:
        return f"{no_strangers:>22s}"
    return f"{_pct(row['fpir'], 7, 3)} ({row['false_accepts']}/{row['stranger_visits']})"


def _share(k: int, n: int) -> str:
    return f"{100 * k / n:6.2f}%" if n else "     - "


def format_levels(reports: list[dict]) -> str:
    """One block per --degrade level: the calibrated threshold as it is ("clean rule") and with
    the encoder's quality rule, per target; then the site default per measured visit face size."""
    lines = [f"{'probes':24s} {'target':>7s} {'rule':>7s} {'threshold':>9s} {'FNIR':>7s} {'FPIR measured':>20s} "
             f"{'95% upper':>9s} {'declined':>15s}"]
    for r in reports:
        name = r["degrade"] + (f" ({r['degrade_failures']} photos lost)" if r.get("degrade_failures") else "")
        rules = {c["target"]: c for c in r["quality_rule"]}
        for c in r["calibrated"]:
            rows = [("clean", c, "")]
            if c["target"] in rules:
                q = rules[c["target"]]
                rows.append(("quality", q, f"{q['declined_mates']}m/{q['declined_strangers']}s"))
            for rule, x, declined in rows:
                th = "declined" if math.isnan(x["threshold"]) else f"{x['threshold']:.3f}"
                lines.append(f"{name:24s} {x['target']:7g} {rule:>7s} {th:>9s} {100 * x['fnir']:6.2f}% "
                             f"{100 * x['fpir']:7.3f}% ({x['false_accepts']:>3d}/{x['stranger_visits']:>5d}) "
                             f"{100 * x['fpir_upper95']:8.3f}% {declined:>15s}")
                name = ""
    lines += ["", "site default target, by measured visit face size (px): misses / mate visits, "
                  "false accepts / stranger visits; clean rule -> quality rule"]
    for r in reports:
        for b in r["buckets"]:
            if not (b["mate_visits"] or b["stranger_visits"]):
                continue
            hi = "" if math.isinf(b["hi"]) else f"{b['hi']:g}"
            after = (f" -> {b['misses_after']}/{b['mate_visits']}, {b['false_accepts_after']}"
                     f"/{b['stranger_visits_after']}" if "misses_after" in b else "")
            lines.append(f"  {r['degrade']:22s} {b['lo']:>3g}-{hi:<4s} misses {b['misses_before']}/{b['mate_visits']}"
                         f" ({_share(b['misses_before'], b['mate_visits']).strip()}), false accepts "
                         f"{b['false_accepts_before']}/{b['stranger_visits']}{after}")
    described = next((q["described"] for r in reports for q in r["quality_rule"] if q["site_default"]), None)
    if described:
        lines.append(f"quality rule at the default target: {described}")
    return "\n".join(lines)
