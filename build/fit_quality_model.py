"""Measure the quality table of an encoder (recognition/quality_model.py) on the development set
and write it into models/quality_model.json (other encoders' entries are kept).

LFW person set 1 (../shared/data/faces/lfw; never lfw_scale, where the README's figures are
measured): every photo, clean and degraded as a camera would deliver it (faceapp/evaluation/
degrade.py: smaller faces, blur, JPEG, combined), is a pseudo-probe against the clean centroid
of every OTHER person's first three photos, the rule the gallery calibration uses. The pairs
are pooled by the probe's measured face size (px) into bands; each band's impostor lower tail
is fitted as a probit line (calibration.fit_tail) and stored as its shift against the clean
photos' fit (mu shift, sigma ratio). A band with too few pairs for a fit joins the one above.
Below the lowest band there is no measurement, so the app declines to decide there.

    PYTHONPATH=. python build/fit_quality_model.py --cache /tmp/lfw1_quality.npz [--write]

Descriptors are cached per (model, level) in the --cache file (eval-ident's format), so a
re-run is cheap; the table is printed, and written with --write.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.evaluation.degrade import parse_levels  # noqa: E402
from faceapp.evaluation.identification import embed_all  # noqa: E402
from faceapp.recognition.calibration import EDGES, MIN_PAIRS, fit_tail, pair_histogram  # noqa: E402
from faceapp.recognition.fusion import centroids  # noqa: E402
from faceapp.recognition.quality_model import FILE_NAME, QualityBand, QualityModel, encoder_name  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "faces"
LEVELS = ("size=80,size=60,size=50,size=40,size=30,blur=1,blur=2,blur=3,jpeg=50,jpeg=30,"
          "size=60+blur=2+jpeg=50,size=40+jpeg=50")
# per-frame measure -> (its column in the cache's quality [size_px, blur, yaw], band lower edges tried)
MEASURES = {"face_px": (0, (25.0, 45.0, 70.0)),
            "sharpness": (1, (0.0, 3.0, 5.0, 8.0, 12.0, 18.0, 30.0))}


def gallery(paths: list[str], desc: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person index of each photo, people, centroids of each person's first three clean photos)."""
    names = sorted({Path(p).parent.name for p in paths})
    pid = {p: names.index(Path(p).parent.name) for p in paths}
    seen: dict[int, int] = {}
    ids, rows = [], []
    for p in sorted(paths):
        if p in desc and seen.get(pid[p], 0) < 3:
            seen[pid[p]] = seen.get(pid[p], 0) + 1
            ids.append(pid[p])
            rows.append(desc[p][0])
    people, centres = centroids(np.array(ids), np.stack(rows))
    return np.array([pid[p] for p in paths]), people, centres


def quantile(hist: np.ndarray, f: float) -> float:
    return float(EDGES[1:][np.searchsorted(np.cumsum(hist) / hist.sum(), f)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="descriptor cache (.npz) to write or reuse")
    ap.add_argument("--levels", default=LEVELS, help="degradation levels measured besides the clean photos")
    ap.add_argument("--models-dir", type=Path, default=ROOT / "models")
    ap.add_argument("--encoder", default=None, help="encoder pack id (default: the manifest's default encoder)")
    ap.add_argument("--measure", default="face_px", choices=sorted(MEASURES),
                    help="per-frame quality the bands are cut on (default face_px)")
    ap.add_argument("--write", action="store_true", help=f"write the table into MODELS_DIR/{FILE_NAME}")
    args = ap.parse_args()
    folder = SHARED / "lfw" / "images"
    if not folder.is_dir():
        print(f"error: {folder} not found", file=sys.stderr)
        return 2
    from faceapp.vision.engine import FaceEngine

    engine = FaceEngine.load(args.models_dir, provider="cpu", encoder=args.encoder)
    col, edges = MEASURES[args.measure]
    photos = sorted(folder.glob("*/*.jpg"))
    clean, _ = embed_all(engine, photos, args.cache)
    keys = sorted(clean)
    pid, people, centres = gallery(keys, clean)
    face_px = {p: float(v[2][0]) for p, v in clean.items()}
    probes = [(pid, np.stack([clean[k][0] for k in keys]), np.array([clean[k][2][col] for k in keys]), "none")]
    for level in parse_levels(args.levels):
        got, _ = embed_all(engine, [Path(k) for k in keys], args.cache, level, face_px)
        ks = [k for k in keys if k in got]
        probes.append((np.array([pid[keys.index(k)] for k in ks]), np.stack([got[k][0] for k in ks]),
                       np.array([got[k][2][col] for k in ks]), level.name))
    ref = fit_tail(pair_histogram(probes[0][0], probes[0][1], people, centres))
    print(f"{engine.model_id}: clean photos' impostor tail mu {ref.mu:.4f} sigma {ref.sigma:.4f} ({ref.pairs:,} pairs)")
    print(f"{'level':24s} {args.measure[:7]:>7s} {'mu':>7s} {'sigma':>7s} {'t@1e-3':>7s} {'t@1e-4':>7s}")
    for ids, emb, size, name in probes:
        h = pair_histogram(ids, emb, people, centres)
        t = fit_tail(h)
        print(f"{name:24s} {np.median(size):7.0f} {t.mu:7.4f} {t.sigma:7.4f} {quantile(h, 1e-3):7.3f} "
              f"{quantile(h, 1e-4):7.3f}")
    ids = np.concatenate([p[0] for p in probes])
    emb = np.concatenate([p[1] for p in probes])
    size = np.concatenate([p[2] for p in probes])
    bands: list[QualityBand] = []
    edges = list(edges) + [np.inf]
    lo_i = len(edges) - 2
    hi = np.inf
    print(f"\nbands by {args.measure}: {'':>9s} {'probes':>6s} {'mu shift':>8s} {'sigma x':>7s} {'t@1e-3':>7s} "
          f"{'t@1e-4':>7s} {'z=-5 shift':>10s}")
    while lo_i >= 0:  # from the top band down; a band too thin for a fit joins the one above
        lo = edges[lo_i]
        sel = (size >= lo) & (size < hi)
        h = pair_histogram(ids[sel], emb[sel], people, centres) if sel.sum() else np.zeros(len(EDGES) - 1)
        t = fit_tail(h) if h.sum() >= MIN_PAIRS else None
        if t is None:
            lo_i -= 1
            continue
        b = QualityBand(float(lo), t.mu - ref.mu, t.sigma / ref.sigma, int(h.sum()))
        bands.insert(0, b)
        print(f"{'':20s}{lo:5g}-{hi:<4g} {int(sel.sum()):6d} {b.mu_shift:+8.4f} {b.sigma_ratio:7.4f} "
              f"{quantile(h, 1e-3):7.3f} {quantile(h, 1e-4):7.3f} {b.mu_shift - 5 * ref.sigma * (b.sigma_ratio - 1):+10.4f}")
        hi, lo_i = lo, lo_i - 1
    model = QualityModel(encoder_name(engine.model_id), args.measure, tuple(bands),
                         f"build/fit_quality_model.py on LFW set 1 ({len(keys):,} photos x {len(probes)} levels), "
                         f"{engine.model_id}")
    print(f"\n{args.measure} below {model.min_quality:g}: no measurement, the app asks the person to come closer")
    if args.write:
        path = args.models_dir / FILE_NAME
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        data = {"version": 1, "generated_by": "build/fit_quality_model.py"} | data
        data.setdefault("encoders", {})[model.encoder] = model.to_json()
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
