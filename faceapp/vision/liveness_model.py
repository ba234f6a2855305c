"""Passive liveness (presentation-attack detection) from single frames: MiniFASNet.

Two small models from minivision-ai/Silent-Face-Anti-Spoofing (Apache-2.0, exported by
build/exporters/minifasnet.py): MiniFASNetV2 on a crop of 2.7x the face box and
MiniFASNetV1SE on 4.0x, each 80x80 BGR 0..255 in, softmax over (print, real, screen) out.
As upstream, the two softmax outputs are averaged; the "real" probability is the score.

The crop rule is upstream's (src/generate_patches.py CropImage): the box (x, y, w, h) is
scaled about its centre by min(scale, (H-1)/h, (W-1)/w), shifted back inside the image
when it crosses a border (not clipped), truncated to int, and the inclusive pixel range
resized to 80x80 with bilinear interpolation.

Box convention: upstream's box comes from its RetinaFace Caffe detector; ours from MTCNN.
to_upstream_box maps an MTCNN box onto upstream's convention with the centre shift and size
ratio measured by build/calibrate_pad_boxes.py (BOX_MAP below); the scale factors apply to
that mapped box, as upstream's models were trained on patches of their detector's boxes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from .models import Manifest, OnnxModel, Shape
from .runtime import Runtime

log = logging.getLogger(__name__)

SIZE = 80
REAL = 1  # class index of a real face in both models' outputs

# MTCNN box (x1, y1, x2, y2) -> upstream RetinaFace box: centre moved by (dx, dy) times the
# MTCNN box width/height, sides multiplied by (sx, sy). Measured by build/calibrate_pad_boxes.py
# on the 3 upstream samples and 60 LFW development photos (63 faces; medians, interquartile
# ranges dx -0.023..0.014, dy 0.057..0.076, sx 1.12..1.20, sy 0.86..0.92): upstream's box is
# wider, shorter and lower than MTCNN's (it leaves out the forehead, keeps the chin).
BOX_MAP = {"dx": -0.005, "dy": 0.065, "sx": 1.154, "sy": 0.89}


def crop_box(src_w: int, src_h: int, box_xywh: tuple[float, float, float, float], scale: float
             ) -> tuple[int, int, int, int]:
    """Upstream's patch box (x1, y1, x2, y2), inclusive, for a face box (x, y, w, h)."""
    x, y, bw, bh = (float(v) for v in box_xywh)
    scale = min((src_h - 1) / bh, min((src_w - 1) / bw, scale))
    nw, nh = bw * scale, bh * scale
    cx, cy = bw / 2 + x, bh / 2 + y
    x1, y1, x2, y2 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x1 < 0:  # shifted back inside, keeping its size
        x2 -= x1
        x1 = 0
    if y1 < 0:
        y2 -= y1
        y1 = 0
    if x2 > src_w - 1:
        x1 -= x2 - src_w + 1
        x2 = src_w - 1
    if y2 > src_h - 1:
        y1 -= y2 - src_h + 1
        y2 = src_h - 1
    return int(x1), int(y1), int(x2), int(y2)


def crop_patch(image: np.ndarray, box: tuple[int, int, int, int], size: int = SIZE) -> np.ndarray:
    """The inclusive box of `image` resized to size x size (bilinear, as cv2.resize defaults)."""
    x1, y1, x2, y2 = box
    return cv2.resize(image[y1:y2 + 1, x1:x2 + 1], (size, size))


def to_upstream_box(box: np.ndarray, box_map: dict[str, float] = BOX_MAP) -> tuple[int, int, int, int]:
    """An MTCNN box (x1, y1, x2, y2) as upstream's detector would have drawn it: (x, y, w, h),
    truncated to int like upstream's get_bbox."""
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2 + box_map["dx"] * w, (y1 + y2) / 2 + box_map["dy"] * h
    nw, nh = max(1.0, w * box_map["sx"]), max(1.0, h * box_map["sy"])
    return int(cx - nw / 2), int(cy - nh / 2), int(nw), int(nh)


