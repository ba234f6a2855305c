"""MTCNN face detector: the facenet-pytorch pipeline in numpy around three ONNX nets.

The nets are exported by build/exporters/mtcnn.py from facenet-pytorch 2.6.0 (MIT). Their
input is float32 RGB NCHW normalised as (pixel - 127.5) * 0.0078125.

The pipeline follows facenet_pytorch.models.utils.detect_face step for step (pyramid,
PNet, NMS 0.5 per scale, NMS 0.7, rerec, RNet, NMS 0.7, bbreg, rerec, ONet, bbreg,
NMS 0.7 'Min') so its boxes and landmarks match the original to a small fraction of a
pixel. Resizing reproduces torch's interpolate(mode="area") (adaptive average pooling)
exactly from one integral image: every pyramid level and every 24/48 px crop is four
gathers and a division, with no Python loop over crops.

Results come best score first (facenet-pytorch's MTCNN.detect re-sorts by box area when
select_largest=True; the boxes themselves are the same). One deliberate difference:
facenet-pytorch skips crops whose clipped box is empty but
keeps their boxes, which misaligns boxes and scores (or crashes); we drop those boxes.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from .models import OnnxModel
from .runtime import Runtime
from .types import Detections

log = logging.getLogger(__name__)

_MEAN = np.float32(127.5)
# Pyramid levels searched around a tracked face: those whose PNet cell (12 px at the level)
# is this many face sides in the image, smallest to largest.
REGION_CELLS = (0.4, 3.0)
_SCALE = np.float32(0.0078125)
# MTCNN finds faces down to about this share of its pyramid's start (min_face_size): 40 finds
# 20 px faces (README "Measured performance"; on 60 LFW faces shrunk in a 640x480 frame, a
# start of 40 found 59/60 at 20 px, 45 found 43/60 and 50 26/60).
FINDS_DOWN_TO = 0.5


def pyramid_start(smallest_face_px: float) -> int:
    """The min_face_size whose pyramid finds faces down to `smallest_face_px` pixels."""
    return max(1, math.ceil(round(smallest_face_px / FINDS_DOWN_TO, 6)))


class PNet(OnnxModel):
    """Proposal net: fully convolutional, 12 px window, stride 2."""

    key = "mtcnn_pnet"
    inputs = {"input": (None, 3, None, None)}
    outputs = {"reg": (None, 4, None, None), "prob": (None, 2, None, None)}

    def warmup_inputs(self) -> dict[str, np.ndarray]:
        # 1x1 is below the 12 px receptive field; 12x12 is the smallest valid input.
        return {"input": np.zeros((1, 3, 12, 12), np.float32)}


class RNet(OnnxModel):
    """Refine net on 24x24 crops."""

    key = "mtcnn_rnet"
    inputs = {"input": (None, 3, 24, 24)}
    outputs = {"reg": (None, 4), "prob": (None, 2)}


class ONet(OnnxModel):
    """Output net on 48x48 crops: box regression, 5 landmarks (x1..x5, y1..y5), score."""

    key = "mtcnn_onet"
    inputs = {"input": (None, 3, 48, 48)}
    outputs = {"reg": (None, 4), "landmarks": (None, 10), "prob": (None, 2)}


# ---------------------------------------------------------------- image helpers


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB from grey (H, W), (H, W, 1), RGB or RGBA; ValueError otherwise."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"detect() needs a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"detect() needs a uint8 image, got dtype {image.dtype}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ValueError(
            f"detect() needs an (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA image, got shape {image.shape}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"detect() got an empty image of shape {image.shape}")
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image)


def integral_image(image: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """(H+1, W+1, 4) exact integral image of RGBA (int32 while sums fit, float64 beyond).

    Four channels so one pixel's sums form one 16/32-byte item: every gather below moves
    whole items (fast take) instead of three strided numbers. Pass `out` (from a previous
    call of the same size) to reuse its memory: a fresh buffer per frame costs page faults.
    """
    h, w = image.shape[:2]
    dtype = np.int32 if 255 * h * w < 2**31 else np.float64
    if out is None or out.shape != (h + 1, w + 1, 4) or out.dtype != dtype:
        out = np.empty((h + 1, w + 1, 4), dtype)
    depth = cv2.CV_32S if dtype == np.int32 else cv2.CV_64F
    cv2.integral(cv2.cvtColor(image, cv2.COLOR_RGB2RGBA), out, sdepth=depth)
    return out


def _items(a: np.ndarray) -> np.ndarray:
    """View the last (4-channel) axis as one opaque item so take() copies pixels whole.

    4 x int32 = 16 bytes = complex128, which numpy gathers with a fast typed loop (a void
    dtype would work too but takes a slow generic path; it only serves images > 8 Mpx).
    """
    item = np.complex128 if a.dtype.itemsize == 4 else np.dtype((np.void, a.dtype.itemsize * 4))
    return a.view(item)[..., 0]


def _pixels(items: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return items[..., None].view(dtype)


def _bins(start, length, out: int) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive-average-pool bin edges [lo, hi) for `out` bins over [start, start+length).

    Same integer rule as torch: lo = floor(i*L/out), hi = ceil((i+1)*L/out).
    start/length are (K,) int arrays; results are (K, out).
    """
    i = np.arange(out, dtype=np.int64)
    length = np.asarray(length, np.int64)[:, None]
    lo = (i * length) // out
    hi = ((i + 1) * length + out - 1) // out
    start = np.asarray(start, np.int64)[:, None]
    return start + lo, start + hi


