#!/usr/bin/env python3
"""faceapp vs the face_recognition library, side by side on the same frames and pairs.

The peer goes in a venv of its own, on the prebuilt dlib wheel (dlib-bin): face_recognition
asks for "dlib", which pip would compile from source (about 26 minutes here, and a build
1.2-1.8x slower than the wheel, which flatters faceapp). So face_recognition is installed
without its dependencies, after dlib-bin and the rest of them:

    python build/bench_vs_face_recognition.py --make-venv ../peervenv   # runs the three lines below
      python -m venv ../peervenv
      ../peervenv/bin/pip install -e . dlib-bin face_recognition_models Click "setuptools<81"
      ../peervenv/bin/pip install --no-deps face_recognition
    ../peervenv/bin/python build/bench_vs_face_recognition.py [--frames 30] [--pairs ../shared/data/faces/lfw/pairs.csv]

(face_recognition_models imports pkg_resources, gone in setuptools 81.) The report starts
with the dlib it ran: version, the distribution that installed it (dlib-bin, or dlib when
built from source) and its build options.

Per-frame latency: both pipelines (detect + landmarks + descriptor) on the same 640x480
frames, interleaved frame by frame so machine noise hits both alike; the ratio is of medians.
faceapp runs twice: with its default smallest face (40 px) and with 80 px, the smallest
face dlib's HOG detector finds without upsampling (measured below, not assumed).
Smallest face: each photo shrunk until its face is S px wide, centred in a 640x480 frame;
the smallest S at which every photo's face is still found, per pipeline.
Accuracy: LFW fold 1 with the same 10-fold CV code for both (face_recognition: largest
HOG face; when none is found, the whole image as the face box, as its own examples do).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FACES = ROOT.parent / "shared" / "data" / "faces"


PEER_PACKAGES = ["dlib-bin", "face_recognition_models", "Click", "setuptools<81"]


def peer_install_commands(venv: Path) -> list[list[str]]:
    """The fair install: the prebuilt dlib first, then face_recognition without its
    dependencies (its "dlib" requirement would start a source build next to dlib-bin)."""
    pip = [str(venv / ("Scripts" if sys.platform == "win32" else "bin") / "pip")]
    return [[sys.executable, "-m", "venv", str(venv)],
            [*pip, "install", "-e", str(ROOT), *PEER_PACKAGES],
            [*pip, "install", "--no-deps", "face_recognition"]]


def make_venv(venv: Path) -> int:
    import subprocess

    for cmd in peer_install_commands(venv):
        print("+", " ".join(cmd), flush=True)
        if subprocess.run(cmd).returncode != 0:
            return 1
    py = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    print(f"now: {py} {Path(__file__).relative_to(ROOT)}")
    return 0


def which_dlib() -> dict:
    """The dlib that face_recognition will run: version, the distribution that installed it
    (dlib-bin: the prebuilt wheel; dlib: built from source here) and its build options."""
    from importlib import metadata

    import dlib

    info = {"version": getattr(dlib, "__version__", "?"), "distribution": installed_by(Path(dlib.__file__), metadata)}
    for flag in ("DLIB_USE_CUDA", "DLIB_USE_BLAS", "DLIB_USE_LAPACK", "USE_AVX_INSTRUCTIONS"):
        if hasattr(dlib, flag):
            info[flag] = bool(getattr(dlib, flag))
    return info


def installed_by(module_file: Path, metadata) -> str:  # noqa: ANN001
    """Name of the installed distribution whose file list holds module_file ("unknown" if none).
    Not packages_distributions(): dlib-bin's top_level.txt names only its extension module."""
    target = module_file.resolve()
    for dist in metadata.distributions():
        for f in dist.files or ():
            if f.name == target.name and Path(dist.locate_file(f)).resolve() == target:
                return dist.metadata["Name"]
    return "unknown"


def describe_dlib(info: dict) -> str:
    how = {"dlib-bin": "prebuilt wheel", "dlib": "built from source"}.get(info["distribution"], "origin unknown")
    flags = ", ".join(f"{k}={v}" for k, v in info.items() if k.isupper())
    return f"dlib {info['version']} from {info['distribution']} ({how}){'; ' + flags if flags else ''}"


def frames() -> list[np.ndarray]:
    from faceapp.cli.bench import letterbox
    from faceapp.vision.imageio import read_image

    ex = FACES / "face_recognition_examples"
    photos = [ex / "lin_manuel_miranda" / "lin-manuel-miranda.png", ex / "alex_lacamoire" / "alex-lacamoire.png",
              ex / "kit_harington" / "john1.jpeg", ex / "rose_leslie" / "img1.jpg"]
    return [letterbox(read_image(p), 640, 480) for p in photos]


