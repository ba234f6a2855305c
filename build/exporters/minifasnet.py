"""MiniFASNetV2 / MiniFASNetV1SE passive-liveness models -> ONNX, with a parity check.

Source: github.com/minivision-ai/Silent-Face-Anti-Spoofing (Apache-2.0), commit PINNED_COMMIT,
files resources/anti_spoof_models/{2.7_80x80_MiniFASNetV2,4_0_0_80x80_MiniFASNetV1SE}.pth
(state dicts, ~1.8 MB each, committed in git). Needs torch (the `export` extra) and onnx:

    python3 -m venv /work/torchvenv && /work/torchvenv/bin/pip install torch==2.13.0 onnx numpy \
        onnxruntime==1.31.1 "opencv-python-headless<5" platformdirs   # cv2 5 dropped the Caffe importer
    /work/torchvenv/bin/python build/exporters/minifasnet.py --repo /path/to/Silent-Face-Anti-Spoofing/.git

--repo is a clone (or bare git dir) of the upstream repository; the weights are read with
`git show PINNED_COMMIT:path` and checked against pinned sha256, never downloaded from a hub.

The network is rebuilt here from the state dict itself (every channel width and group
count is read from the weight shapes; the strides and block order are the architecture's
fixed part, described in the upstream MiniFASNet.py), so no upstream code is copied or
imported for the export. Parity: the upstream MiniFASNet.py (read from the same commit into
a temporary folder, never into this repository) is the reference; our rebuild must give the
same logits, and the ONNX graph the same probabilities, on crops of the upstream sample
images (images/sample/image_F1, F2, T1) made with the upstream crop rule around the upstream
detector's box (RetinaFace Caffe model of the same commit, run with cv2.dnn).

Graph: input "input" (N, 3, 80, 80) float32, BGR channel order, pixel values 0..255 (upstream
feeds cv2 BGR images through a ToTensor that does not divide by 255); output "probs" (N, 3)
softmax over the classes (0: print attack, 1: real face, 2: screen attack in the upstream
training folders; the demo only reads class 1 as "real"). Upstream adds the two models'
softmax outputs and takes class 1 of the sum / 2 as its "real face" score.

PReLU: every PRelu (all follow a convolution, per-channel slope) is rewritten by the MTCNN
exporter's split_prelu into three depthwise 1x1 convolutions, Relu(1*x) + (-slope)*Relu(-1*x),
which ONNX Runtime keeps in its NCHWc layout (its PRelu kernel cannot, and cost more than the
convolution before it). The outputs are bit for bit those of the PRelu graph
(tests/vision/test_minifasnet_prelu.py); the manifest's same_outputs_as names that graph's
sha256 (SAME_OUTPUTS_AS), so the model id stays what it was.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

REPOSITORY = "https://github.com/minivision-ai/Silent-Face-Anti-Spoofing"
PINNED_COMMIT = "b6d5f04ad78778917853b25c778acef6d5626d15"
LICENCE = "Apache-2.0 (minivision-ai/Silent-Face-Anti-Spoofing LICENSE); MiniFASNet by Minivision, 2020"
OPSET = 13
PARITY_TOL = 1e-4  # probabilities, ONNX vs PyTorch
INPUT, OUTPUT = "input", "probs"
SIZE = 80

# id -> (upstream path, pinned sha256, crop scale of the face box, output file)
MODELS = {
    "minifasnet_v2": ("resources/anti_spoof_models/2.7_80x80_MiniFASNetV2.pth",
                      "a5eb02e1843f19b5386b953cc4c9f011c3f985d0ee2bb9819eea9a142099bec0", 2.7,
                      "minifasnet_v2.onnx"),
    "minifasnet_v1se": ("resources/anti_spoof_models/4_0_0_80x80_MiniFASNetV1SE.pth",
                        "84ee1d37d96894d5e82de5a57df044ef80a58be2b218b5ed7cdfd875ec2f5990", 4.0,
                        "minifasnet_v1se.onnx"),
}
SAMPLES = ("images/sample/image_F1.jpg", "images/sample/image_F2.jpg", "images/sample/image_T1.jpg")
DETECTOR = ("resources/detection_model/deploy.prototxt", "resources/detection_model/Widerface-RetinaFace.caffemodel")
REFERENCE_CODE = "src/model_lib/MiniFASNet.py"
# What the upstream README says of the training data: nothing beyond the folder layout
# (three classes of RGB images, original and 1 / 2.7 / 4.0 face-box patches); no data set is named.
# sha256 of each graph as torch.onnx wrote it, with PRelu (before split_prelu): the shipped
# graphs' outputs are bit for bit those, so each model id keeps that hash.
SAME_OUTPUTS_AS = {"minifasnet_v2": "d3e662d36c91b16ed6ff23e8113495cfbbfc2ffe38091ad560c72fa71c0166b5",
                   "minifasnet_v1se": "336b0cb79460f78eaaa6e163620c099ceea3e69e310683892e57ecd4903e1dc9"}
TRAINING_DATA = ("not named by the upstream project: its README describes only the layout (three classes of "
                 "RGB face images, whole frame and patches of 1, 2.7 and 4.0 times the face box, with "
                 "Fourier-spectrum auxiliary supervision); not known to be CelebA-Spoof or any public set")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_show(repo: Path, path: str, commit: str = PINNED_COMMIT) -> bytes:
    return subprocess.run(["git", f"--git-dir={repo}", "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def weights(repo: Path, model_id: str, work: Path) -> Path:
    """The pinned .pth of model_id, written to work after its sha256 is checked."""
    path, digest, _, _ = MODELS[model_id]
    data = git_show(repo, path)
    if sha256_bytes(data) != digest:
        raise SystemExit(f"{path}: sha256 {sha256_bytes(data)} does not match the pinned {digest}")
    dest = work / Path(path).name
    dest.write_bytes(data)
    return dest


# -- the network, rebuilt from the state dict -----------------------------------------------

def build_network(state: dict):  # noqa: ANN201 - a torch.nn.Module
    """A torch module whose parameter names and shapes are those of `state` (prefix "module."
    removed). Stages (stride): conv1 (2), conv2_dw (1), conv_23 (2), conv_3 (1, residual), conv_34
    (2), conv_4 (1, residual), conv_45 (2), conv_5 (1, residual), conv_6_sep 1x1, conv_6_dw (a
    depthwise kernel covering the 5x5 map), linear, bn, prob."""
    import torch
    from torch import nn

    def w(key: str):  # noqa: ANN202
        return state[f"{key}.weight"]

    class ConvBN(nn.Module):
        """conv (no bias) + batch norm (+ PReLU when the state has one)."""

        def __init__(self, key: str, stride: int) -> None:
            super().__init__()
            out_c, per_group, kh, kw = w(f"{key}.conv").shape
            depthwise = per_group == 1 and kh > 1  # one 3x3 / 5x5 filter per channel
            in_c, groups = (out_c, out_c) if depthwise else (per_group, 1)
            pad = (1, 1) if kh == 3 else (0, 0)  # 3x3 keeps the size; 1x1 and the final 5x5 do not pad
            self.conv = nn.Conv2d(in_c, out_c, (kh, kw), stride, pad, groups=groups, bias=False)
            self.bn = nn.BatchNorm2d(out_c)
            self.prelu = nn.PReLU(out_c) if f"{key}.prelu.weight" in state else None

        def forward(self, x):  # noqa: ANN001, ANN202
            x = self.bn(self.conv(x))
            return self.prelu(x) if self.prelu is not None else x

    class Squeeze(nn.Module):
        """Squeeze-excitation on a block's output (before the shortcut is added)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            c, r = w(f"{key}.fc1").shape[1], w(f"{key}.fc1").shape[0]
            self.avg_pool = nn.AdaptiveAvgPool2d(1)
            self.fc1, self.bn1 = nn.Conv2d(c, r, 1, bias=False), nn.BatchNorm2d(r)
            self.relu = nn.ReLU()
            self.fc2, self.bn2 = nn.Conv2d(r, c, 1, bias=False), nn.BatchNorm2d(c)

        def forward(self, x):  # noqa: ANN001, ANN202
            s = self.relu(self.bn1(self.fc1(self.avg_pool(x))))
            return x * torch.sigmoid(self.bn2(self.fc2(s)))

    class Bottleneck(nn.Module):
        """1x1 expand, depthwise 3x3, 1x1 project; the shortcut when residual."""

        def __init__(self, key: str, stride: int, residual: bool) -> None:
            super().__init__()
            self.conv = ConvBN(f"{key}.conv", 1)
            self.conv_dw = ConvBN(f"{key}.conv_dw", stride)
            self.project = ConvBN(f"{key}.project", 1)
            self.se_module = Squeeze(f"{key}.se_module") if f"{key}.se_module.fc1.weight" in state else None
            self.residual = residual

        def forward(self, x):  # noqa: ANN001, ANN202
            y = self.project(self.conv_dw(self.conv(x)))
            if not self.residual:
                return y
            return x + (self.se_module(y) if self.se_module is not None else y)

    class Stage(nn.Module):
        def __init__(self, key: str) -> None:
            super().__init__()
            n = len({k.split(".")[2] for k in state if k.startswith(f"{key}.model.")})
            self.model = nn.Sequential(*[Bottleneck(f"{key}.model.{i}", 1, True) for i in range(n)])

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.model(x)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = ConvBN("conv1", 2)
            self.conv2_dw = ConvBN("conv2_dw", 1)
            self.conv_23 = Bottleneck("conv_23", 2, False)
            self.conv_3 = Stage("conv_3")
            self.conv_34 = Bottleneck("conv_34", 2, False)
            self.conv_4 = Stage("conv_4")
            self.conv_45 = Bottleneck("conv_45", 2, False)
            self.conv_5 = Stage("conv_5")
            self.conv_6_sep = ConvBN("conv_6_sep", 1)
            self.conv_6_dw = ConvBN("conv_6_dw", 1)
            emb, feat = w("linear").shape
            self.linear = nn.Linear(feat, emb, bias=False)
            self.bn = nn.BatchNorm1d(emb)
            self.prob = nn.Linear(emb, w("prob").shape[0], bias=False)

        def forward(self, x):  # noqa: ANN001, ANN202
            for stage in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4,
                          self.conv_45, self.conv_5, self.conv_6_sep, self.conv_6_dw):
                x = stage(x)
            return self.prob(self.bn(self.linear(torch.flatten(x, 1))))

    net = Net()
    net.load_state_dict(state, strict=True)
    return net.eval()