def _normalise(sums: np.ndarray, count: np.ndarray) -> np.ndarray:
    """(K, h, w, 4) bin sums -> (K, 3, h, w) net input: mean, then (x - 127.5) / 128 in float32, as torch."""
    out = np.empty((sums.shape[0], 3, sums.shape[1], sums.shape[2]), np.float32)
    np.copyto(out, sums[..., :3].transpose(0, 3, 1, 2), casting="unsafe")
    out /= count
    out -= _MEAN
    out *= _SCALE
    return out


def resize_image(integral: np.ndarray, out_h: int, out_w: int, work: dict | None = None) -> np.ndarray:
    """Whole image resized like torch's interpolate(mode="area"): (1, 3, out_h, out_w) float32.

    Each output pixel is its bin's sum from four corners of the integral image: four flat
    gathers of out_h x out_w pixels (half the memory traffic of gathering whole rows first).
    `work` (a dict kept by the caller) holds the corner indices and buffers per size: fresh
    megabyte-sized arrays every frame cost more in page faults than the arithmetic.
    The returned array is one of those buffers, valid until the next call of that size.
    """
    key = (integral.shape, integral.dtype.str, out_h, out_w)
    plan = work.get(key) if work is not None else None
    if plan is None:
        h, w = integral.shape[0] - 1, integral.shape[1] - 1
        ya, yb = _bins([0], [h], out_h)
        xa, xb = _bins([0], [w], out_w)
        w1 = w + 1
        corners = tuple((rows[0][:, None] * w1 + cols[0][None, :]).astype(np.intp)
                        for rows, cols in ((yb, xb), (ya, xb), (yb, xa), (ya, xa)))
        item = _items(np.empty((1, 4), integral.dtype)).dtype
        plan = (corners, ((yb[0] - ya[0])[:, None] * (xb[0] - xa[0])[None, :]).astype(np.float32),
                [np.empty((out_h, out_w), item) for _ in range(4)], np.empty((1, 3, out_h, out_w), np.float32))
        if work is not None:
            if len(work) > 64:  # many different image sizes: start over rather than grow
                work.clear()
            work[key] = plan
    corners, count, bufs, out = plan
    flat = _items(integral).reshape(-1)
    for index, buf in zip(corners, bufs):
        flat.take(index, out=buf)
    dt = integral.dtype
    sums = _pixels(bufs[0], dt)
    sums -= _pixels(bufs[1], dt)
    sums -= _pixels(bufs[2], dt)
    sums += _pixels(bufs[3], dt)
    np.copyto(out[0], sums[..., :3].transpose(2, 0, 1), casting="unsafe")
    out /= count
    out -= _MEAN
    out *= _SCALE
    return out


