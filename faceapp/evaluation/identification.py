"""Open-set identification figures for `faceapp eval-ident`, measured with the decision rule the
product uses: centroids of the enrolment photos, fused visits, and the operating point
calibrated from the gallery alone; FNIR at stated FPIRs with their counts and bounds."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..recognition.calibration import calibrated_gallery
from ..recognition.fusion import centroids, frame_weight, fuse
from ..recognition.units import DLIB_UNITS, EncoderUnits, units_for
from ..recognition.gallery import Gallery
from ..recognition.settings import RecognitionSettings
from ..shared.errors import ImageReadError, InputFileError
from ..vision.imageio import read_image
from .metrics import IndexFileError, clopper_pearson_upper, read_index

log = logging.getLogger(__name__)

ROLES = ("gallery", "probe", "unknown")


def load_split(csv_path: Path, root: Path | None = None) -> list[tuple[Path, str, str]]:
    """Rows (path, identity, role) with role gallery | probe | unknown."""
    rows, root = read_index(csv_path, {"path", "identity", "role"}, "path", root)
    for line, r in enumerate(rows, start=2):
        if r["role"].strip() not in ROLES:
            raise IndexFileError(f"{csv_path}: line {line}: role={r['role'].strip()!r}; use {', '.join(ROLES)}")
    return [(root / r["path"], r["identity"], r["role"].strip()) for r in rows]


def _largest(engine, path: Path) -> tuple[np.ndarray, float] | None:
    faces = engine.analyze(read_image(path), max_faces=1)
    return (faces[0].embedding, frame_weight(faces[0].quality.yaw_deg)) if faces else None


def embed_all(engine, paths: list[Path], cache: Path | None = None) -> tuple[dict, dict[str, str]]:
    """{path: (descriptor, fusion weight)} of every photo's largest face, and the failures.
    With `cache`, descriptors already computed for the same model are reused (an .npz)."""
    known: dict[str, tuple[np.ndarray, float]] = {}
    if cache is not None and cache.is_file():
        z = np.load(cache, allow_pickle=False)
        if str(z["model_id"]) == engine.model_id:
            known = {p: (e, float(w)) for p, e, w in zip(z["paths"], z["emb"], z["weight"])}
    out, failures = {}, {}
    for path in paths:
        key = str(path)
        if key in known:
            out[key] = known[key]
            continue
        try:
            got = _largest(engine, path)
        except ImageReadError as exc:
            failures[key] = str(exc)
            continue
        if got is None:
            failures[key] = "no face"
        else:
            out[key] = known[key] = got
    if cache is not None and known:
        keys = sorted(known)
        np.savez(cache, model_id=np.array(engine.model_id), paths=np.array(keys),
                 emb=np.stack([known[k][0] for k in keys]), weight=np.array([known[k][1] for k in keys]))
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
                  units: EncoderUnits = DLIB_UNITS) -> tuple[list[str], np.ndarray]:
    """(identity, fused probe) of every visit whose photos all have a face, fused as the
    live tracker fuses (renormalised for unit-vector encoders)."""
    ids, probes = [], []
    for ident, photos in visits:
        if all(p in desc for p in photos):
            emb = np.stack([desc[p][0] for p in photos])
            probes.append(fuse(emb, np.array([desc[p][1] for p in photos]), units.renormalise))
            ids.append(ident)
    dim = next(iter(desc.values()))[0].shape[-1] if desc else 128
    return ids, (np.stack(probes) if probes else np.zeros((0, dim), np.float32))


def _scores(gallery: Gallery, probes: np.ndarray, names: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Best distance, margin and nearest identity of each probe (the product's search)."""
    matches = gallery.search(probes)
    return (np.array([m.distance for m in matches]), np.array([m.margin for m in matches]),
            [names[m.candidate_id] if m.candidate_id is not None else "" for m in matches])