def load_state(pth: Path) -> dict:
    import torch

    state = torch.load(str(pth), map_location="cpu", weights_only=True)
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}


class Softmaxed:
    """Our network followed by the softmax upstream applies after it (part of the graph)."""

    @staticmethod
    def wrap(net):  # noqa: ANN001, ANN205
        import torch

        class _M(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.net = net

            def forward(self, x):  # noqa: ANN001, ANN202
                return torch.softmax(self.net(x), dim=1)

        return _M().eval()


def export_onnx(net, out: Path) -> None:  # noqa: ANN001
    import onnx
    import torch

    model = Softmaxed.wrap(net)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        torch.onnx.export(model, (torch.zeros(1, 3, SIZE, SIZE),), str(raw), input_names=[INPUT],
                          output_names=[OUTPUT], dynamic_axes={INPUT: {0: "N"}, OUTPUT: {0: "N"}},
                          opset_version=OPSET, do_constant_folding=True, dynamo=False)
        graph = onnx.load(str(raw))
    graph.doc_string = f"{REPOSITORY} @ {PINNED_COMMIT[:12]}, rebuilt from the state dict, opset {OPSET}"
    graph.producer_name = "faceapp build/exporters/minifasnet.py"
    onnx.checker.check_model(graph)
    onnx.save(as_depthwise_prelu(graph), str(out))


def as_depthwise_prelu(graph):  # noqa: ANN001, ANN201 (onnx ModelProto)
    """The graph with every PRelu as depthwise 1x1 convolutions (the MTCNN exporter's
    split_prelu; same outputs bit for bit, -20..28% CPU time per face: build/bench_passive_prelu.py)."""
    import onnx

    if str(Path(__file__).resolve().parents[1]) not in sys.path:  # build/, when run as a script
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from exporters.mtcnn import split_prelu

    split_prelu(graph)
    onnx.checker.check_model(graph, full_check=True)
    return graph


# -- the upstream crop rule and detector, for the parity inputs -----------------------------

def upstream_box(repo: Path, work: Path, image: np.ndarray) -> list[int]:
    """[x, y, w, h] of the upstream detector (RetinaFace Caffe via cv2.dnn, conf argmax)."""
    import cv2

    proto, caffe = (work / Path(p).name for p in DETECTOR)
    for p, dest in zip(DETECTOR, (proto, caffe)):
        if not dest.exists():
            dest.write_bytes(git_show(repo, p))
    net = cv2.dnn.readNetFromCaffe(str(proto), str(caffe))
    h, w = image.shape[:2]
    img = image
    if w * h >= 192 * 192:
        ar = w / h
        img = cv2.resize(image, (int(192 * np.sqrt(ar)), int(192 / np.sqrt(ar))), interpolation=cv2.INTER_LINEAR)
    net.setInput(cv2.dnn.blobFromImage(img, 1, mean=(104, 117, 123)), "data")
    out = net.forward("detection_out").squeeze()
    best = out[int(np.argmax(out[:, 2]))]
    left, top, right, bottom = best[3] * w, best[4] * h, best[5] * w, best[6] * h
    return [int(left), int(top), int(right - left + 1), int(bottom - top + 1)]


def reference_module(repo: Path, work: Path):  # noqa: ANN201
    """The upstream MiniFASNet.py of the pinned commit, imported from a temporary folder."""
    src = work / "upstream_MiniFASNet.py"
    src.write_bytes(git_show(repo, REFERENCE_CODE))
    spec = importlib.util.spec_from_file_location("upstream_minifasnet", src)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def parity(repo: Path, work: Path, out_dir: Path) -> dict:
    """Max abs differences on the sample crops: our rebuild vs upstream (logits) and ONNX vs
    upstream (probabilities), per model; plus the upstream-style fused verdict per sample."""
    import cv2
    import onnxruntime as ort
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from faceapp.vision.liveness_model import crop_box, crop_patch  # the app's own crop rule

    up = reference_module(repo, work)
    factories = {"minifasnet_v2": up.MiniFASNetV2, "minifasnet_v1se": up.MiniFASNetV1SE}
    images = {Path(s).name: cv2.imdecode(np.frombuffer(git_show(repo, s), np.uint8), cv2.IMREAD_COLOR)
              for s in SAMPLES}
    boxes = {name: upstream_box(repo, work, img) for name, img in images.items()}
    report: dict = {"samples": {}, "models": {}}
    fused = {name: np.zeros(3) for name in images}
    for model_id, (_, _, scale, fname) in MODELS.items():
        state = load_state(work / Path(MODELS[model_id][0]).name)
        ref = factories[model_id](conv6_kernel=(5, 5)).eval()
        ref.load_state_dict(state)
        ours = build_network(state)
        sess = ort.InferenceSession(str(out_dir / fname), providers=["CPUExecutionProvider"])
        d_logits = d_probs = 0.0
        batch = []
        for name, img in images.items():
            x, y, bw, bh = boxes[name]
            patch = crop_patch(img, crop_box(img.shape[1], img.shape[0], (x, y, bw, bh), scale), SIZE)
            batch.append(patch)
        x = torch.from_numpy(np.stack(batch).transpose(0, 3, 1, 2).astype(np.float32))
        with torch.no_grad():
            r, o = ref(x), ours(x)
        pr = torch.softmax(r, 1).numpy()
        po = sess.run([OUTPUT], {INPUT: x.numpy()})[0]
        d_logits = float((r - o).abs().max())
        d_probs = float(np.abs(pr - po).max())
        for name, p in zip(images, pr):
            fused[name] += p
        report["models"][model_id] = {"rebuild_vs_upstream_logits": d_logits, "onnx_vs_upstream_probs": d_probs}
        if d_logits > 1e-4 or d_probs > PARITY_TOL:
            raise SystemExit(f"{model_id}: parity failed (logits {d_logits:.2e}, probs {d_probs:.2e})")
    for name in images:
        label = int(np.argmax(fused[name]))
        report["samples"][name] = {"upstream_box_xywh": boxes[name], "real_score": round(float(fused[name][1] / 2), 4),
                                   "verdict": "real" if label == 1 else "fake"}
    return report


def fixture_inputs(n: int = 4, seed: int = 0) -> np.ndarray:
    """Smooth synthetic 80x80 BGR patches (no upstream image is committed): upsampled noise."""
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (n, 10, 10, 3)).astype(np.uint8)
    return np.stack([cv2.resize(s, (SIZE, SIZE), interpolation=cv2.INTER_CUBIC) for s in small])