def fr_pipeline(img: np.ndarray, upsample: int) -> list[np.ndarray]:
    import face_recognition

    locs = face_recognition.face_locations(img, number_of_times_to_upsample=upsample)
    return face_recognition.face_encodings(img, locs)


def latency(engines: dict, imgs: list[np.ndarray], n: int) -> dict:
    """Median ms per frame for each faceapp engine and face_recognition at upsample 0 and 1."""
    runs = {**{name: (lambda img, e=e: e.analyze(img)) for name, e in engines.items()},
            "face_recognition_upsample0": lambda img: fr_pipeline(img, 0),
            "face_recognition_default": lambda img: fr_pipeline(img, 1)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for i in range(n):
        img = imgs[i % len(imgs)]
        for name, run in runs.items():  # interleaved: noise hits every pipeline alike
            t0 = time.perf_counter()
            run(img)
            times[name].append(time.perf_counter() - t0)
    med = {k: 1000 * float(np.median(v)) for k, v in times.items()}
    return {"frames": n, "median_ms": {k: round(v, 1) for k, v in med.items()},
            "speedup": {f"{a} vs {b}": round(med[b] / med[a], 2) for a in engines
                        for b in ("face_recognition_upsample0", "face_recognition_default")}}


def face_at(img: np.ndarray, box: np.ndarray, side: int) -> np.ndarray:
    """img scaled so its face box is `side` px wide, centred on the face in a 640x480 frame."""
    import cv2

    s = side / float(box[2] - box[0])
    small = cv2.resize(img, (max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))),
                       interpolation=cv2.INTER_AREA)
    cx, cy = (box[0] + box[2]) / 2 * s, (box[1] + box[3]) / 2 * s
    out = np.zeros((480, 640, 3), np.uint8)
    x0, y0 = int(round(320 - cx)), int(round(240 - cy))
    ys, xs = slice(max(0, y0), min(480, y0 + small.shape[0])), slice(max(0, x0), min(640, x0 + small.shape[1]))
    out[ys, xs] = small[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
    return out


def smallest_face(engines: dict, imgs: list[np.ndarray], sides: list[int]) -> dict:
    """Smallest face width (px) found in every photo, per pipeline (None: not found at any size)."""
    import face_recognition

    ref = next(iter(engines.values()))
    boxes = [ref.detect(img).boxes[0] for img in imgs]

    def centred(centres: list[tuple[float, float]], side: int) -> bool:
        """A face found where the photo's face was put (not a false hit elsewhere)."""
        return any(abs(x - 320) <= max(side / 2, 8) and abs(y - 240) <= max(side / 2, 8) for x, y in centres)

    def ours(e):
        return lambda f: [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in e.detect(f).boxes]

    def theirs(upsample: int):
        return lambda f: [((r + l) / 2, (t + b) / 2) for t, r, b, l in face_recognition.face_locations(f, upsample)]

    finders = {**{name: ours(e) for name, e in engines.items()},
               "face_recognition_upsample0": theirs(0), "face_recognition_default": theirs(1)}
    found = {name: [s for s in sides if all(centred(find(face_at(img, box, s)), s) for img, box in zip(imgs, boxes))]
             for name, find in finders.items()}
    # the smallest size from which every larger size was found too
    out = {}
    for name, ok in found.items():
        good = None
        for s in sorted(sides, reverse=True):
            if s not in ok:
                break
            good = s
        out[name] = good
    return out


_FIRST_RESULT = r"""
import json, sys
import numpy as np
from faceapp.cli.bench import peak_rss_mib
frame = np.load(sys.argv[2])
if sys.argv[1] == "faceapp":
    from faceapp.vision.engine import FaceEngine
    faces = FaceEngine.load(provider="cpu").analyze(frame)
    n = len(faces)
else:
    import face_recognition
    n = len(face_recognition.face_encodings(frame, face_recognition.face_locations(frame, int(sys.argv[3]))))
print(json.dumps({"faces": n, "peak_rss_mib": peak_rss_mib()}))
"""


def startup_and_memory(frame: np.ndarray, runs: int = 3) -> dict:
    """Fresh process -> models loaded -> first frame's descriptors: wall time and peak RSS.

    Each pipeline in its own interpreter (imports included), alternating, median of `runs`.
    """
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "frame.npy"
        np.save(path, frame)
        cases = {"faceapp": ["faceapp"], "face_recognition_upsample0": ["face_recognition", "0"]}
        seen: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
        for _ in range(runs):
            for name, argv in cases.items():
                t0 = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", _FIRST_RESULT, argv[0], str(path), *argv[1:]],
                                     capture_output=True, text=True, check=True, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
                wall = time.perf_counter() - t0
                rep = json.loads(out.stdout.strip().splitlines()[-1])
                seen[name].append((wall, rep["peak_rss_mib"]))
    return {name: {"start_to_first_result_s": round(float(np.median([w for w, _ in v])), 2),
                   "peak_rss_mib": round(float(np.median([m for _, m in v])), 1)} for name, v in seen.items()}


def fr_embed(path: Path) -> np.ndarray:
    import face_recognition

    img = face_recognition.load_image_file(str(path))
    locs = face_recognition.face_locations(img, number_of_times_to_upsample=1)
    if not locs:
        locs = [(0, img.shape[1], img.shape[0], 0)]
    h, w = img.shape[:2]
    best = min(locs, key=lambda l: abs((l[0] + l[2]) / 2 - h / 2) + abs((l[1] + l[3]) / 2 - w / 2))
    return face_recognition.face_encodings(img, [best])[0]


def accuracy(engine, pairs_csv: Path) -> dict:
    from faceapp.evaluation.metrics import accuracy_at, cv_accuracy, load_pairs, roc_auc
    from faceapp.evaluation.pairs import evaluate_pairs

    pairs = load_pairs(pairs_csv)
    ours = evaluate_pairs(engine, pairs, 0.6)
    emb = {p: fr_embed(p) for p in sorted({x.a for x in pairs} | {x.b for x in pairs})}
    dist = np.array([np.linalg.norm(emb[p.a] - emb[p.b]) for p in pairs])
    same = np.array([p.same for p in pairs])
    return {"pairs": len(pairs),
            "faceapp": {"cv10": ours["accuracy_cv10"], "at_0.6": ours["accuracy_fixed"], "auc": ours["roc_auc"]},
            "face_recognition": {"cv10": cv_accuracy(dist, same).mean, "at_0.6": accuracy_at(dist, same, 0.6),
                                 "auc": roc_auc(dist, same)}}


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--pairs", type=Path, default=FACES / "lfw" / "pairs.csv")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--skip-smallest", action="store_true", help="skip the smallest-face sweep")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--make-venv", type=Path, default=None, metavar="DIR",
                    help="create a venv with faceapp and the peer on dlib-bin, then stop")
    args = ap.parse_args()
    if args.make_venv:
        return make_venv(args.make_venv)
    try:
        import face_recognition  # noqa: F401  (it calls quit() when its models package cannot load)
    except (ImportError, SystemExit):
        print("face_recognition is not usable here; make a venv for it with\n  python "
              "build/bench_vs_face_recognition.py --make-venv ../peervenv\n(dlib-bin, then face_recognition "
              "with --no-deps: its own dlib requirement would compile dlib from source)", file=sys.stderr)
        return 2
    report: dict = {"peer_dlib": which_dlib()}
    print("peer: face_recognition " + _version("face_recognition") + " on " + describe_dlib(report["peer_dlib"]))
    from faceapp.vision.engine import FaceEngine

    engine = FaceEngine.load(provider="cpu")
    engines = {"faceapp": engine, "faceapp_min_face_80": FaceEngine.load(provider="cpu", min_face_px=80)}
    imgs = frames()
    report["latency_640x480"] = latency(engines, imgs, args.frames)
    lat = report["latency_640x480"]
    print(f"per-frame median over {lat['frames']} frames (640x480, one face): "
          + ", ".join(f"{k} {v} ms" for k, v in lat["median_ms"].items()))
    for k, v in lat["speedup"].items():
        print(f"  {k}: {v}x faster")
    report["startup_and_memory"] = startup_and_memory(imgs[0])
    print("process start to first frame's descriptors, and peak memory (RSS): " + ", ".join(
        f"{k} {v['start_to_first_result_s']} s / {v['peak_rss_mib']} MiB" for k, v in report["startup_and_memory"].items()))
    if not args.skip_smallest:
        report["smallest_face_px"] = smallest_face(engines, imgs, list(range(20, 121, 10)))
        print("smallest face found in every photo (px wide): "
              + ", ".join(f"{k} {v}" for k, v in report["smallest_face_px"].items()))
    if not args.skip_accuracy:
        acc = accuracy(engine, args.pairs)
        report["lfw_fold1"] = acc
        for k in ("faceapp", "face_recognition"):
            a = acc[k]
            print(f"LFW fold 1 {k:17s} 10-fold CV {100 * a['cv10']:.2f}%  at 0.6 {100 * a['at_0.6']:.2f}%  "
                  f"AUC {a['auc']:.4f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
