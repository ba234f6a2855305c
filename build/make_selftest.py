#!/usr/bin/env python3
"""Regenerate resources/selftest/ (photo + reference descriptor) after a model change.
Needs scikit-image (test extra) for the public-domain astronaut photo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from skimage import data

    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    out = ROOT / "resources" / "selftest"
    img = cv2.resize(data.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(out / "astronaut.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
    engine = FaceEngine.load(provider="cpu")
    faces = engine.analyze(read_image(out / "astronaut.jpg"))
    assert len(faces) == 1, f"expected one face, got {len(faces)}"
    (out / "expected.json").write_text(json.dumps({
        "image": "astronaut.jpg", "faces": 1, "box": [round(float(v), 1) for v in faces[0].box],
        "model_id": engine.model_id, "embedding": [round(float(v), 6) for v in faces[0].embedding],
    }), encoding="utf-8")
    print(f"wrote {out} for {engine.model_id}")


if __name__ == "__main__":
    main()