class MiniFASNet(OnnxModel):
    """One MiniFASNet graph: (N, 3, 80, 80) BGR 0..255 -> (N, 3) class probabilities."""

    inputs: ClassVar[dict[str, Shape]] = {"input": (None, 3, SIZE, SIZE)}
    outputs: ClassVar[dict[str, Shape]] = {"probs": (None, 3)}
    scale: ClassVar[float]

    def probabilities(self, patches_bgr: np.ndarray) -> np.ndarray:
        """(N, 80, 80, 3) uint8 BGR patches -> (N, 3) float32."""
        if len(patches_bgr) == 0:
            return np.zeros((0, 3), np.float32)
        x = np.ascontiguousarray(np.asarray(patches_bgr, np.float32).transpose(0, 3, 1, 2))
        return self.run(input=x)[0]


class MiniFASNetV2(MiniFASNet):
    key = "minifasnet_v2"
    scale = 2.7


class MiniFASNetV1SE(MiniFASNet):
    key = "minifasnet_v1se"
    scale = 4.0


@dataclass(frozen=True)
class PassiveScore:
    """One face in one frame: the two models' averaged probabilities.

    real: probability of a real face (0..1), upstream's "RealFace score".
    print_attack, screen_attack: the other two classes (upstream's training folders 0 and 2).
    """

    real: float
    print_attack: float
    screen_attack: float


class PassiveLiveness:
    """Both models; score(image, boxes) -> one PassiveScore per face box."""

    def __init__(self, models: list[MiniFASNet], box_map: dict[str, float] | None = None):
        if not models:
            raise ValueError("passive liveness needs at least one model")
        self.models = models
        self.box_map = dict(BOX_MAP if box_map is None else box_map)

    @classmethod
    def load(cls, manifest: Manifest, runtime: Runtime, verify: bool = True) -> "PassiveLiveness":
        models: list[MiniFASNet] = [MiniFASNetV2.from_manifest(manifest, runtime, verify),
                                    MiniFASNetV1SE.from_manifest(manifest, runtime, verify)]
        return cls(models)

    def warmup(self) -> None:
        for m in self.models:
            m.warmup()

    def patches(self, image_rgb: np.ndarray, boxes: np.ndarray, scale: float) -> np.ndarray:
        """(N, 80, 80, 3) BGR patches of each MTCNN box at `scale` (upstream's crop rule)."""
        h, w = image_rgb.shape[:2]
        # crop and resize in RGB, then swap the 80x80 patch's channels (not the whole frame's)
        out = [crop_patch(image_rgb, crop_box(w, h, to_upstream_box(b, self.box_map), scale))[:, :, ::-1]
               for b in boxes]
        return np.stack(out) if out else np.zeros((0, SIZE, SIZE, 3), np.uint8)

    def crops(self, image_rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """(N, models, 80, 80, 3) uint8 BGR: each box's patch for each model (its scale). Cheap
        (about 0.1 ms a face): a caller may keep them and run the models only when the verdict
        is read (services/recognition.py)."""
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        if len(boxes) == 0:
            return np.zeros((0, len(self.models), SIZE, SIZE, 3), np.uint8)
        return np.stack([self.patches(image_rgb, boxes, m.scale) for m in self.models], 1)

    def score_crops(self, crops: np.ndarray) -> list[PassiveScore]:
        """Scores of crops() output: the models' probabilities averaged, per face."""
        if len(crops) == 0:
            return []
        total = np.zeros((len(crops), 3), np.float64)
        for i, m in enumerate(self.models):
            total += m.probabilities(crops[:, i])
        total /= len(self.models)
        return [PassiveScore(float(p[REAL]), float(p[0]), float(p[2])) for p in total]

    def score(self, image_rgb: np.ndarray, boxes: np.ndarray) -> list[PassiveScore]:
        """Per face box (x1, y1, x2, y2 in image_rgb's pixels) the averaged probabilities."""
        return self.score_crops(self.crops(image_rgb, boxes))
