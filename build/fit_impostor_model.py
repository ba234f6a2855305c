"""Measure the shipped impostor model (recognition/calibration.py IMPOSTOR_MODEL_LFW) once, on
public data: LFW person set 1 (../shared/data/faces/lfw, the development set; never lfw_scale,
which the README's figures are measured on).

Every photo's descriptor is a pseudo-probe against the centroid of every OTHER person's first
three photos, the rule a small gallery is calibrated with; the probit fit of the pairs' lower
tail is printed as the two numbers to ship.

    PYTHONPATH=. python build/fit_impostor_model.py [--encoder ID] [--cache /tmp/lfw1.npz]

The numbers go into that encoder's pack (build/export_models.py PACK_UNITS -> models/manifest.json).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.recognition.calibration import fit_tail, pair_histogram  # noqa: E402
from faceapp.recognition.fusion import centroids  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "faces"


def descriptors(folder: Path, cache: Path | None, encoder: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(person index per photo, descriptor per photo) of the largest face of every photo."""
    if cache is not None and cache.is_file():
        z = np.load(cache)
        return z["pid"], z["emb"]
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    engine = FaceEngine.load(provider="cpu", encoder=encoder)
    people = sorted(p.name for p in folder.iterdir() if p.is_dir())
    pid, emb = [], []
    for i, name in enumerate(people):
        for photo in sorted((folder / name).glob("*.jpg")):
            faces = engine.analyze(read_image(photo), max_faces=1)
            if faces:
                pid.append(i)
                emb.append(faces[0].embedding)
    out = np.array(pid, np.int64), np.stack(emb).astype(np.float32)
    if cache is not None:
        np.savez(cache, pid=out[0], emb=out[1])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=None, help="descriptor cache (.npz) to write or reuse")
    ap.add_argument("--encoder", default=None, help="encoder pack id (default: dlib_resnet_v1)")
    args = ap.parse_args()
    folder = SHARED / "lfw" / "images"
    if not folder.is_dir():
        print(f"error: {folder} not found", file=sys.stderr)
        return 2
    pid, emb = descriptors(folder, args.cache, args.encoder)
    first3 = np.concatenate([np.flatnonzero(pid == p)[:3] for p in np.unique(pid)])
    people, centres = centroids(pid[first3], emb[first3])
    tail = fit_tail(pair_histogram(pid, emb, people, centres))
    print(f"{len(people)} people, {len(emb)} photos: mu={tail.mu:.4f} sigma={tail.sigma:.4f} pairs={tail.pairs}")
    for n in (10, 100, 1000, 10000):
        print(f"  N={n:>5}: threshold for 1 stranger in 1,000 visits (one look) {tail.threshold(1e-3, n):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
