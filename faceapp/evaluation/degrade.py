"""Probe degradation for `faceapp eval-ident --degrade`: what a camera does to a face that an
enrolment photo did not (a small face, a soft or moving one, a compressed stream).

Applied to PROBE photos only (the gallery stays clean, as at a kiosk: people enrolled from
good photos, probed by a camera). In the order a camera applies them: the whole image is
rescaled so the face is `size` px wide, then blurred (Gaussian, sigma in pixels of the
rescaled image), then JPEG re-encoded at `jpeg` quality. Evaluation only (the architecture
contract keeps this out of the product)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..shared.errors import InvalidValueError

# Face width (detector box side) in LFW's deep-funneled 250 px crops, used when no clean
# detection of the photo is known (the median box side of lfw/ through our detector is about 94).
LFW_FACE_PX = 94.0


class DegradeSpecError(InvalidValueError):
    """A --degrade level that cannot be read (a usage error, exit code 2)."""


@dataclass(frozen=True)
class Degrade:
    """One degradation level; all None = the clean photo."""

    size: float | None = None  # face width in pixels after rescaling
    blur: float | None = None  # Gaussian sigma in pixels
    jpeg: int | None = None  # JPEG quality 1..100

    @property
    def clean(self) -> bool:
        return self.size is None and self.blur is None and self.jpeg is None

    @property
    def name(self) -> str:
        """The spec as typed: "none" or e.g. "size=60+blur=2+jpeg=50" (also the cache key)."""
        parts = [f"size={self.size:g}" if self.size is not None else "",
                 f"blur={self.blur:g}" if self.blur is not None else "",
                 f"jpeg={self.jpeg}" if self.jpeg is not None else ""]
        return "+".join(p for p in parts if p) or "none"


def parse_level(text: str) -> Degrade:
    """"none", or key=value parts joined by '+': size=PX (8-1000), blur=SIGMA (0-20), jpeg=Q (1-100)."""
    t = text.strip().lower()
    if t in ("none", "clean", ""):
        return Degrade()
    vals: dict[str, float] = {}
    for part in t.split("+"):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("size", "blur", "jpeg") or key in vals:
            raise DegradeSpecError(f"--degrade: {part!r} in {text!r}; use none or size=PX, blur=SIGMA, jpeg=Q "
                                   "joined by '+'")
        try:
            vals[key] = float(value)
        except ValueError:
            raise DegradeSpecError(f"--degrade: {part!r} is not a number") from None
    limits = {"size": (8, 1000), "blur": (0, 20), "jpeg": (1, 100)}
    for key, v in vals.items():
        lo, hi = limits[key]
        if not lo <= v <= hi:
            raise DegradeSpecError(f"--degrade: {key}={v:g} is outside {lo}-{hi}")
    return Degrade(vals.get("size"), vals.get("blur"), int(vals["jpeg"]) if "jpeg" in vals else None)


def parse_levels(text: str) -> list[Degrade]:
    """A comma-separated list of levels, duplicates dropped, order kept."""
    out: list[Degrade] = []
    for part in text.split(","):
        level = parse_level(part)
        if level not in out:
            out.append(level)
    return out


def rescale(image: np.ndarray, face_px: float, target_px: float) -> np.ndarray:
    """The whole image scaled so a face `face_px` wide becomes `target_px` wide (area
    averaging when shrinking, as a camera's sensor integrates light)."""
    f = float(target_px) / max(1.0, float(face_px))
    h, w = image.shape[:2]
    size = (max(1, round(w * f)), max(1, round(h * f)))
    if size == (w, h):
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return image if sigma <= 0 else cv2.GaussianBlur(image, (0, 0), sigmaX=float(sigma))


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode at `quality` (RGB in, RGB out)."""
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def apply(image: np.ndarray, level: Degrade, face_px: float | None = None) -> np.ndarray:
    """The photo as the camera of `level` would deliver it (face_px: the face's width in this
    image; LFW's crop geometry when unknown)."""
    out = image
    if level.size is not None:
        out = rescale(out, face_px or LFW_FACE_PX, level.size)
    if level.blur is not None:
        out = blur(out, level.blur)
    if level.jpeg is not None:
        out = jpeg(out, level.jpeg)
    return out
