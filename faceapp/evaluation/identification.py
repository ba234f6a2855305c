"""Open-set identification figures for `faceapp eval-ident`: rank-1 on enrolled people,
false accepts on people never enrolled, over a grid of thresholds so defaults are chosen
from measurement."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..shared.errors import ImageReadError
from ..vision.imageio import read_image
from .metrics import IndexFileError, read_index
from ..recognition.gallery import Gallery

log = logging.getLogger(__name__)

ROLES = ("gallery", "probe", "unknown")


def load_split(csv_path: Path, root: Path | None = None) -> list[tuple[Path, str, str]]:
    """Rows (path, identity, role) with role gallery | probe | unknown."""
    rows, root = read_index(csv_path, {"path", "identity", "role"}, "path", root)
    for line, r in enumerate(rows, start=2):
        if r["role"].strip() not in ROLES:
            raise IndexFileError(f"{csv_path}: line {line}: role={r['role'].strip()!r}; use {', '.join(ROLES)}")
    return [(root / r["path"], r["identity"], r["role"].strip()) for r in rows]


def _largest(engine, path: Path) -> np.ndarray | None:
    faces = engine.analyze(read_image(path), max_faces=1)
    return faces[0].embedding if faces else None


def evaluate_identification(engine, rows: list[tuple[Path, str, str]], thresholds: list[float],
                            min_margin: float = 0.0) -> dict:
    names: list[str] = []
    gal_ids, gal = [], []
    failures: dict[str, str] = {}
    probes: list[tuple[np.ndarray, str, bool]] = []
    for path, ident, role in rows:
        try:
            emb = _largest(engine, path)
        except ImageReadError as exc:
            failures[str(path)] = str(exc)
            continue
        if emb is None:
            failures[str(path)] = "no face"
            continue
        if role == "gallery":
            if ident not in names:
                names.append(ident)
            gal_ids.append(names.index(ident))
            gal.append(emb)
        else:
            probes.append((emb, ident, role == "probe"))
    ids, mat = np.array(gal_ids, np.int64), np.stack(gal)
    known = [p for p in probes if p[2]]
    unknown = [p for p in probes if not p[2]]
    out = {"gallery_people": len(names), "known_probes": len(known), "unknown_probes": len(unknown),
           "failures": failures, "min_margin": min_margin, "by_threshold": []}
    q_known = np.stack([p[0] for p in known]) if known else np.zeros((0, 128), np.float32)
    q_unknown = np.stack([p[0] for p in unknown]) if unknown else np.zeros((0, 128), np.float32)
    truth = np.array([names.index(p[1]) if p[1] in names else -1 for p in known])
    for th in thresholds:
        g = Gallery(ids, mat, threshold=th, min_margin=min_margin)
        mk = g.search(q_known)
        mu = g.search(q_unknown)
        rank1 = float(np.mean([m.candidate_id == t for m, t in zip(mk, truth)])) if len(mk) else float("nan")
        correct = float(np.mean([m.employee_id == t for m, t in zip(mk, truth)])) if len(mk) else float("nan")
        wrong = float(np.mean([m.employee_id is not None and m.employee_id != t for m, t in zip(mk, truth)])) if len(mk) else float("nan")
        far = float(np.mean([m.employee_id is not None for m in mu])) if len(mu) else float("nan")
        out["by_threshold"].append({"threshold": th, "rank1": rank1, "identified": correct,
                                    "misidentified": wrong, "false_accept_rate": far})
    return out


def format_identification(r: dict) -> str:
    lines = [f"gallery: {r['gallery_people']} people; probes: {r['known_probes']} enrolled, "
             f"{r['unknown_probes']} never enrolled; min margin {r['min_margin']}",
             f"{'threshold':>9s} {'rank-1':>7s} {'accepted ok':>11s} {'wrong person':>12s} {'FAR unknown':>11s}"]
    for b in r["by_threshold"]:
        lines.append(f"{b['threshold']:9.2f} {100 * b['rank1']:6.2f}% {100 * b['identified']:10.2f}% "
                     f"{100 * b['misidentified']:11.2f}% {100 * b['false_accept_rate']:10.2f}%")
    lines.append(f"images without a usable face: {len(r['failures'])}")
    lines += [f"  {p}: {why}" for p, why in sorted(r["failures"].items())]
    return "\n".join(lines)
