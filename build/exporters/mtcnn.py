"""Export the MTCNN P-, R- and O-nets of facenet-pytorch 2.6.0 (MIT) to ONNX.

The three nets are re-declared here layer for layer (same module names, so the shipped
state dicts load with strict=True) instead of importing facenet_pytorch: its package
import pulls in torchvision, which has no build beside the pinned torch.

Input convention of all three graphs: float32 RGB, NCHW, already normalised as
(pixel - 127.5) * 0.0078125, exactly what facenet-pytorch feeds its nets. The
permute(0, 3, 2, 1) before the dense layers of RNet/ONet (the weights came from a
TensorFlow/Caffe port) stays inside the graph, so callers never deal with it.

Outputs (torch order kept): PNet reg (N,4,h,w), prob (N,2,h,w) softmax over
[background, face]; RNet reg (N,4), prob (N,2); ONet reg (N,4), landmarks (N,10:
x1..x5 then y1..y5, relative to the box), prob (N,2).

Export uses the TorchScript-based exporter (dynamo=False): it needs no onnxscript and
writes the same bytes on every run (checked by tests/build/test_mtcnn_export.py).
torch 2.13 marks that exporter deprecated (a DeprecationWarning); the dynamo exporter
would need onnxscript and its byte-stability is unverified here.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

log = logging.getLogger(__name__)

OPSET = 17

# key -> (weights file, onnx file, input shape spec, output name -> shape spec)
SPECS: dict[str, dict] = {
    "mtcnn_pnet": {
        "weights": "pnet.pt",
        "file": "mtcnn_pnet.onnx",
        "inputs": {"input": ["N", 3, "H", "W"]},
        "outputs": {"reg": ["N", 4, "h", "w"], "prob": ["N", 2, "h", "w"]},
    },
    "mtcnn_rnet": {
        "weights": "rnet.pt",
        "file": "mtcnn_rnet.onnx",
        "inputs": {"input": ["N", 3, 24, 24]},
        "outputs": {"reg": ["N", 4], "prob": ["N", 2]},
    },
    "mtcnn_onet": {
        "weights": "onet.pt",
        "file": "mtcnn_onet.onnx",
        "inputs": {"input": ["N", 3, 48, 48]},
        "outputs": {"reg": ["N", 4], "landmarks": ["N", 10], "prob": ["N", 2]},
    },
}

DESCRIPTION = {
    "mtcnn_pnet": "MTCNN proposal net (fully convolutional, any H/W >= 12)",
    "mtcnn_rnet": "MTCNN refine net on 24x24 crops",
    "mtcnn_onet": "MTCNN output net on 48x48 crops (box regression, 5 landmarks, score)",
}
INPUT_CONVENTION = "float32 RGB NCHW, (pixel - 127.5) * 0.0078125"


def _build_nets():
    """Torch modules identical to facenet_pytorch.models.mtcnn.{PNet,RNet,ONet}."""
    import torch
    from torch import nn

    class PNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
            self.prelu1 = nn.PReLU(10)
            self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
            self.prelu2 = nn.PReLU(16)
            self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
            self.prelu3 = nn.PReLU(32)
            self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
            self.softmax4_1 = nn.Softmax(dim=1)
            self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

        def forward(self, x):
            x = self.prelu1(self.conv1(x))
            x = self.pool1(x)
            x = self.prelu2(self.conv2(x))
            x = self.prelu3(self.conv3(x))
            a = self.softmax4_1(self.conv4_1(x))
            b = self.conv4_2(x)
            return b, a

    class RNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
            self.prelu1 = nn.PReLU(28)
            self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
            self.prelu2 = nn.PReLU(48)
            self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
            self.prelu3 = nn.PReLU(64)
            self.dense4 = nn.Linear(576, 128)
            self.prelu4 = nn.PReLU(128)
            self.dense5_1 = nn.Linear(128, 2)
            self.softmax5_1 = nn.Softmax(dim=1)
            self.dense5_2 = nn.Linear(128, 4)

        def forward(self, x):
            x = self.pool1(self.prelu1(self.conv1(x)))
            x = self.pool2(self.prelu2(self.conv2(x)))
            x = self.prelu3(self.conv3(x))
            x = x.permute(0, 3, 2, 1).contiguous()
            x = self.prelu4(self.dense4(torch.flatten(x, 1)))
            a = self.softmax5_1(self.dense5_1(x))
            b = self.dense5_2(x)
            return b, a

    class ONet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
            self.prelu1 = nn.PReLU(32)
            self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
            self.prelu2 = nn.PReLU(64)
            self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
            self.prelu3 = nn.PReLU(64)
            self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
            self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
            self.prelu4 = nn.PReLU(128)
            self.dense5 = nn.Linear(1152, 256)
            self.prelu5 = nn.PReLU(256)
            self.dense6_1 = nn.Linear(256, 2)
            self.softmax6_1 = nn.Softmax(dim=1)
            self.dense6_2 = nn.Linear(256, 4)
            self.dense6_3 = nn.Linear(256, 10)

        def forward(self, x):
            x = self.pool1(self.prelu1(self.conv1(x)))
            x = self.pool2(self.prelu2(self.conv2(x)))
            x = self.pool3(self.prelu3(self.conv3(x)))
            x = self.prelu4(self.conv4(x))
            x = x.permute(0, 3, 2, 1).contiguous()
            x = self.prelu5(self.dense5(torch.flatten(x, 1)))
            a = self.softmax6_1(self.dense6_1(x))
            b = self.dense6_2(x)
            c = self.dense6_3(x)
            return b, c, a

    return {"mtcnn_pnet": PNet, "mtcnn_rnet": RNet, "mtcnn_onet": ONet}, torch


def load_nets(weights_dir: Path) -> dict:
    """Torch modules (eval mode) with the facenet-pytorch weights, keyed like SPECS."""
    classes, torch = _build_nets()
    nets = {}
    for key, spec in SPECS.items():
        net = classes[key]()
        state = torch.load(Path(weights_dir) / spec["weights"], map_location="cpu", weights_only=True)
        net.load_state_dict(state, strict=True)
        nets[key] = net.eval()
    return nets


def _dummy_shape(spec: dict) -> list[int]:
    # Symbolic dims get sizes that are distinct and valid for the net (PNet needs >= 12).
    sizes = {"N": 2, "H": 31, "W": 37}
    return [sizes[d] if isinstance(d, str) else d for d in spec["inputs"]["input"]]


def _dynamic_axes(spec: dict) -> dict[str, dict[int, str]]:
    axes = {}
    for name, shape in {**spec["inputs"], **spec["outputs"]}.items():
        axes[name] = {i: d for i, d in enumerate(shape) if isinstance(d, str)}
    return axes


def _to_shape(shape: list) -> list:
    return [None if isinstance(d, str) else d for d in shape]


def export(weights_dir: Path, out_dir: Path) -> dict[str, dict]:
    """Write mtcnn_{pnet,rnet,onet}.onnx into out_dir and return their io specs.

    Returns {key: {"file", "description", "input_convention", "inputs", "outputs"}}; None in a
    shape is a dynamic dimension. The files are byte-identical across runs.
    """
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nets = load_nets(Path(weights_dir))
    result: dict[str, dict] = {}
    torch.manual_seed(0)
    for key, spec in SPECS.items():
        dummy = torch.zeros(_dummy_shape(spec), dtype=torch.float32)
        buf = io.BytesIO()
        with torch.no_grad():
            torch.onnx.export(
                nets[key], (dummy,), buf,
                dynamo=False,
                opset_version=OPSET,
                input_names=list(spec["inputs"]),
                output_names=list(spec["outputs"]),
                dynamic_axes=_dynamic_axes(spec),
                do_constant_folding=True,
            )
        data = _normalise(buf.getvalue(), key)
        (out_dir / spec["file"]).write_bytes(data)
        log.info("exported %s (%d bytes)", spec["file"], len(data))
        result[key] = {
            "file": spec["file"],
            "description": DESCRIPTION[key],
            "input_convention": INPUT_CONVENTION,
            "inputs": {k: _to_shape(v) for k, v in spec["inputs"].items()},
            "outputs": {k: _to_shape(v) for k, v in spec["outputs"].items()},
        }
    return result


def _normalise(data: bytes, key: str) -> bytes:
    """Check the graph and pin the fields that could vary between runs (graph name, doc);
    PReLU split into ops ONNX Runtime runs fast (split_prelu)."""
    import onnx

    model = onnx.load_from_string(data)
    model.graph.name = key
    model.doc_string = ""
    split_prelu(model)
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True)


def split_prelu(model) -> None:  # noqa: ANN001
    """Every PRelu(x, slope) rewritten in place into ops ONNX Runtime runs fast (issue 19).

    ONNX Runtime's CPU PRelu with a per-channel slope was the slowest kernel of these nets
    (3-4x the convolution before it): it cannot stay in the blocked NCHWc layout the
    convolutions use, so every PReLU also costs a reorder out of it and back. After a
    convolution (slope (C, 1, 1)) it becomes three depthwise 1x1 convolutions, which stay
    in NCHWc (ONNX Runtime fuses the Relus and the Add into them):
        Relu(1 * x) + (-slope) * Relu(-1 * x)
    After a dense layer (slope (C,)), Relu(x) + slope * Min(x, 0). Both are PReLU exactly:
    for every element one of the two terms is zero and the other is x or the one rounding
    of slope * x, so the outputs equal ONNX Runtime's PRelu bit for bit (zeros' signs
    aside; tests/vision/test_mtcnn_prelu.py).
    """
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    slopes = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    nodes, used = [], set()
    for node in graph.node:
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        (x, slope), (y,), name = node.input, node.output, node.name
        s = slopes[slope].astype(np.float32)
        used.add(slope)
        if s.ndim == 3 and s.shape[1:] == (1, 1):
            c = s.shape[0]
            for suffix, w in (("one", np.ones(c)), ("minus_one", -np.ones(c)), ("minus_slope", -s.reshape(c))):
                graph.initializer.append(numpy_helper.from_array(w.astype(np.float32).reshape(c, 1, 1, 1),
                                                                 f"{name}_{suffix}"))
            dw = {"group": c, "kernel_shape": [1, 1]}
            nodes += [helper.make_node("Conv", [x, f"{name}_one"], [f"{name}_x"], name=f"{name}_Conv_one", **dw),
                      helper.make_node("Relu", [f"{name}_x"], [f"{name}_pos"], name=f"{name}_Relu_pos"),
                      helper.make_node("Conv", [x, f"{name}_minus_one"], [f"{name}_minus_x"],
                                       name=f"{name}_Conv_minus_one", **dw),
                      helper.make_node("Relu", [f"{name}_minus_x"], [f"{name}_neg"], name=f"{name}_Relu_neg"),
                      helper.make_node("Conv", [f"{name}_neg", f"{name}_minus_slope"], [f"{name}_scaled"],
                                       name=f"{name}_Conv_minus_slope", **dw),
                      helper.make_node("Add", [f"{name}_scaled", f"{name}_pos"], [y], name=f"{name}_Add")]
        else:
            zero = f"{name}_zero"
            graph.initializer.append(numpy_helper.from_array(np.zeros((), np.float32), zero))
            nodes += [helper.make_node("Relu", [x], [f"{name}_pos"], name=f"{name}_Relu"),
                      helper.make_node("Min", [x, zero], [f"{name}_neg"], name=f"{name}_Min"),
                      helper.make_node("Mul", [f"{name}_neg", slope], [f"{name}_scaled"], name=f"{name}_Mul"),
                      helper.make_node("Add", [f"{name}_pos", f"{name}_scaled"], [y], name=f"{name}_Add")]
            used.discard(slope)  # still read by the Mul
    del graph.node[:]
    graph.node.extend(nodes)
    keep = [i for i in graph.initializer if i.name not in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