def _rates(t: float, margin: float, mate: tuple, stranger: tuple, same: set) -> dict:
    """FNIR (mates not accepted as themselves), wrong-person and FPIR at threshold t."""
    (md, mm, mc, mt), (sd, sm, sc, st) = mate, stranger
    m_acc = (md <= t) & (mm >= margin)
    right = m_acc & (np.array(mc) == np.array(mt)) if len(mt) else m_acc
    s_acc = (sd <= t) & (sm >= margin)
    alias = np.array([(a, b) in same or (b, a) in same for a, b in zip(st, sc)], bool) if len(st) else s_acc
    fa = int((s_acc & ~alias).sum())
    n_s = int(len(sd) - (s_acc & alias).sum())
    return {"threshold": float(t), "fnir": float(1 - right.mean()) if len(md) else float("nan"),
            "tpir": float(right.mean()) if len(md) else float("nan"),
            "wrong_person": float((m_acc & ~right).mean()) if len(md) else float("nan"),
            "fpir": fa / n_s if n_s else float("nan"), "false_accepts": fa, "stranger_visits": n_s,
            "fpir_upper95": clopper_pearson_upper(fa, n_s), "same_person_excluded": int((s_acc & alias).sum())}


def _oracle_threshold(stranger: tuple, margin: float, target: float) -> float:
    """Largest threshold whose FPIR on these strangers stays <= target (for the DET curve only)."""
    sd, sm = stranger[0], stranger[1]
    eff = np.sort(np.where(sm >= margin, sd, np.inf))
    allowed = int(np.floor(target * len(eff)))
    return float(np.nextafter(eff[allowed], 0)) if allowed < len(eff) and np.isfinite(eff[allowed]) else 10.0


