"""The quality-aware operating point: a threshold that depends on how good the track's faces are.

The gallery calibration (calibration.py) describes probes as good as the enrolment photos. A
camera's faces are often smaller and softer, and such probes sit closer to everyone in the
bulk of the impostor distribution (issue 24). Whether the far tail, where the calibrated
threshold lives, moves too is a question of measurement, answered per encoder by
`build/fit_quality_model.py` on the development set (LFW set 1 photos degraded to smaller,
blurred, compressed faces) and shipped as a small table (models/quality_model.json): per
band of probe quality, how the probit fit of the impostor tail moves against clean probes
(mu shift, sigma ratio). At a look, the gallery's own tail is moved by the band of the
track's quality and the threshold worked out again for the same target; it is never looser
than the clean one (loosening is not measured to hold), and a poorer band is never looser
than a better one. Below the table's lowest band there is no measurement (and the miss rate
is no longer useful): no decision is taken and the face is asked to come closer.

The measure is the face's size in the frame (detector box side, px): what the person can
change ("come closer"), and where the detector, then the measurement, runs out. Sharpness
was tried as well: it orders the bulk's shift, but its bands' tails did not move closer
either (README "Probe quality"). A track's quality is the fusion-weighted mean of the sizes
of the frames fused into its probe.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

from .calibration import ImpostorTail, OperatingPoint
from .gallery import Match

log = logging.getLogger(__name__)

FILE_NAME = "quality_model.json"
COME_CLOSER = "come_closer"  # Match/Decision reason: the track's faces are too poor to decide on


_WARNED: set[str] = set()


class QualityModelError(ValueError):
    """The shipped quality table cannot be read."""


@dataclass(frozen=True)
class QualityBand:
    """Probes whose quality is at least `lo` (up to the next band's lo)."""

    lo: float
    mu_shift: float  # impostor tail's probit mean, this band minus clean probes
    sigma_ratio: float  # its probit sigma over the clean probes'
    pairs: int = 0  # impostor pairs behind the fit (dev set)


@dataclass(frozen=True)
class QualityModel:
    """One encoder's table: bands in ascending quality; below the first band's lo: decline."""

    encoder: str
    measure: str  # "face_px"
    bands: tuple[QualityBand, ...]
    source: str = ""

    @property
    def min_quality(self) -> float:
        return self.bands[0].lo

    def band(self, quality: float) -> QualityBand | None:
        """The band a quality falls in; None below the minimum. A quality that is not known
        (nan) is treated as the worst band that still decides, never as clean."""
        if math.isnan(quality):
            return self.bands[0]
        found = None
        for b in self.bands:
            if quality >= b.lo:
                found = b
        return found

    def tail(self, clean: ImpostorTail, band: QualityBand) -> ImpostorTail:
        """The clean impostor tail moved to what probes of this band see."""
        return ImpostorTail(clean.mu + band.mu_shift, clean.sigma * band.sigma_ratio, clean.pairs,
                            f"{clean.source}, quality >= {band.lo:g}")

    def to_json(self) -> dict:
        return {"measure": self.measure, "source": self.source,
                "bands": [{"lo": b.lo, "mu_shift": round(b.mu_shift, 5), "sigma_ratio": round(b.sigma_ratio, 5),
                           "pairs": b.pairs} for b in self.bands]}

    @classmethod
    def from_json(cls, encoder: str, data: dict) -> "QualityModel":
        try:
            bands = tuple(sorted((QualityBand(float(b["lo"]), float(b["mu_shift"]), float(b["sigma_ratio"]),
                                              int(b.get("pairs", 0))) for b in data["bands"]), key=lambda b: b.lo))
            model = cls(encoder, str(data["measure"]), bands, str(data.get("source", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise QualityModelError(f"quality table of {encoder}: {exc}") from None
        if not bands or any(b.sigma_ratio <= 0 for b in bands):
            raise QualityModelError(f"quality table of {encoder}: no bands, or a sigma ratio <= 0")
        return model


def encoder_name(model_id: str) -> str:
    """"dlib_resnet_v1@16943591e6f1" -> "dlib_resnet_v1" (the table is per encoder, not per file hash)."""
    return model_id.split("@", 1)[0]


def load_quality_model(model_id: str, directory: Path | None = None) -> QualityModel | None:
    """The shipped table for this encoder (models/quality_model.json), None when it has none."""
    if directory is None:
        from ..shared.paths import models_dir

        directory = models_dir()
    path = Path(directory) / FILE_NAME
    if not path.is_file():
        if str(path) not in _WARNED:  # once per file: galleries are recalibrated often
            _WARNED.add(str(path))
            log.warning("no quality table (%s): decisions use the clean threshold at every face size", path)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QualityModelError(f"{path}: {exc}") from None
    entry = data.get("encoders", {}).get(encoder_name(model_id))
    return None if entry is None else QualityModel.from_json(encoder_name(model_id), entry)


@dataclass(frozen=True)
class QualityRule:
    """threshold(quality) for one operating point: the clean threshold moved by the band."""

    model: QualityModel
    clean_threshold: float
    thresholds: tuple[float, ...]  # per band of model.bands

    def threshold(self, quality: float) -> float | None:
        """The distance a track of this quality must beat; None: too poor to decide."""
        band = self.model.band(quality)
        return None if band is None else self.thresholds[self.model.bands.index(band)]

    def apply(self, m: Match, quality: float) -> Match:
        """The gallery's verdict (made at the clean threshold) under this track's threshold:
        too poor to decide -> unknown with reason "come_closer"; known but farther than this
        quality's threshold -> unknown. Never turns an unknown into a known."""
        t = self.threshold(quality)
        if t is None:
            return replace(m, employee_id=None, candidate_id=m.candidate_id if m.candidate_id is not None
                           else m.employee_id, reason=COME_CLOSER)
        if m.employee_id is not None and m.distance > t:
            return replace(m, employee_id=None, candidate_id=m.employee_id)
        return m

    def describe(self) -> str:
        """One clause for the operating point's line."""
        lo = self.model.min_quality
        tighter = [(b.lo, t) for b, t in zip(self.model.bands, self.thresholds) if t < self.clean_threshold - 5e-4]
        text = f"faces under {lo:g} px: please come closer"
        if tighter:
            hi = max(b for b, _ in tighter)
            nxt = [b.lo for b in self.model.bands if b.lo > hi]
            upto = f"{lo:g}-{nxt[0]:g} px" if nxt else f"from {lo:g} px"
            text += f"; smaller faces ({upto}) need down to {min(t for _, t in tighter):.2f}"
        return text


def quality_rule(model: QualityModel, point: OperatingPoint) -> QualityRule | None:
    """The rule for a calibrated operating point (None for the fixed expert threshold: fixed
    means fixed). Each band's threshold keeps the point's target for that band's impostor
    tail, and is never looser than the clean threshold (loosening is not measured to hold)."""
    if point.tail is None:
        return None
    rate = point.target / max(1, point.looks)
    ts = [min(point.threshold, model.tail(point.tail, b).threshold(rate, max(1, point.people))) for b in model.bands]
    for i in range(len(ts) - 2, -1, -1):  # a poorer band is never looser than a better one (fit noise)
        ts[i] = min(ts[i], ts[i + 1])
    return QualityRule(model, point.threshold, tuple(ts))
