"""Run the engine over a pairs CSV and report verification figures and detection failures."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import numpy as np

from ..shared.errors import ImageReadError
from .metrics import Pair, accuracy_at, cv_accuracy, roc_auc
from ..vision.imageio import read_image
from ..vision.types import Detections
from ..vision.workers import map_on_engines

log = logging.getLogger(__name__)

# When the detector finds nothing, a centre square of this share of the shorter side stands
# in for the face box (LFW-style crops put the subject in the middle).
FALLBACK_SIDE = 0.45


def centre_box(h: int, w: int) -> np.ndarray:
    side = FALLBACK_SIDE * min(h, w)
    cx, cy = w / 2, h / 2
    return np.array([[cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]], np.float32)


def embed_subject(engine, path: Path, fallback: bool) -> tuple[np.ndarray | None, str]:
    """Descriptor of the face nearest the image centre; status "ok", "fallback" or "no face"."""
    img = read_image(path)
    h, w = img.shape[:2]
    faces = engine.analyze(img)
    if faces:
        centre = np.array([w / 2, h / 2])
        best = min(faces, key=lambda f: np.linalg.norm((f.box[:2] + f.box[2:]) / 2 - centre))
        return best.embedding, "ok"
    if not fallback:
        return None, "no face"
    dets = Detections(centre_box(h, w), np.zeros(1, np.float32), np.zeros((1, 5, 2), np.float32))
    _, chips = engine.align(img, dets)
    return engine.embed(chips)[0], "fallback"


def _embed_or_why(fallback: bool, engine, path: Path) -> tuple[np.ndarray | None, str]:  # noqa: ANN001
    """embed_subject(), an unreadable photo as its status (runs in a worker process too)."""
    try:
        return embed_subject(engine, path, fallback)
    except ImageReadError as exc:
        return None, f"unreadable: {exc}"


def evaluate_pairs(engine, pairs: list[Pair], threshold: float, fallback: bool = True, workers: int = 1) -> dict:
    """workers: processes embedding the photos (vision/workers.py); the figures are the same."""
    paths = sorted({p.a for p in pairs} | {p.b for p in pairs})
    emb: dict[Path, np.ndarray | None] = {}
    failures: dict[str, str] = {}
    got = map_on_engines(engine, partial(_embed_or_why, fallback), paths, workers, ahead=8, what="eval worker")
    for i, (path, (e, status)) in enumerate(zip(paths, got)):
        emb[path] = e
        if status != "ok":
            failures[str(path)] = status
        if (i + 1) % 200 == 0:
            log.info("embedded %d / %d images", i + 1, len(paths))
    same = np.array([p.same for p in pairs])
    # A pair with a missing descriptor counts as an error: distance +inf says "different",
    # which is wrong for same pairs; for different pairs we force it wrong too (distance -1).
    dist = np.array([
        float(np.linalg.norm(emb[p.a] - emb[p.b])) if emb[p.a] is not None and emb[p.b] is not None
        else (np.inf if p.same else -1.0)
        for p in pairs
    ])
    cv = cv_accuracy(dist, same)
    return {
        "pairs": len(pairs),
        "same_pairs": int(same.sum()),
        "images": len(paths),
        "threshold": threshold,
        "accuracy_fixed": accuracy_at(dist, same, threshold),
        "accuracy_cv10": cv.mean,
        "accuracy_cv10_std": cv.std,
        "cv_thresholds": [round(t, 4) for t in cv.thresholds],
        "roc_auc": roc_auc(dist, same),
        "detection_failures": failures,
        "pairs_without_descriptor": int(sum(emb[p.a] is None or emb[p.b] is None for p in pairs)),
    }


def format_report(r: dict) -> str:
    lines = [
        f"pairs: {r['pairs']} ({r['same_pairs']} same, {r['pairs'] - r['same_pairs']} different), "
        f"images: {r['images']}",
        f"accuracy at threshold {r['threshold']}: {100 * r['accuracy_fixed']:.2f}%",
        f"accuracy, 10-fold CV threshold: {100 * r['accuracy_cv10']:.2f}% ± {100 * r['accuracy_cv10_std']:.2f} "
        f"(thresholds {min(r['cv_thresholds']):.3f}..{max(r['cv_thresholds']):.3f})",
        f"ROC AUC: {r['roc_auc']:.4f}",
        f"detection failures: {len(r['detection_failures'])}"
        + (f" (pairs without a descriptor: {r['pairs_without_descriptor']})" if r["pairs_without_descriptor"] else ""),
    ]
    lines += [f"  {path}: {why}" for path, why in sorted(r["detection_failures"].items())]
    if "seconds" in r:
        lines.append(f"time: {r['seconds']} s on {r.get('provider', '?')}, model {r.get('model_id', '?')}")
    return "\n".join(lines)