def resize_window(integral: np.ndarray, out_h: int, out_w: int, rows: tuple[int, int],
                  cols: tuple[int, int]) -> np.ndarray:
    """Rows [r0, r1) and columns [c0, c1) of resize_image(integral, out_h, out_w), computed
    alone: the same bins and the same float32 steps, so every pixel equals the full level's."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    ya, yb = _bins([0], [h], out_h)
    xa, xb = _bins([0], [w], out_w)
    (r0, r1), (c0, c1) = rows, cols
    ya, yb, xa, xb = ya[0, r0:r1], yb[0, r0:r1], xa[0, c0:c1], xb[0, c0:c1]
    flat = _items(integral).reshape(-1)
    w1 = w + 1
    dt = integral.dtype
    sums = _pixels(flat.take(yb[:, None] * w1 + xb[None, :]), dt)
    sums -= _pixels(flat.take(ya[:, None] * w1 + xb[None, :]), dt)
    sums -= _pixels(flat.take(yb[:, None] * w1 + xa[None, :]), dt)
    sums += _pixels(flat.take(ya[:, None] * w1 + xa[None, :]), dt)
    count = ((yb - ya)[:, None] * (xb - xa)[None, :]).astype(np.float32)
    out = np.empty((1, 3, r1 - r0, c1 - c0), np.float32)
    np.copyto(out[0], sums[..., :3].transpose(2, 0, 1), casting="unsafe")
    out /= count
    out -= _MEAN
    out *= _SCALE
    return out


def level_window(lo: float, hi: float, size: int, full: int) -> tuple[int, int] | None:
    """PNet input rows (or columns) [a, b) of a pyramid level of `size` rows (image `full`)
    that cover image rows [lo, hi): a even and b - a even unless b is the level's end, so
    PNet's stride-2 cells and ceil-mode pooling line up with the whole level's and every
    output cell equals the whole level's. None when under PNet's 12 px window."""
    a = max(0, int(np.floor(lo * size / full)))
    a -= a % 2
    b = min(size, int(np.ceil(hi * size / full)))
    if b < size and (b - a) % 2:
        b += 1
    return (a, b) if b - a >= 12 else None


def resize_crops(integral: np.ndarray, y0: np.ndarray, x0: np.ndarray, hs: np.ndarray, ws: np.ndarray,
                 size: int) -> np.ndarray:
    """Crops [y0:y0+hs, x0:x0+ws] resized to size x size like torch's mode="area".

    All crops at once: four flat gathers from the integral image. Returns (K, 3, size, size).
    """
    w1 = integral.shape[1]
    flat = _items(integral).reshape(-1)
    ya, yb = _bins(y0, hs, size)  # (K, size)
    xa, xb = _bins(x0, ws, size)
    ya_, yb_ = (ya * w1)[:, :, None], (yb * w1)[:, :, None]
    xa_, xb_ = xa[:, None, :], xb[:, None, :]
    dt = integral.dtype
    sums = _pixels(flat.take(yb_ + xb_), dt)
    sums -= _pixels(flat.take(ya_ + xb_), dt)
    sums -= _pixels(flat.take(yb_ + xa_), dt)
    sums += _pixels(flat.take(ya_ + xa_), dt)
    count = ((yb - ya)[:, :, None] * (xb - xa)[:, None, :]).astype(np.float32)[:, None]
    return _normalise(sums, count)


# ---------------------------------------------------------------- box helpers (float32, as torch)


def _crops(integral: np.ndarray, boxes: np.ndarray, width: int, height: int,
           size: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Boxes that still have pixels inside the image, and their size x size network inputs."""
    valid, y0, x0, hs, ws = crop_windows(boxes, width, height)
    boxes = boxes[valid]
    return boxes, (resize_crops(integral, y0, x0, hs, ws, size) if len(boxes) else None)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Greedy NMS; indices kept, best first.

    "union": torchvision's rule (areas without +1, drop IoU > threshold).
    "min": facenet-pytorch's nms_numpy 'Min' (areas with +1, overlap over the smaller area).
    Up to _NMS_MATRIX boxes the pairwise overlaps are computed in one go and the greedy
    pass runs on Python-int bitmasks (a per-box numpy loop costs ~20 us per kept box).
    """
    n = len(boxes)
    if n == 0:
        return np.zeros((0,), np.int64)
    order = np.argsort(-scores, kind="stable")
    b = boxes[order, :4]
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    one = np.float32(1.0 if method == "min" else 0.0)
    zero = np.float32(0)
    area = (x2 - x1 + one) * (y2 - y1 + one)
    if n > _NMS_MATRIX:
        return order[_nms_loop(x1, y1, x2, y2, area, one, threshold, method)]
    w = np.maximum(zero, np.minimum(x2[:, None], x2[None, :]) - np.maximum(x1[:, None], x1[None, :]) + one)
    h = np.maximum(zero, np.minimum(y2[:, None], y2[None, :]) - np.maximum(y1[:, None], y1[None, :]) + one)
    inter = w * h
    if method == "min":
        overlap = inter / np.minimum(area[:, None], area[None, :])
    else:
        overlap = inter / (area[:, None] + area[None, :] - inter)
    rows = np.packbits(overlap > threshold, axis=1, bitorder="little")
    suppress = [int.from_bytes(r.tobytes(), "little") for r in rows]
    keep: list[int] = []
    dropped = 0
    for i in range(n):
        if not (dropped >> i) & 1:
            keep.append(i)
            dropped |= suppress[i]
    return order[np.asarray(keep, np.int64)]


_NMS_MATRIX = 1500  # n x n float32 overlaps: 9 MB at this size


def _nms_loop(x1, y1, x2, y2, area, one, threshold: float, method: str) -> np.ndarray:
    """Classic greedy NMS over boxes already sorted best first (for very many boxes)."""
    idx = np.arange(len(x1))
    keep: list[int] = []
    zero = np.float32(0)
    while idx.size:
        i = idx[0]
        keep.append(int(i))
        rest = idx[1:]
        w = np.maximum(zero, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + one)
        h = np.maximum(zero, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + one)
        inter = w * h
        if method == "min":
            overlap = inter / np.minimum(area[i], area[rest])
        else:
            overlap = inter / (area[i] + area[rest] - inter)
        idx = rest[overlap <= threshold]
    return np.asarray(keep, np.int64)


def rerec(boxes: np.ndarray) -> np.ndarray:
    """Grow boxes to squares around their centre (in place on a copy)."""
    boxes = boxes.copy()
    h = boxes[:, 3] - boxes[:, 1]
    w = boxes[:, 2] - boxes[:, 0]
    side = np.maximum(w, h)
    half = np.float32(0.5)
    boxes[:, 0] = boxes[:, 0] + w * half - side * half
    boxes[:, 1] = boxes[:, 1] + h * half - side * half
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def bbreg(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    """Apply box regression offsets (relative to width/height with the +1 convention)."""
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + np.float32(1)
    h = boxes[:, 3] - boxes[:, 1] + np.float32(1)
    boxes[:, 0] += reg[:, 0] * w
    boxes[:, 1] += reg[:, 1] * h
    boxes[:, 2] += reg[:, 2] * w
    boxes[:, 3] += reg[:, 3] * h
    return boxes


def crop_windows(boxes: np.ndarray, width: int, height: int) -> tuple[np.ndarray, ...]:
    """Integer crop windows clipped to the image, as facenet-pytorch's pad().

    Returns (valid mask, y0, x0, hs, ws) for the valid boxes: rows [y0, y0+hs), cols [x0, x0+ws).
    """
    b = boxes[:, :4].astype(np.int32)  # truncation toward zero, like tensor.trunc().int()
    x = np.maximum(b[:, 0], 1)
    y = np.maximum(b[:, 1], 1)
    ex = np.minimum(b[:, 2], width)
    ey = np.minimum(b[:, 3], height)
    valid = (ey > y - 1) & (ex > x - 1)
    return valid, (y - 1)[valid], (x - 1)[valid], (ey - y + 1)[valid], (ex - x + 1)[valid]


# ---------------------------------------------------------------- detector


class MTCNNDetector:
    """Faces, scores and 5 landmarks per image with the facenet-pytorch MTCNN pipeline."""

    def __init__(self, pnet: PNet, rnet: RNet, onet: ONet, min_face_size: int = 40,
                 thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7), factor: float = 0.709):
        if min_face_size < 1:
            raise ValueError(f"min_face_size must be >= 1 pixel, got {min_face_size}")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"pyramid factor must be in (0, 1), got {factor}")
        self.pnet, self.rnet, self.onet = pnet, rnet, onet
        self.min_face_size = int(min_face_size)
        self.thresholds = tuple(float(t) for t in thresholds)
        self.factor = float(factor)
        self.last_timings: dict[str, float] = {}
        self._local = threading.local()  # per-thread integral image and resize buffers, reused across frames

    @classmethod
    def from_dir(cls, models_dir: Path, runtime: Runtime, **kwargs) -> "MTCNNDetector":
        """Load mtcnn_{pnet,rnet,onet}.onnx from a folder (no manifest needed)."""
        models_dir = Path(models_dir)
        det = cls(PNet(models_dir / "mtcnn_pnet.onnx", runtime), RNet(models_dir / "mtcnn_rnet.onnx", runtime),
                  ONet(models_dir / "mtcnn_onet.onnx", runtime), **kwargs)
        log.debug("MTCNN loaded from %s on %s", models_dir, det.pnet.provider)
        return det

    def warmup(self) -> None:
        """First ORT runs allocate and pick kernels; do it before the first real frame."""
        for net in (self.pnet, self.rnet, self.onet):
            net.warmup()

    def _work(self) -> dict:
        """Per-thread resize plans and buffers (detect() may run on several threads)."""
        work = getattr(self._local, "work", None)
        if work is None:
            work = self._local.work = {}
        return work

    def scales(self, height: int, width: int) -> list[float]:
        """Pyramid scales: the smallest face maps to PNet's 12 px window, then x factor."""
        m = 12.0 / self.min_face_size
        minl = min(height, width) * m
        out: list[float] = []
        scale = m
        while minl >= 12:
            out.append(scale)
            scale *= self.factor
            minl *= self.factor
        return out

    def detect(self, image: np.ndarray, regions: np.ndarray | None = None) -> Detections:
        """Faces in one (H, W, 3) uint8 RGB image (grey and RGBA accepted), best score first.

        regions: (K, 5) x1, y1, x2, y2, face side in image pixels, to search only there (the
        places of tracked faces, vision/tracked.py): PNet runs on those windows of the
        pyramid levels whose 12 px cell is REGION_CELLS face sides. Each window's PNet cells are
        the whole level's, and RNet/ONet see the same crops, so a face found there is found
        as the whole-frame search finds it (unless a box outside the windows would have
        suppressed it); faces elsewhere are not looked for."""
        image = as_rgb_uint8(image)
        t_start = time.perf_counter()
        timings = {"pnet": 0.0, "rnet": 0.0, "onet": 0.0}
        height, width = image.shape[:2]
        integral = self._local.integral = integral_image(image, getattr(self._local, "integral", None))

        # Stage 1: PNet over the pyramid.
        stage1: list[np.ndarray] = []
        scales = self.scales(height, width)
        if regions is None:
            work = self._work()
            # Resize every level first, while the integral image is still in cache.
            levels = [resize_image(integral, int(height * s + 1), int(width * s + 1), work) for s in scales]
            for scale, data in zip(scales, levels):
                t = time.perf_counter()
                reg, prob = self.pnet.run(input=data)
                timings["pnet"] += time.perf_counter() - t
                cand = self._proposals(reg[0], prob[0, 1], scale)
                if len(cand):
                    stage1.append(cand[nms(cand[:, :4], cand[:, 4], 0.5)])
        else:
            for scale in scales:
                cand = self._window_proposals(integral, np.asarray(regions, np.float64).reshape(-1, 5), scale,
                                              timings)
                if len(cand):
                    stage1.append(cand[nms(cand[:, :4], cand[:, 4], 0.5)])
        if not stage1:
            return self._finish(Detections.empty(), timings, t_start)
        boxes = np.concatenate(stage1)
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
        regw = boxes[:, 2] - boxes[:, 0]
        regh = boxes[:, 3] - boxes[:, 1]
        boxes = np.stack([boxes[:, 0] + boxes[:, 5] * regw, boxes[:, 1] + boxes[:, 6] * regh,
                          boxes[:, 2] + boxes[:, 7] * regw, boxes[:, 3] + boxes[:, 8] * regh], 1)
        boxes = rerec(boxes)

        # Stage 2: RNet on 24x24 crops.
        boxes, data = _crops(integral, boxes, width, height, 24)
        if not len(boxes):
            return self._finish(Detections.empty(), timings, t_start)
        t = time.perf_counter()
        reg, prob = self.rnet.run(input=data)
        timings["rnet"] += time.perf_counter() - t
        score = prob[:, 1]
        keep = score > self.thresholds[1]
        boxes, score, reg = boxes[keep], score[keep], reg[keep]
        pick = nms(boxes, score, 0.7)
        boxes = rerec(bbreg(boxes[pick], reg[pick]))

        # Stage 3: ONet on 48x48 crops.
        boxes, data = _crops(integral, boxes, width, height, 48)
        if not len(boxes):
            return self._finish(Detections.empty(), timings, t_start)
        t = time.perf_counter()
        reg, points, prob = self.onet.run(input=data)
        timings["onet"] += time.perf_counter() - t
        score = prob[:, 1]
        keep = score > self.thresholds[2]
        boxes, score, reg, points = boxes[keep], score[keep], reg[keep], points[keep]
        if not len(boxes):
            return self._finish(Detections.empty(), timings, t_start)
        one = np.float32(1)
        w = (boxes[:, 2] - boxes[:, 0] + one)[:, None]
        h = (boxes[:, 3] - boxes[:, 1] + one)[:, None]
        lm = np.stack([w * points[:, :5] + boxes[:, 0:1] - one, h * points[:, 5:] + boxes[:, 1:2] - one], 2)
        boxes = bbreg(boxes, reg)
        pick = nms(boxes, score, 0.7, "min")
        dets = Detections(boxes=np.ascontiguousarray(boxes[pick], np.float32),
                          scores=np.ascontiguousarray(score[pick], np.float32),
                          landmarks=np.ascontiguousarray(lm[pick], np.float32))
        return self._finish(dets, timings, t_start)

    def _window_proposals(self, integral: np.ndarray, regions: np.ndarray, scale: float,
                          timings: dict[str, float]) -> np.ndarray:
        """One level's proposals from PNet run on the regions' windows only (see detect()).
        Cells seen by two overlapping windows are the same cell: kept once."""
        height, width = integral.shape[0] - 1, integral.shape[1] - 1
        oh, ow = int(height * scale + 1), int(width * scale + 1)
        cell = 12.0 / scale
        found: list[np.ndarray] = []
        for x1, y1, x2, y2, side in regions:
            if not REGION_CELLS[0] * side <= cell <= REGION_CELLS[1] * side:
                continue
            rows, cols = level_window(y1, y2, oh, height), level_window(x1, x2, ow, width)
            if rows is None or cols is None:
                continue
            data = resize_window(integral, oh, ow, rows, cols)
            t = time.perf_counter()
            reg, prob = self.pnet.run(input=data)
            timings["pnet"] += time.perf_counter() - t
            found.append(self._proposals(reg[0], prob[0, 1], scale, (rows[0] // 2, cols[0] // 2)))
        if not found:
            return np.zeros((0, 9), np.float32)
        cand = np.concatenate(found)
        if len(found) > 1:  # the same cell from two windows: identical rows, keep the first
            _, first = np.unique(cand, axis=0, return_index=True)
            cand = cand[np.sort(first)]
        return cand

    def _proposals(self, reg: np.ndarray, face_prob: np.ndarray, scale: float,
                   offset: tuple[int, int] = (0, 0)) -> np.ndarray:
        """(K, 9) x1, y1, x2, y2, score, 4 regression offsets for PNet cells above threshold
        (offset: the window's first cell row and column in the whole level)."""
        rows, cols = np.nonzero(face_prob >= self.thresholds[0])
        if not len(rows):
            return np.zeros((0, 9), np.float32)
        s = np.float32(scale)
        bb = np.stack([cols + offset[1], rows + offset[0]], 1).astype(np.float32)
        q1 = np.floor((np.float32(2) * bb + np.float32(1)) / s)
        q2 = np.floor((np.float32(2) * bb + np.float32(12)) / s)
        return np.concatenate([q1, q2, face_prob[rows, cols][:, None], reg[:, rows, cols].T], 1).astype(np.float32)

    def _finish(self, dets: Detections, timings: dict[str, float], t_start: float) -> Detections:
        total = time.perf_counter() - t_start
        timings["other"] = total - timings["pnet"] - timings["rnet"] - timings["onet"]
        timings["total"] = total
        self.last_timings = timings
        return dets
