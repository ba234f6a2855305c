"""Face descriptors: one wrapper for every encoder, driven by its model pack.

A pack (models/manifest.json, an entry with "role": "encoder") says everything the wrapper
needs: the graph's input name, layout (NCHW/NHWC), chip size, colour order and
normalisation, the output's name and dimension, whether descriptors are L2-normalised, the
alignment (vision/align.py) and the metric. The shapes the pack declares are checked against
the ONNX file at load, so a swapped file fails at start-up with expected vs actual shapes.

Two packs ship: dlib's ResNet v1 (128-D, raw descriptors, 150 px dlib chips; normalisation
inside the graph; public domain) and MobileFaceNet (192-D, unit vectors, 112 px ArcFace-style
chips from dlib's 5 points; build/exporters/mobilefacenet.py). Distances are always
euclidean; for unit vectors that is sqrt(2 - 2 cos), monotonic in cosine. A pack may set
"flip_average": each chip and its mirror are embedded in one run and averaged (ArcFace
practice); the model id then ends in "+flip". No shipped pack sets it (measured: no gain on
the development set at twice the embed time; README "Choosing the threshold").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..shared.errors import ModelMismatchError
from .align import DLIB5_ARCFACE_112, TEMPLATE_5, extract_chips, template_chips
from .models import Manifest, ModelEntry, OnnxModel, Shape
from .runtime import Runtime

log = logging.getLogger(__name__)

CHIP_SIZE = 150  # dlib's chip (kept for callers of the dlib encoder)
MAX_BATCH = 32  # bounds memory per run; larger batches gain little on CPU
ALIGNMENTS = ("dlib_chip", "template")


@dataclass(frozen=True)
class EncoderPack:
    """What one encoder expects and returns (the manifest entry's pack fields)."""

    id: str
    input_name: str
    output_name: str
    layout: str  # "NCHW" or "NHWC"
    size: int  # chip side, pixels
    colour: str  # "RGB" or "BGR"
    mean: float  # input = (pixel - mean) * scale
    scale: float
    dim: int
    l2_normalise: bool  # unit-length descriptors (compared by euclidean = sqrt(2 - 2 cos))
    alignment: str  # "dlib_chip" (dlib's 150 px chip, padding 0.25) or "template"
    points: tuple[tuple[float, float], ...]  # the 5 dlib points' positions (unit square or pixels)
    metric: str = "euclidean"
    units: dict[str, Any] = field(default_factory=dict, compare=False)
    flip_average: bool = False  # embed the chip and its mirror image, average (ArcFace-family practice)

    @classmethod
    def from_entry(cls, info: dict[str, Any]) -> "EncoderPack":
        """Pack of a manifest entry; ModelMismatchError names what is missing or unknown."""
        name = info.get("id", "?")
        try:
            pre, out, align = info["preprocess"], info["output"], info["alignment"]
            pack = cls(id=str(info["id"]), input_name=str(pre["input"]), output_name=str(out["name"]),
                       layout=str(pre["layout"]), size=int(pre["size"]), colour=str(pre["colour"]),
                       mean=float(pre["mean"]), scale=float(pre["scale"]), dim=int(out["dim"]),
                       l2_normalise=bool(out["l2_normalise"]), alignment=str(align["name"]),
                       points=tuple((float(x), float(y)) for x, y in align["points"]),
                       metric=str(info["metric"]["name"]), units=dict(info.get("units", {})),
                       flip_average=bool(pre.get("flip_average", False)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelMismatchError(f"encoder pack {name!r} in the manifest is incomplete: {exc!r}") from None
        if pack.layout not in ("NCHW", "NHWC") or pack.colour not in ("RGB", "BGR") \
                or pack.alignment not in ALIGNMENTS or len(pack.points) != 5:
            raise ModelMismatchError(f"encoder pack {name!r}: unsupported layout {pack.layout}, colour "
                                     f"{pack.colour} or alignment {pack.alignment} ({len(pack.points)} points)")
        return pack

    @property
    def input_shape(self) -> Shape:
        s = self.size
        return (None, 3, s, s) if self.layout == "NCHW" else (None, s, s, 3)

    def chips(self, image: np.ndarray, shapes5: np.ndarray) -> np.ndarray:
        """(N, size, size, 3) uint8 RGB chips aligned the way this encoder was trained."""
        if self.alignment == "dlib_chip":
            return extract_chips(image, shapes5, size=self.size)
        return template_chips(image, shapes5, np.asarray(self.points, np.float64), self.size)


# dlib's pack as the shipped manifest declares it; used where a FaceEncoder is made from a
# bare file (tests, tools) rather than from the manifest.
DLIB_PACK = EncoderPack("dlib_resnet_v1", "input", "embedding", "NCHW", CHIP_SIZE, "RGB", 0.0, 1.0, 128, False,
                        "dlib_chip", tuple(map(tuple, TEMPLATE_5.tolist())))
MOBILEFACENET_PACK = EncoderPack("mobilefacenet_v1", "input", "embedding", "NHWC", 112, "RGB", 127.5, 1 / 128,
                                 192, True, "template", tuple(map(tuple, DLIB5_ARCFACE_112.tolist())),
                                 "euclidean_unit")


class FaceEncoder(OnnxModel):
    """(N, S, S, 3) uint8 RGB chips -> (N, D) float32 descriptors, as the pack says."""

    key: ClassVar[str] = "encoder"

    def __init__(self, path: Path, runtime: Runtime, pack: EncoderPack = DLIB_PACK):
        self.pack = pack
        self.inputs = {pack.input_name: pack.input_shape}
        self.outputs = {pack.output_name: (None, pack.dim)}
        super().__init__(path, runtime)

    @classmethod
    def from_manifest(cls, manifest: Manifest, runtime: Runtime, verify: bool = True,
                      encoder_id: str | None = None) -> "FaceEncoder":
        entry: ModelEntry = manifest.encoder_entry(encoder_id, verify=verify)
        return cls(entry.path, runtime, EncoderPack.from_entry(entry.info))

    @property
    def dim(self) -> int:
        return self.pack.dim

    @property
    def chip_size(self) -> int:
        return self.pack.size

    def warmup_inputs(self) -> dict[str, np.ndarray]:
        return {self.pack.input_name: np.zeros([1 if d is None else d for d in self.pack.input_shape], np.float32)}

    def embed(self, chips: np.ndarray) -> np.ndarray:
        chips = np.asarray(chips)
        if chips.ndim == 3:
            chips = chips[None]
        s, p = self.pack.size, self.pack
        if len(chips) == 0:
            return np.zeros((0, p.dim), np.float32)
        if chips.shape[1:] != (s, s, 3):
            raise ValueError(f"expected chips (N, {s}, {s}, 3) for encoder {p.id}, got {chips.shape}")
        out = []
        step = MAX_BATCH // 2 if p.flip_average else MAX_BATCH
        for i in range(0, len(chips), step):
            batch = chips[i:i + step].astype(np.float32)
            if p.flip_average:  # chips then their mirrors, one run
                batch = np.concatenate([batch, batch[:, :, ::-1]])
            if p.colour == "BGR":
                batch = batch[..., ::-1]
            if p.mean or p.scale != 1.0:
                batch = (batch - p.mean) * p.scale
            if p.layout == "NCHW":
                batch = batch.transpose(0, 3, 1, 2)
            got = self.run(**{p.input_name: np.ascontiguousarray(batch, np.float32)})[0]
            if p.flip_average:
                n = len(got) // 2
                if p.l2_normalise:  # average the unit vectors (renormalised below)
                    got = got / np.maximum(np.linalg.norm(got, axis=1, keepdims=True), 1e-10)
                got = (got[:n] + got[n:]) / 2
            out.append(got)
        emb = np.concatenate(out).astype(np.float32, copy=False)
        if p.l2_normalise:
            emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-10)
        return emb
