"""The operating point: the distance threshold that keeps strangers out at the rate the site
chose, derived from the site's own gallery.

A stranger is accepted when their fused probe lands within the threshold of ANY of the N
enrolled people, so the false-accept rate per visit grows with N:

    FPIR(t) = 1 - (1 - F(t)) ** N

where F(t) is the chance that one stranger/person pair is closer than t (the per-pair
impostor distribution, lower tail). F is estimated from the gallery alone (the app never
sees strangers): every template of every enrolled person is a pseudo-probe against every
OTHER person's centroid, the same per-person rule the live decision uses. The lower tail is
fitted as a probit line, F(t) = Phi((t - mu) / sigma), over 1e-5 <= F <= 1e-2, so targets
far below what the pairs can show directly (1 stranger in 1,000 visits at N = 1,000 needs
F = 1e-6) are extrapolated from a straight line in probit space rather than from a few
extreme pairs. A gallery with fewer than MIN_PAIRS pairs uses IMPOSTOR_MODEL_LFW instead:
the same fit measured once on public data (LFW person set 1 through this code,
`python build/fit_impostor_model.py`), shipped as two numbers.

The live loop looks at a track's evidence several times (recognition/tracker.py); a
stranger accepted at any look is one false accept, so each look gets target / looks
(Bonferroni: the bound holds whatever the looks' correlation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .gallery import Gallery
    from .quality_model import QualityRule
    from .settings import RecognitionSettings
    from .units import EncoderUnits

_NORMAL = NormalDist()
EDGES = np.arange(0.0, 2.0 + 1e-9, 0.0005)  # distance grid of the pair histogram
MIN_PAIRS = 30_000  # below this the fit range (F >= 30 pairs / all) stops short of 1e-3
MAX_PROBES = 6_000  # pseudo-probes used at most (a seeded sample of the templates)
FIT_LO, FIT_HI = 1e-5, 1e-2
MIN_TAIL_PAIRS = 30  # the fit starts where at least this many pairs lie below t
THRESHOLD_RANGE = (0.20, 0.60)  # a calibrated threshold outside this is clamped and logged


@dataclass(frozen=True)
class ImpostorTail:
    """Probit model of the lower tail of the per-pair impostor distance distribution."""

    mu: float
    sigma: float
    pairs: int  # impostor pairs behind the fit
    source: str  # "gallery" or a description of the shipped model

    def pair_rate(self, t: float) -> float:
        """F(t): chance one stranger/person pair is within distance t."""
        return _NORMAL.cdf((t - self.mu) / self.sigma)

    def false_accept_rate(self, t: float, people: int) -> float:
        """FPIR(t) at `people` enrolled: a stranger accepted as anyone, per look."""
        f = self.pair_rate(t)
        return -math.expm1(people * math.log1p(-f)) if f < 1 else 1.0

    def threshold(self, rate: float, people: int) -> float:
        """The t with false_accept_rate(t, people) == rate."""
        if not 0 < rate < 1:
            raise ValueError(f"rate must be in (0, 1), got {rate}")
        f = -math.expm1(math.log1p(-rate) / max(1, people))
        return self.mu + self.sigma * _NORMAL.inv_cdf(f)


# LFW person set 1 (601 people, 1,369 photos; the development set), every photo as a
# pseudo-probe against every other person's centroid of up to 3 photos: build/fit_impostor_model.py.
IMPOSTOR_MODEL_LFW = ImpostorTail(mu=0.8276, sigma=0.0962, pairs=821_400,
                                  source="shipped model (LFW set 1, 601 people)")


def pair_histogram(employee_ids: np.ndarray, templates: np.ndarray, people: np.ndarray,
                   centres: np.ndarray, seed: int = 0) -> np.ndarray:
    """Histogram on EDGES of the distances from each template to every other person's centroid."""
    ids = np.asarray(employee_ids, np.int64)
    t = np.asarray(templates, np.float32)
    if len(t) > MAX_PROBES:
        keep = np.sort(np.random.default_rng(seed).choice(len(t), MAX_PROBES, replace=False))
        ids, t = ids[keep], t[keep]
    c = np.asarray(centres, np.float32)
    hist = np.zeros(len(EDGES) - 1, np.int64)
    if len(c) < 2 or len(t) == 0:
        return hist
    csq = np.einsum("ij,ij->i", c, c)
    step = max(1, 4_000_000 // len(c))
    for i in range(0, len(t), step):
        q = t[i:i + step]
        d2 = np.einsum("ij,ij->i", q, q)[:, None] + csq[None, :] - 2.0 * (q @ c.T)
        d = np.sqrt(np.maximum(d2, 0.0))
        d[ids[i:i + step, None] == people[None, :]] = np.inf  # a person is no impostor of themselves
        hist += np.histogram(d[np.isfinite(d)], EDGES)[0]
    return hist


def fit_tail(hist: np.ndarray, source: str = "gallery") -> ImpostorTail | None:
    """Probit line through the histogram's lower tail; None when the pairs are too few."""
    n = int(hist.sum())
    if n < MIN_PAIRS:
        return None
    counts = np.cumsum(hist)
    f = counts / n
    t = EDGES[1:]
    sel = (f >= FIT_LO) & (f <= FIT_HI) & (counts >= MIN_TAIL_PAIRS) & (hist > 0)
    if sel.sum() < 5:
        return None
    z = np.array([_NORMAL.inv_cdf(float(v)) for v in f[sel]])
    slope, intercept = np.polyfit(t[sel], z, 1)  # z = (t - mu) / sigma
    if slope <= 0:
        return None
    return ImpostorTail(mu=float(-intercept / slope), sigma=float(1.0 / slope), pairs=n, source=source)


def impostor_tail(employee_ids: np.ndarray, templates: np.ndarray, people: np.ndarray,
                  centres: np.ndarray, shipped: ImpostorTail = IMPOSTOR_MODEL_LFW) -> ImpostorTail:
    """The gallery's own tail when it has enough pairs, else the encoder's shipped model
    (its pack's units.impostor_model; dlib's by default)."""
    fitted = fit_tail(pair_histogram(employee_ids, templates, people, centres))
    return fitted if fitted is not None else shipped


@dataclass(frozen=True)
class OperatingPoint:
    """The threshold live decisions use, and why."""

    threshold: float  # per look
    people: int
    target: float  # false accepts per stranger visit the site asked for (e.g. 0.001)
    looks: int  # looks per visit that share the target
    tail: ImpostorTail | None  # None: a fixed manual threshold (expert override)
    clamped: bool = False
    quality: "QualityRule | None" = None  # threshold by track quality (quality_model.py); None: clean only

    @property
    def calibrated(self) -> bool:
        return self.tail is not None

    def expected_rate(self) -> float:
        """Predicted strangers accepted per visit at this threshold (all looks together)."""
        if self.tail is None:
            return float("nan")
        return min(1.0, self.looks * self.tail.false_accept_rate(self.threshold, self.people))

    def describe(self) -> str:
        """One line for Settings, the status bar and `faceapp doctor`."""
        who = f"{self.people:,} enrolled: threshold {self.threshold:.2f}"
        if self.tail is None:
            return f"{who} (fixed by the administrator; strangers accepted not controlled)"
        rate = self.expected_rate()
        per = f"about 1 stranger in {round(1 / rate):,} accepted" if rate > 0 else "no stranger expected to pass"
        note = ", clamped" if self.clamped else ""
        model = "from this gallery" if self.tail.source == "gallery" else f"from the {self.tail.source}"
        rule = f"; {self.quality.describe()}" if self.quality is not None else ""
        return f"{who}, {per} ({model}{note}){rule}"


def operating_point(tail: ImpostorTail, people: int, target: float, looks: int,
                    threshold_range: tuple[float, float] = THRESHOLD_RANGE) -> OperatingPoint:
    lo, hi = threshold_range
    t = tail.threshold(target / max(1, looks), max(1, people))
    clamped = not lo <= t <= hi
    return OperatingPoint(min(max(t, lo), hi), people, target, looks, tail, clamped)


def fixed_point(threshold: float, people: int, looks: int) -> OperatingPoint:
    return OperatingPoint(float(threshold), people, float("nan"), looks, None)


def calibrated_gallery(employee_ids: np.ndarray, matrix: np.ndarray, settings: "RecognitionSettings",
                       looks: int, units: "EncoderUnits | None" = None) -> tuple["Gallery", OperatingPoint]:
    """The live gallery (one centroid per person) and its operating point for the settings:
    calibrated from these templates, or the fixed expert threshold. Every distance (shipped
    impostor model, clamp, fixed threshold, margin) is in the encoder's units (default dlib's).
    With `units` given (the live loop, Settings, doctor), a calibrated point also carries the
    encoder's quality rule (quality_model.py); without, the clean rule only (evaluation rows)."""
    from dataclasses import replace

    from .fusion import centroids
    from .gallery import Gallery
    from .quality_model import load_quality_model, quality_rule
    from .units import DLIB_UNITS

    quality = load_quality_model(units.encoder) if units is not None else None

    units = units or DLIB_UNITS
    settings = units.settings(settings)
    people, centres = centroids(employee_ids, matrix)
    if settings.threshold_mode == "fixed":
        point = fixed_point(settings.match_threshold, len(people), looks)
    else:
        tail = impostor_tail(employee_ids, matrix, people, centres, units.impostor_model)
        point = operating_point(tail, len(people), settings.strangers_per_1000 / 1000, looks, units.threshold_range)
        if quality is not None:
            point = replace(point, quality=quality_rule(quality, point))
    return Gallery(people, centres, point.threshold, settings.min_margin), point
