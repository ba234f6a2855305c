"""Verification metrics for `faceapp eval-pairs`: accuracy at a fixed threshold,
10-fold cross-validated threshold accuracy (the LFW protocol's way) and ROC AUC."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..shared.errors import InputFileError


@dataclass(frozen=True)
class Pair:
    a: Path
    b: Path
    same: bool


_TRUE, _FALSE = ("1", "true", "yes"), ("0", "false", "no")


class IndexFileError(InputFileError, ValueError):
    """A pairs or split CSV is missing, unreadable or malformed (exit 3, naming the line)."""


def read_index(csv_path: Path, columns: set[str], path_column: str,
               root: Path | None = None) -> tuple[list[dict[str, str]], Path]:
    """Rows of an index CSV (pairs or identification split), each with every column
    filled, and the folder its relative paths resolve against: `root`, else the CSV's
    folder or the first parent folder where they exist (shared/data/faces uses paths
    relative to its top folder)."""
    csv_path = Path(csv_path)
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
    except FileNotFoundError:
        raise IndexFileError(f"{csv_path}: no such file") from None
    except UnicodeDecodeError:
        raise IndexFileError(f"{csv_path}: not UTF-8 text; save the CSV as UTF-8") from None
    except (OSError, csv.Error) as exc:
        raise IndexFileError(f"{csv_path}: cannot read it ({exc})") from None
    wanted = ", ".join(sorted(columns)[:-1]) + f" and {sorted(columns)[-1]}"
    if not columns <= set(header):
        raise IndexFileError(f"{csv_path}: expected a CSV with columns {','.join(sorted(columns))}")
    if not rows:
        raise IndexFileError(f"{csv_path}: no rows after the header")
    for line, row in enumerate(rows, start=2):
        if any(not (row.get(c) or "").strip() for c in columns):
            raise IndexFileError(f"{csv_path}: line {line}: {wanted} are all needed")
    if root is None:
        first = Path(rows[0][path_column])
        root = next((d for d in [csv_path.parent, *csv_path.parent.parents] if (d / first).exists()),
                    csv_path.parent)
    return rows, root


def load_pairs(csv_path: Path, root: Path | None = None) -> list[Pair]:
    """Read img_a,img_b,same rows (paths resolved as read_index says)."""
    rows, root = read_index(csv_path, {"img_a", "img_b", "same"}, "img_a", root)
    return [Pair(root / r["img_a"], root / r["img_b"], _same(r["same"], csv_path, line))
            for line, r in enumerate(rows, start=2)]


def _same(value: str, csv_path: Path, line: int) -> bool:
    """1/true/yes or 0/false/no (any case); anything else is refused, not read as "different"."""
    v = value.strip().lower()
    if v not in _TRUE + _FALSE:
        raise IndexFileError(f"{csv_path}: line {line}: same={value.strip()!r}; use 1/true/yes or 0/false/no")
    return v in _TRUE


def roc_auc(dist: np.ndarray, same: np.ndarray) -> float:
    """AUC of "same" scored by -distance: P(a same pair is closer than a different pair),
    ties counted half (Mann-Whitney U)."""
    pos, neg = -dist[same], -dist[~same]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    # average ranks for ties
    i = 0
    while i < len(sorted_v):
        j = i
        while j + 1 < len(sorted_v) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def accuracy_at(dist: np.ndarray, same: np.ndarray, threshold: float) -> float:
    return float(np.mean((dist <= threshold) == same))


def best_threshold(dist: np.ndarray, same: np.ndarray) -> float:
    """Threshold with the highest accuracy on these pairs (midpoints between sorted distances)."""
    d = np.unique(dist)
    cands = np.concatenate([[d[0] - 1e-6], (d[:-1] + d[1:]) / 2, [d[-1] + 1e-6]]) if len(d) else np.array([0.6])
    accs = ((dist[None, :] <= cands[:, None]) == same[None, :]).mean(1)
    return float(cands[int(np.argmax(accs))])


@dataclass
class CVResult:
    mean: float
    std: float
    thresholds: list[float] = field(default_factory=list)


def cv_accuracy(dist: np.ndarray, same: np.ndarray, folds: int = 10) -> CVResult:
    """Pick the threshold on 9 folds, score the 10th. Folds interleave (index % folds) so
    each holds the same share of same/different pairs when the CSV lists them in blocks."""
    idx = np.arange(len(dist))
    accs, ths = [], []
    for k in range(folds):
        test = idx % folds == k
        th = best_threshold(dist[~test], same[~test])
        ths.append(th)
        accs.append(accuracy_at(dist[test], same[test], th))
    return CVResult(float(np.mean(accs)), float(np.std(accs)), ths)


def clopper_pearson_upper(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact (Clopper-Pearson) upper bound of a rate seen k times in n trials:
    the p at which seeing k or fewer would happen only 1 - confidence of the time."""
    if n <= 0:
        return float("nan")
    if k >= n:
        return 1.0
    alpha = 1.0 - confidence

    def cdf(p: float) -> float:  # P(X <= k), X ~ Binomial(n, p)
        if p <= 0:
            return 1.0
        logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p)
                + (n - i) * math.log1p(-p) for i in range(k + 1)]
        top = max(logs)
        return math.exp(top) * sum(math.exp(v - top) for v in logs)

    lo, hi = k / n, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > alpha else (lo, mid)
    return hi