def write_fixture(repo: Path, work: Path, dest: Path) -> None:
    """tests/fixtures/minifasnet_reference.npz: fixture_inputs() and the upstream PyTorch
    probabilities of both models on them, for the test that checks the shipped ONNX files."""
    import torch

    up = reference_module(repo, work)
    x = fixture_inputs()
    t = torch.from_numpy(x.transpose(0, 3, 1, 2).astype(np.float32))
    out = {"x": x}
    for model_id, factory in (("minifasnet_v2", up.MiniFASNetV2), ("minifasnet_v1se", up.MiniFASNetV1SE)):
        ref = factory(conv6_kernel=(5, 5)).eval()
        ref.load_state_dict(load_state(work / Path(MODELS[model_id][0]).name))
        with torch.no_grad():
            out[model_id] = torch.softmax(ref(t), 1).numpy()
    np.savez_compressed(dest, **out)


def export(repo: Path, out_dir: Path, work: Path, check_parity: bool = True) -> dict:
    """Write both ONNX files into out_dir; returns the facts for the manifest."""
    facts = {}
    for model_id, (path, digest, scale, fname) in MODELS.items():
        state = load_state(weights(repo, model_id, work))
        export_onnx(build_network(state), out_dir / fname)
        facts[model_id] = {"file": fname, "scale": scale, "source_path": path, "source_sha256": digest}
        log.info("wrote %s", out_dir / fname)
    if check_parity:
        facts["parity"] = parity(repo, work, out_dir)
        log.info("parity: %s", json.dumps(facts["parity"]))
    return facts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, required=True, help="git dir of a Silent-Face-Anti-Spoofing clone")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "faceapp-minifasnet")
    ap.add_argument("--no-parity", action="store_true")
    ap.add_argument("--fixture", type=Path, help="also write the parity fixture (tests/fixtures/minifasnet_reference.npz)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args.work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(export(args.repo, args.out, args.work, not args.no_parity), indent=2))
    if args.fixture:
        write_fixture(args.repo, args.work, args.fixture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
