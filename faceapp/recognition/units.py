"""The distance-unit values of one encoder: every number that means "this far apart".

Distances of different encoders have different scales (dlib's raw 128-D descriptors: a
stranger is about 0.83 away; MobileFaceNet's unit vectors: about 1.3), so the shipped
impostor model, the fixed threshold, the margin, the tracker's jump, the clamp of the
calibrated threshold and the fusion weights come from the encoder's pack (models/manifest.json,
"units", each value with its rule and `measured_by`: the command, build/fit_encoder_units.py),
never from constants written for dlib.

Settings that are distances (`match_threshold`, `min_margin`, `track_split_distance`) follow
the pack while they are at their defaults; a value the administrator set is used as it is
(an expert override, in the active encoder's units).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .calibration import IMPOSTOR_MODEL_LFW, THRESHOLD_RANGE, ImpostorTail
from .fusion import MIN_WEIGHT, YAW_SCALE_DEG
from .settings import RecognitionSettings

_DEFAULTS = RecognitionSettings()
DISTANCE_SETTINGS = ("match_threshold", "min_margin", "track_split_distance")


class UnitsError(ValueError):
    """An encoder pack's units are missing or not numbers."""


@dataclass(frozen=True)
class EncoderUnits:
    encoder: str
    impostor_model: ImpostorTail
    match_threshold: float
    min_margin: float
    track_split_distance: float
    threshold_range: tuple[float, float]
    yaw_scale_deg: float = YAW_SCALE_DEG
    min_weight: float = MIN_WEIGHT
    renormalise: bool = False  # unit-vector descriptors: fused probes are renormalised means

    @classmethod
    def from_pack(cls, encoder: str, units: dict[str, Any]) -> "EncoderUnits":
        """From a pack's "units" (vision/encoder.py EncoderPack.units)."""
        try:
            imp = units["impostor_model"]
            fusion = units.get("fusion", {})
            out = cls(encoder,
                      ImpostorTail(float(imp["mu"]), float(imp["sigma"]), int(imp["pairs"]), str(imp["source"])),
                      float(units["match_threshold"]["value"]), float(units["min_margin"]["value"]),
                      float(units["track_split_distance"]["value"]),
                      tuple(float(v) for v in units["threshold_range"]["value"]),  # type: ignore[arg-type]
                      float(fusion.get("yaw_scale_deg", YAW_SCALE_DEG)), float(fusion.get("min_weight", MIN_WEIGHT)),
                      bool(fusion.get("renormalise", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise UnitsError(f"encoder {encoder}: its pack's distance units are incomplete ({exc!r})") from None
        if len(out.threshold_range) != 2 or out.impostor_model.sigma <= 0:
            raise UnitsError(f"encoder {encoder}: bad threshold range or impostor model in its pack")
        return out

    def settings(self, recognition: RecognitionSettings) -> RecognitionSettings:
        """The recognition settings in this encoder's units: each distance setting still at
        its default takes the pack's value; one the administrator changed stays."""
        changes = {name: getattr(self, name) for name in DISTANCE_SETTINGS
                   if getattr(recognition, name) == getattr(_DEFAULTS, name)}
        return replace(recognition, **changes) if changes else recognition

    def describe(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "impostor_model"} | {
            "impostor_mu": self.impostor_model.mu, "impostor_sigma": self.impostor_model.sigma}


# dlib's values, as its pack in the shipped manifest says (tests/recognition/test_units.py
# checks they agree); used where no engine says otherwise.
DLIB_UNITS = EncoderUnits("dlib_resnet_v1", IMPOSTOR_MODEL_LFW, _DEFAULTS.match_threshold, _DEFAULTS.min_margin,
                          _DEFAULTS.track_split_distance, THRESHOLD_RANGE)


def units_for(engine: Any) -> EncoderUnits:
    """The units of the engine's encoder pack (DLIB_UNITS for an engine without one: test
    doubles, a FaceEncoder made from a bare file)."""
    pack = getattr(getattr(engine, "encoder", None), "pack", None)
    if pack is None or not getattr(pack, "units", None):
        return DLIB_UNITS
    return EncoderUnits.from_pack(pack.id, pack.units)