def evaluate_identification(engine, rows: list[tuple[Path, str, str]], thresholds: list[float],
                            proto: Protocol | None = None, distractors: list[tuple[Path, str, str]] = (),
                            cache: Path | None = None, same_person: set[tuple[str, str]] = frozenset(),
                            sizes: list[int] | None = None) -> dict:
    """Open-set identification as the product decides: people enrolled with enrol_samples photos
    (centroids), visits of visit_frames photos fused like a track, the operating point
    calibrated from the gallery alone (never from the probes) for each target, plus fixed
    thresholds and the oracle DET curve for comparison. same_person: identity pairs known to
    be one person under two names (dataset label errors), not counted as false accepts."""
    proto = proto or Protocol()
    split = _arrange(rows, list(distractors), proto)
    paths = sorted({p for ps in split.gallery.values() for p in ps} | {p for _, ps in split.mates for p in ps}
                   | {p for _, ps in split.strangers for p in ps})
    desc, failures = embed_all(engine, [Path(p) for p in paths], cache)
    names = sorted(i for i, ps in split.gallery.items() if any(p in desc for p in ps))
    main_ids = {r[1] for r in rows}
    enrolled = [i for i in names if i in main_ids]
    gal_ids = [n for n, i in enumerate(names) for p in split.gallery[i] if p in desc]
    gal_mat = np.stack([desc[p][0] for i in names for p in split.gallery[i] if p in desc])
    units = units_for(engine)
    mate_ids, mate_q = _visit_probes([mv for mv in split.mates if mv[0] in names], desc, units)
    str_ids, str_q = _visit_probes(split.strangers, desc, units)
    out = {"gallery_people": len(names), "enrolled_people": len(enrolled), "known_probes": len(mate_ids),
           "unknown_probes": len(str_ids), "stranger_people": len(set(str_ids)),
           "protocol": vars(proto) | {"targets": list(proto.targets)}, "failures": failures,
           "min_margin": proto.min_margin, "by_threshold": [], "calibrated": [], "oracle": [], "det": []}
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
    base = Gallery(*centroids(ids_arr, mat), threshold=10.0, min_margin=proto.min_margin)
    mate = (*_scores(base, mate_q, names), mate_ids)
    stranger = (*_scores(base, str_q, names), str_ids)
    out["rank1"] = float(np.mean(np.array(mate[2]) == np.array(mate_ids))) if mate_ids else float("nan")
    out["by_threshold"] = _fixed_rows(thresholds, proto.min_margin, mate, stranger, same_person, out["rank1"])
    out["_base"] = (mate, stranger)
    for target in proto.targets:
        out["oracle"].append({"target": target} | _rates(_oracle_threshold(stranger, proto.min_margin, target),
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
    out["calibrated"] = []
    for rows in zip(*(r["calibrated"] for r in reports)):
        w = np.array([r["known_probes"] for r in reports], float)
        fa, n = sum(x["false_accepts"] for x in rows), sum(x["stranger_visits"] for x in rows)
        ts = [x["threshold"] for x in rows]
        out["calibrated"].append(dict(rows[0]) | {
            "threshold": float(np.mean(ts)), "threshold_range": [min(ts), max(ts)],
            "fnir": float(np.average([x["fnir"] for x in rows], weights=w)),
            "tpir": float(np.average([x["tpir"] for x in rows], weights=w)),
            "wrong_person": float(np.average([x["wrong_person"] for x in rows], weights=w)),
            "false_accepts": fa, "stranger_visits": n, "fpir": fa / n if n else float("nan"),
            "fpir_upper95": clopper_pearson_upper(fa, n),
            "same_person_excluded": sum(x["same_person_excluded"] for x in rows)})
    out["det"] = []
    for curves in zip(*(r["det"] for r in reports)):
        mate, stranger = _concat([c["_raw"][0] for c in curves]), _concat([c["_raw"][1] for c in curves])
        out["det"].append({"people": round(float(np.mean([c["people"] for c in curves]))),
                           "points": _det_points(mate, stranger, margin, same), "_raw": (mate, stranger)})
    mate, stranger = out["_base"] = (_concat([r["_base"][0] for r in reports]),
                                     _concat([r["_base"][1] for r in reports]))
    out["oracle"] = [{"target": t} | _rates(_oracle_threshold(stranger, margin, t), margin, mate, stranger, same)
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


def format_identification(r: dict) -> str:
    p = r["protocol"]
    lines = [f"gallery: {r['gallery_people']:,} people ({r['enrolled_people']:,} with visits, the rest distractors); "
             f"{p['enrol_samples']} enrolment photo(s) each, visits of {p['visit_frames']} photo(s), "
             f"{p['looks']} look(s), margin {r['min_margin']}",
             f"visits: {r['known_probes']:,} of enrolled people, {r['unknown_probes']:,} of "
             f"{r['stranger_people']:,} never-enrolled people; rank-1 {100 * r['rank1']:.2f}%",
             "", "calibrated from the gallery only (the threshold the product would use):",
             f"{'target':>8s} {'threshold':>9s} {'FNIR':>7s} {'wrong':>6s} {'FPIR measured':>22s} {'95% upper':>9s}  model"]
    for c in r["calibrated"]:
        mark = " (default)" if c["site_default"] else ""
        lines.append(f"{c['target']:8g} {c['threshold']:9.3f} {100 * c['fnir']:6.2f}% {100 * c['wrong_person']:5.2f}% "
                     f"{100 * c['fpir']:7.3f}% ({c['false_accepts']}/{c['stranger_visits']}) "
                     f"{100 * c['fpir_upper95']:8.3f}%  {c['model']}{mark}")
    lines += ["", "oracle threshold set on these strangers (DET reference, not an operating point):"]
    for o in r["oracle"]:
        lines.append(f"  FPIR {o['target']:g}: threshold {o['threshold']:.3f}, FNIR {100 * o['fnir']:.2f}%, "
                     f"TPIR {100 * o['tpir']:.2f}% ({o['false_accepts']}/{o['stranger_visits']} strangers)")
    lines += ["", "fixed thresholds (the expert override; 0.50 was the old default), same visits:",
              f"{'threshold':>9s} {'FNIR':>7s} {'wrong':>6s} {'FPIR measured':>22s} {'95% upper':>9s}"]
    for b in r["by_threshold"]:
        lines.append(f"{b['threshold']:9.2f} {100 * b['fnir']:6.2f}% {100 * b['wrong_person']:5.2f}% "
                     f"{100 * b['fpir']:7.3f}% ({b['false_accepts']}/{b['stranger_visits']}) "
                     f"{100 * b['fpir_upper95']:8.3f}%")
    excluded = sum(c["same_person_excluded"] for c in r["calibrated"])
    if excluded:
        lines.append(f"stranger accepts as the same person under another name, not counted: {excluded}")
    lines.append(f"images without a usable face: {len(r['failures'])}")
    lines += [f"  {p}: {why}" for p, why in sorted(r["failures"].items())[:20]]
    return "\n".join(lines)
