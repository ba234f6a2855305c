"""The face engine: detect -> 5-point landmarks -> aligned chip -> embedding, plus quality.

One object owns the three models so the app loads, verifies and warms them once, and so
every caller (CLI, camera loop, enrolment) gets exactly the same pipeline.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..shared import paths
from .align import extract_chips
from .crops import FaceCrop, chips_from_crops, make_crop
from .detector import MTCNNDetector, ONet, PNet, RNet
from .encoder import FaceEncoder
from .imageio import to_rgb
from .landmarks import ShapePredictor5
from .models import Manifest
from ..shared.errors import ModelMissingError
from .quality import measure
from .runtime import Runtime
from .types import Detections, Face

if TYPE_CHECKING:
    from .liveness_model import PassiveLiveness

log = logging.getLogger(__name__)

# dlib's 5-point predictor was trained on the square boxes of dlib's own detector; MTCNN's
# final boxes are not square. Squaring them about their centre (side = the longer side)
# scored 98.83% on LFW fold 1 against 98.17% unsquared. Also moving and shrinking them onto
# dlib's detector convention (build/calibrate_boxes.py: centre +0.072 h, side x0.84 on 411
# LFW faces) scored 98.17%, so the square is all we do.

# Faces are looked for in a copy of at most this many pixels (a 1080p frame fits as it is):
# the detector needs about 60 bytes per pixel it sees, 2.4 GB for a 24 MP photo. Landmarks
# and chips still come from the full image, so a large photo keeps its detail.
DETECT_MAX_PIXELS = 2_100_000


@dataclasses.dataclass(frozen=True)
class EngineSpec:
    """What FaceEngine.load was given: plain values another process can load the same engine
    from (faceapp/vision/workers.py), with its own thread budget."""

    models_dir: str | None
    provider: str | None
    min_face_px: int
    min_score: float
    encoder: str | None

    def load(self, intra_op_threads: int = 0) -> "FaceEngine":
        return FaceEngine.load(Path(self.models_dir) if self.models_dir else None, self.provider,
                               min_face_px=self.min_face_px, min_score=self.min_score, encoder=self.encoder,
                               intra_op_threads=intra_op_threads)


def square_boxes(boxes: np.ndarray) -> np.ndarray:
    """(N, 4) x1, y1, x2, y2 boxes made square about their centres."""
    if len(boxes) == 0:
        return np.zeros((0, 4), np.float32)
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], 1).astype(np.float32)


class FaceEngine:
    """detect, align, embed (batched) and the one-call analyze(image) -> list[Face]."""

    def __init__(self, detector: MTCNNDetector, shapes: ShapePredictor5, encoder: FaceEncoder,
                 runtime: Runtime, model_id: str, min_score: float = 0.9,
                 detect_max_pixels: int = DETECT_MAX_PIXELS):
        self.detector = detector
        self.min_score = float(min_score)
        self.detect_max_pixels = int(detect_max_pixels)
        self.shapes = shapes
        self.encoder = encoder
        self.runtime = runtime
        self.model_id = model_id
        self.last_timings: dict[str, float] = {}

    spec: "EngineSpec | None" = None  # how load() built it: worker processes load the same (vision/workers.py)

    @classmethod
    def load(cls, models_dir: Path | None = None, provider: str | None = None, verify: bool = True,
             min_face_px: int = 40, min_score: float = 0.9, warmup: bool = True,
             encoder: str | None = None, intra_op_threads: int = 0) -> "FaceEngine":
        """Load and check the detector, landmarks and one encoder pack from the manifest
        (sha256, io shapes). encoder: the pack's id (None: the entry under "encoder", dlib's;
        the app passes the database's encoder, app.py). intra_op_threads: ONNX Runtime's
        threads per model (0: one per core; worker processes take 1 each)."""
        manifest = Manifest(models_dir or paths.models_dir())
        runtime = Runtime(provider, intra_op_threads)  # type: ignore[arg-type]
        detector = MTCNNDetector(
            PNet.from_manifest(manifest, runtime, verify),
            RNet.from_manifest(manifest, runtime, verify),
            ONet.from_manifest(manifest, runtime, verify),
            min_face_size=min_face_px,
        )
        shapes = ShapePredictor5(manifest.entry("shape_predictor_5", verify).path)
        enc = FaceEncoder.from_manifest(manifest, runtime, verify, encoder)
        engine = cls(detector, shapes, enc, runtime, manifest.encoder_entry(encoder, False).model_id, min_score)
        engine.manifest = manifest
        engine.spec = EngineSpec(str(models_dir) if models_dir else None, provider, min_face_px, min_score, encoder)
        if warmup:
            engine.warmup()
        log.info("face engine ready on %s (encoder %s)", runtime.provider_in_use, engine.model_id)
        return engine

    manifest: Manifest | None = None  # set by load(): where the optional models come from
    _passive: "PassiveLiveness | None" = None

    def passive_liveness(self) -> "PassiveLiveness":
        """The passive-liveness models (MiniFASNet), loaded and checked on first use: only a
        door whose policy reads them pays for them. Raises ModelMissingError / ModelMismatchError."""
        if self._passive is None:
            from .liveness_model import PassiveLiveness

            if self.manifest is None:
                raise ModelMissingError("passive liveness needs the model manifest (FaceEngine.load)")
            passive = PassiveLiveness.load(self.manifest, self.runtime)
            passive.warmup()
            self._passive = passive
        return self._passive

    @property
    def provider(self) -> str:
        return self.runtime.provider_in_use

    def warmup(self) -> None:
        """First ONNX Runtime calls allocate and pick kernels; do it before the first visitor."""
        frame = np.zeros((240, 320, 3), np.uint8)
        self.detector.detect(frame)
        s = self.encoder.chip_size
        self.encoder.embed(np.zeros((1, s, s, 3), np.uint8))

    supports_regions = True  # analyze(image, regions=...): vision/tracked.py may search near tracks only

    def detect(self, image: np.ndarray, regions: np.ndarray | None = None) -> Detections:
        """Faces scoring at least min_score (the detector itself keeps MTCNN's 0.7 cut-off),
        in the image's coordinates; images above detect_max_pixels are searched reduced.
        regions: (K, 5) x1, y1, x2, y2, face side: search only there (MTCNNDetector.detect)."""
        image = to_rgb(image)
        h, w = image.shape[:2]
        if regions is not None and h * w <= self.detect_max_pixels:
            dets = self.detector.detect(image, regions)
        elif h * w <= self.detect_max_pixels:
            dets = self.detector.detect(image)
        else:
            f = math.sqrt(self.detect_max_pixels / (h * w))
            small = cv2.resize(image, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
            fx, fy = small.shape[1] / w, small.shape[0] / h
            found = self.detector.detect(small)
            dets = Detections((found.boxes / np.array([fx, fy, fx, fy], np.float32)).astype(np.float32),
                              found.scores, (found.landmarks / np.array([fx, fy], np.float32)).astype(np.float32))
        return dets.select(np.flatnonzero(dets.scores >= self.min_score)) if len(dets) else dets

    def align(self, image: np.ndarray, dets: Detections) -> tuple[np.ndarray, np.ndarray]:
        """(shapes5 (N,5,2), chips (N,S,S,3) uint8) for each detection, aligned the way the
        encoder's pack says (dlib's 150 px chip, or a template of the 5 points)."""
        image = to_rgb(image)
        shapes5 = self.shapes.predict(image, square_boxes(dets.boxes))
        return shapes5, self.encoder.pack.chips(image, shapes5)

    def embed(self, chips: np.ndarray) -> np.ndarray:
        return self.encoder.embed(chips)

    def make_crop(self, image: np.ndarray, face: Face) -> Face:
        """The face with its encoder-neutral enrolment crop attached (vision/crops.py)."""
        return dataclasses.replace(face, crop=make_crop(to_rgb(image), face.shape5))

    def chips_from_crops(self, crops: list[FaceCrop]) -> np.ndarray:
        """This encoder's chips, aligned from stored crops and their 5 points as its pack says."""
        return chips_from_crops(crops, self.encoder.pack)

    def embed_crops(self, crops: list[FaceCrop]) -> np.ndarray:
        """(N, D) descriptors of stored crops with this engine's encoder (template rebuild)."""
        return self.encoder.embed(self.chips_from_crops(crops))

    def analyze(self, image: np.ndarray, max_faces: int | None = None, regions: np.ndarray | None = None,
                embed: Callable[[np.ndarray], np.ndarray] | None = None) -> list[Face]:
        """Every face in the image (or in `regions`, see detect()), largest first, with
        landmarks, chip, embedding, quality. embed: (N, 4) boxes -> (N,) bool, which faces
        need a descriptor (the video loop skips people already decided); the others get
        embedding None."""
        t0 = time.perf_counter()
        dets, shapes5, chips, qchips, t1 = self._detect_align(image, max_faces, regions)
        t2 = time.perf_counter()
        if embed is None or not len(dets):
            emb: list[np.ndarray | None] = list(self.encoder.embed(chips))
        else:
            want = np.asarray(embed(dets.boxes), bool).reshape(len(dets))
            emb = [None] * len(dets)
            if want.any():
                for i, e in zip(np.flatnonzero(want), self.encoder.embed(chips[want])):
                    emb[i] = e
        t3 = time.perf_counter()
        self.last_timings = {"detect": t1 - t0, "align": t2 - t1, "embed": t3 - t2}
        return _faces(dets, shapes5, chips, emb, qchips)

    def analyze_many(self, images: list[np.ndarray], max_faces: int | None = None) -> list[list[Face]]:
        """analyze() of several images with one batched descriptor pass (bulk enrolment:
        the encoder is about 1.4x faster per face in batches than one face at a time)."""
        found = [self._detect_align(image, max_faces)[:4] for image in images]
        chips = [c for _, _, cs, _ in found for c in cs]
        emb = self.encoder.embed(np.stack(chips)) if chips else np.zeros((0, self.encoder.dim), np.float32)
        out, at = [], 0
        for dets, shapes5, cs, qs in found:
            out.append(_faces(dets, shapes5, cs, emb[at:at + len(cs)], qs))
            at += len(cs)
        return out

    def _detect_align(self, image: np.ndarray, max_faces: int | None,  # noqa: ANN202
                      regions: np.ndarray | None = None):
        """(detections, shapes5, chips, quality chips, time after detection) of the largest
        max_faces faces. Quality (blur, brightness) is always measured on dlib's 150 px chip,
        the frame the enrolment gates were calibrated on, whatever the encoder's chip."""
        image = to_rgb(image)
        dets = self.detect(image, regions)
        if max_faces is not None and len(dets) > max_faces:
            area = (dets.boxes[:, 2] - dets.boxes[:, 0]) * (dets.boxes[:, 3] - dets.boxes[:, 1])
            dets = dets.select(np.argsort(-area)[:max_faces])
        t1 = time.perf_counter()
        shapes5, chips = self.align(image, dets)
        pack = self.encoder.pack
        qchips = chips if pack.alignment == "dlib_chip" and pack.size == 150 else extract_chips(image, shapes5)
        return dets, shapes5, chips, qchips, t1


def _faces(dets: Detections, shapes5: np.ndarray, chips: np.ndarray, emb: "np.ndarray | list",
           qchips: np.ndarray | None = None) -> list[Face]:
    """Face records, largest first."""
    faces = [
        Face(box=dets.boxes[i], score=float(dets.scores[i]), landmarks=dets.landmarks[i],
             shape5=shapes5[i], chip=chips[i], embedding=emb[i],
             quality=measure(dets.boxes[i], dets.landmarks[i], (chips if qchips is None else qchips)[i]))
        for i in range(len(dets))
    ]
    faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
    return faces


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two descriptors: the one metric thresholds refer to."""
    return float(np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32)))
