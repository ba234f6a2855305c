#!/usr/bin/env python3
"""Write tests/fixtures/mtcnn_reference.json from the original facenet-pytorch MTCNN.

Run once by hand (needs torch and facenet-pytorch 2.6.0; not run in CI):

    pip install torch==2.13.0 && pip install --no-deps facenet-pytorch==2.6.0
    python build/make_mtcnn_fixtures.py

The fixture holds, so tests can compare our ONNX + numpy detector with the original
without torch:
- raw outputs of facenet-pytorch's PNet/RNet/ONet (torch) for seeded random inputs that
  the test regenerates with numpy.random.default_rng;
- MTCNN.detect(..., landmarks=True) boxes, probs and landmarks for the packaged photos
  (skimage astronaut, matplotlib grace_hopper) and a synthetic multi-face image built
  from them by integer mean-pooling (make_multi_face below; the test has a copy).

torchvision stand-in: facenet_pytorch imports torchvision.ops.boxes.batched_nms and
torchvision.transforms.functional, but torchvision has no build beside torch 2.13 here.
We insert a stand-in `torchvision` package into sys.modules before importing
facenet_pytorch. Its batched_nms is a plain-torch port of torchvision's CPU kernel:
greedy, scores sorted descending, IoU with areas (x2 - x1) * (y2 - y1) (no +1), a box is
suppressed when IoU > threshold, boxes of different idxs never suppress each other
(coordinate-offset trick, as torchvision does on the CPU for small inputs).
transforms.functional is an empty module (only extract_face uses it; we do not).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "mtcnn_reference.json"

MIN_FACE = 40
THRESHOLDS = [0.6, 0.7, 0.7]
FACTOR = 0.709
RAW_SEED = 20261122
RAW_SHAPES = {"pnet": (2, 3, 31, 37), "rnet": (3, 3, 24, 24), "onet": (3, 3, 48, 48)}
RAW_NAMES = {"pnet": ["reg", "prob"], "rnet": ["reg", "prob"], "onet": ["reg", "landmarks", "prob"]}


def _install_torchvision_standin() -> None:
    import torch

    def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
        if boxes.numel() == 0:
            return torch.empty((0,), dtype=torch.int64)
        x1, y1, x2, y2 = boxes.unbind(1)
        areas = (x2 - x1) * (y2 - y1)
        order = scores.sort(0, descending=True)[1]
        suppressed = torch.zeros(len(boxes), dtype=torch.bool)
        keep = []
        for _i in range(len(order)):
            i = int(order[_i])
            if suppressed[i]:
                continue
            keep.append(i)
            rest = order[_i + 1:]
            xx1 = torch.maximum(x1[i], x1[rest])
            yy1 = torch.maximum(y1[i], y1[rest])
            xx2 = torch.minimum(x2[i], x2[rest])
            yy2 = torch.minimum(y2[i], y2[rest])
            inter = (xx2 - xx1).clamp(min=0) * (yy2 - yy1).clamp(min=0)
            iou = inter / (areas[i] + areas[rest] - inter)
            suppressed[rest[iou > iou_threshold]] = True
        return torch.as_tensor(keep, dtype=torch.int64)

    def batched_nms(boxes, scores, idxs, iou_threshold):
        if boxes.numel() == 0:
            return torch.empty((0,), dtype=torch.int64)
        offsets = idxs.to(boxes) * (boxes.max() + 1)
        return nms(boxes + offsets[:, None], scores, iou_threshold)

    tv = types.ModuleType("torchvision")
    ops = types.ModuleType("torchvision.ops")
    ops_boxes = types.ModuleType("torchvision.ops.boxes")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    ops_boxes.batched_nms = batched_nms
    ops_boxes.nms = nms
    ops.boxes = ops_boxes
    ops.batched_nms = batched_nms
    ops.nms = nms
    transforms.functional = functional
    tv.ops = ops
    tv.transforms = transforms
    for name, mod in {"torchvision": tv, "torchvision.ops": ops, "torchvision.ops.boxes": ops_boxes,
                      "torchvision.transforms": transforms,
                      "torchvision.transforms.functional": functional}.items():
        sys.modules[name] = mod


def load_photos() -> dict[str, np.ndarray]:
    import matplotlib.cbook
    from PIL import Image
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        grace = np.asarray(Image.open(fh).convert("RGB"))
    astro = np.ascontiguousarray(data.astronaut())
    return {"astronaut": astro, "grace_hopper": grace, "multi": make_multi_face(astro, grace)}


def _pool(img: np.ndarray, k: int) -> np.ndarray:
    """Integer k x k mean pooling with round-half-up (exact, library independent)."""
    h, w = img.shape[0] // k * k, img.shape[1] // k * k
    s = img[:h, :w].astype(np.int32).reshape(h // k, k, w // k, k, 3).sum((1, 3))
    return ((s + (k * k) // 2) // (k * k)).astype(np.uint8)


def make_multi_face(astro: np.ndarray, grace: np.ndarray) -> np.ndarray:
    """A 420 x 760 grey canvas with four faces at three sizes (tests/vision/test_detector.py uses it)."""
    canvas = np.full((420, 760, 3), 118, np.uint8)
    tiles = [
        (_pool(astro, 2), 10, 10),                 # 256 x 256
        (_pool(grace, 2), 40, 280),                # 300 x 256
        (_pool(grace, 3)[:, ::-1], 150, 560),      # 200 x 170, mirrored
        (_pool(astro, 3), 250, 20),                # 170 x 170
    ]
    for tile, y, x in tiles:
        h, w = tile.shape[:2]
        h, w = min(h, canvas.shape[0] - y), min(w, canvas.shape[1] - x)
        canvas[y:y + h, x:x + w] = tile[:h, :w]
    return canvas


def main() -> int:
    import torch

    _install_torchvision_standin()
    from facenet_pytorch import MTCNN
    import facenet_pytorch

    torch.set_num_threads(1)
    mtcnn = MTCNN(min_face_size=MIN_FACE, thresholds=THRESHOLDS, factor=FACTOR, keep_all=True,
                  select_largest=False, device="cpu")
    mtcnn.eval()

    raw: dict[str, dict] = {}
    rng = np.random.default_rng(RAW_SEED)
    nets = {"pnet": mtcnn.pnet, "rnet": mtcnn.rnet, "onet": mtcnn.onet}
    for name, shape in RAW_SHAPES.items():
        x = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        with torch.no_grad():
            outs = nets[name](torch.from_numpy(x))
        raw[name] = {"input_shape": list(shape),
                     "outputs": {k: o.numpy().astype(float).tolist() for k, o in zip(RAW_NAMES[name], outs)}}

    images: dict[str, dict] = {}
    for name, img in load_photos().items():
        boxes, probs, points = mtcnn.detect(img, landmarks=True)
        if boxes is None:
            boxes, probs, points = np.zeros((0, 4)), np.zeros((0,)), np.zeros((0, 5, 2))
        images[name] = {"shape": list(img.shape), "boxes": np.asarray(boxes, float).tolist(),
                        "probs": np.asarray(probs, float).tolist(),
                        "landmarks": np.asarray(points, float).tolist()}
        print(f"{name}: {img.shape} -> {len(boxes)} faces")

    doc = {
        "generated_by": "build/make_mtcnn_fixtures.py",
        "source": f"facenet-pytorch {getattr(facenet_pytorch, '__version__', '2.6.0')} MTCNN, torch "
                  f"{torch.__version__}, torchvision stand-in NMS (see script docstring)",
        "params": {"min_face_size": MIN_FACE, "thresholds": THRESHOLDS, "factor": FACTOR},
        "raw_seed": RAW_SEED,
        "raw_input": "numpy.random.default_rng(raw_seed).uniform(-1, 1, shape).astype(float32), "
                     "drawn for pnet, rnet, onet in that order",
        "raw": raw,
        "images": images,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
