"""dlib_face_recognition_resnet_model_v1.dat -> ONNX (opset 17), without dlib.

The .dat is dlib's serialisation of ``anet_type`` from dlib's
tools/python/src/face_recognition.cpp. Nested ``add_layer`` objects write their version
numbers outermost first, then the input layer, then each layer's details innermost first;
tag/skip layers write only a version. So the file gives us the layers in forward order and
the residual wiring comes from the known topology:

    stem:      con 7x7/2 -> affine -> relu -> max_pool 3x3/2
    ares:      relu(x + affine(con3x3(relu(affine(con3x3(x))))))
    ares_down: relu(avgpool2x2/2(x) + affine(con3x3(relu(affine(con3x3/2 pad 0(x))))))
    head:      global average pool -> fc 128 (no bias, weights stored [in, out])

dlib's add_prev adds tensors of different shapes by taking the larger size in every
dimension and treating missing entries as zero; we zero-pad both inputs at the end of
C/H/W before the Add. Mean subtraction and /256 (dlib's input_rgb_image_sized) are in the
graph so callers feed raw RGB 0..255.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

try:
    from .dlib_format import DlibFormatError, DlibReader
except ImportError:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from dlib_format import DlibFormatError, DlibReader  # type: ignore[no-redef]

log = logging.getLogger(__name__)

OPSET = 17
SIZE = 150


@dataclass
class Layer:
    kind: str  # con, affine, relu, max_pool, avg_pool, add_prev, fc
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class DlibNet:
    means: tuple[float, float, float]
    size: tuple[int, int]
    layers: list[Layer]
    loss: dict[str, float]


def _lr_multipliers(r: DlibReader) -> None:
    for _ in range(4):  # learning-rate and weight-decay multipliers: training only
        r.double()


def _read_details(r: DlibReader) -> Layer:
    name = r.string()
    if name in ("con_4", "con_5", "con_6"):
        params = r.tensor().reshape(-1)
        nf = r.int()
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        fshape = r.alias_tensor()
        r.alias_tensor()  # biases
        _lr_multipliers(r)
        use_bias = r.bool() if name in ("con_5", "con_6") else True
        if name == "con_6" and r.bool():
            raise DlibFormatError("con_ with fused relu is not supported")
        nw = int(np.prod(fshape))
        w = params[:nw].reshape(fshape)
        b = params[nw:nw + nf] if use_bias else np.zeros(nf, np.float32)
        if w.shape[0] != nf or w.shape[2:] != (nr, nc):
            raise DlibFormatError(f"con_: filter shape {w.shape} disagrees with {nf} filters of {nr}x{nc}")
        return Layer("con", {"w": w, "b": b, "stride": (sy, sx), "pad": (py, px)})
    if name in ("affine_", "affine_2"):
        params = r.tensor().reshape(-1)
        gshape = r.alias_tensor()
        r.alias_tensor()
        mode = r.int()
        disabled = r.bool() if name == "affine_2" else False
        if disabled or mode != 0:  # 0 = CONV_MODE: one gamma/beta per channel
            raise DlibFormatError(f"affine_: unsupported mode {mode} / disabled={disabled}")
        k = int(np.prod(gshape))
        return Layer("affine", {"gamma": params[:k], "beta": params[k:2 * k]})
    if name in ("relu_", "relu_2"):
        if name == "relu_2" and r.bool():
            raise DlibFormatError("disabled relu_ is not supported")
        return Layer("relu")
    if name in ("max_pool_", "max_pool_2", "avg_pool_", "avg_pool_2"):
        nr, nc, sy, sx = (r.int() for _ in range(4))
        py, px = (r.int(), r.int()) if name.endswith("_2") else (0, 0)
        return Layer(name.split("_pool")[0] + "_pool", {"k": (nr, nc), "stride": (sy, sx), "pad": (py, px)})
    if name == "add_prev_":
        return Layer("add_prev")
    if name in ("fc_2", "fc_3"):
        n_out, n_in = r.int(), r.int()
        params = r.tensor().reshape(-1)
        r.alias_tensor()
        r.alias_tensor()
        bias_mode = r.int()
        _lr_multipliers(r)
        use_bias = r.bool() if name == "fc_3" else True
        if bias_mode != 1 and use_bias:  # 1 = FC_NO_BIAS
            raise DlibFormatError("fc_ with bias is not expected in this model")
        return Layer("fc", {"w": params[:n_in * n_out].reshape(n_in, n_out)})
    raise DlibFormatError(f"unknown layer record {name!r} before byte {r.pos}")


def parse(dat_path: Path) -> DlibNet:
    """Read the network: input means, forward-ordered layer list, loss settings."""
    r = DlibReader.from_file(dat_path)
    if r.int() != 1:
        raise DlibFormatError("not a dlib add_loss_layer (version != 1)")
    loss_name = r.expect_string("loss_metric_", "loss_metric_2")
    loss = {"margin": r.double()}
    if loss_name == "loss_metric_2":
        loss["dist_thresh"] = r.double()
    versions = []
    while r.peek_int() <= 3:  # add_layer / tag / skip versions until the input layer's name
        versions.append(r.int())
    r.expect_string("input_rgb_image_sized")
    means = (r.double(), r.double(), r.double())
    size = (r.int(), r.int())
    layers = []
    bottom_version = versions[-1]
    first = True
    while not r.at_end():
        layers.append(_read_details(r))
        for _ in range(3):
            r.bool()  # this_layer_setup_called, gradient_input_is_stale, output disabled
        for _ in range(3):
            r.tensor()  # x_grad, cached_output, params_grad/grad_final (training state)
        if first and bottom_version == 3:
            r.int()  # _sample_expansion_factor
        first = False
    n_add = sum(1 for v in versions[:-1] if v == 2) + 1
    if len(layers) != n_add:
        log.warning("%d layer records but %d add_layer versions", len(layers), n_add)
    return DlibNet(means, size, layers, loss)


class _Graph:
    """Small helper that names nodes and initializers deterministically."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.n = 0

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"

    def const(self, prefix: str, arr: np.ndarray) -> str:
        nm = self.name(prefix)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), nm))
        return nm

    def op(self, op: str, inputs: list[str], prefix: str | None = None, **attrs: Any) -> str:
        out = self.name(prefix or op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out


def _pool_out(n: int, k: int, s: int, p: int) -> int:
    return 1 + (n + 2 * p - k) // s


def build_onnx(net: DlibNet) -> onnx.ModelProto:
    """Forward graph over the parsed layers with dlib's residual wiring."""
    g = _Graph()
    layers = list(net.layers)
    pos = 0

    def take(kind: str) -> Layer:
        nonlocal pos
        if pos >= len(layers) or layers[pos].kind != kind:
            got = layers[pos].kind if pos < len(layers) else "end"
            raise DlibFormatError(f"layer {pos}: expected {kind}, found {got}")
        pos += 1
        return layers[pos - 1]

    mean = np.asarray(net.means, np.float32).reshape(1, 3, 1, 1)
    x = g.op("Sub", ["input", g.const("mean", mean)])
    x = g.op("Mul", [x, g.const("scale", np.full((1, 1, 1, 1), 1 / 256, np.float32))])
    shape = [3, net.size[0], net.size[1]]

    def conv(x: str, shape: list[int]) -> tuple[str, list[int]]:
        L = take("con").params
        w, (sy, sx), (py, px) = L["w"], L["stride"], L["pad"]
        y = g.op("Conv", [x, g.const("w", w), g.const("b", L["b"])], kernel_shape=list(w.shape[2:]),
                 strides=[sy, sx], pads=[py, px, py, px])
        return y, [w.shape[0], _pool_out(shape[1], w.shape[2], sy, py), _pool_out(shape[2], w.shape[3], sx, px)]

    def affine(x: str) -> str:
        L = take("affine").params
        k = L["gamma"].size
        y = g.op("Mul", [x, g.const("gamma", L["gamma"].reshape(1, k, 1, 1))])
        return g.op("Add", [y, g.const("beta", L["beta"].reshape(1, k, 1, 1))])

    def relu(x: str) -> str:
        take("relu")
        return g.op("Relu", [x])

    def pool(kind: str, x: str, shape: list[int]) -> tuple[str, list[int]]:
        L = take(kind).params
        (kh, kw), (sy, sx), (py, px) = L["k"], L["stride"], L["pad"]
        op = "MaxPool" if kind == "max_pool" else "AveragePool"
        y = g.op(op, [x], kernel_shape=[kh, kw], strides=[sy, sx], pads=[py, px, py, px])
        return y, [shape[0], _pool_out(shape[1], kh, sy, py), _pool_out(shape[2], kw, sx, px)]

    def pad_to(x: str, shape: list[int], target: list[int]) -> str:
        if shape == target:
            return x
        pads = [0, 0, 0, 0, 0] + [t - s for t, s in zip(target, shape)]  # begins N,C,H,W; ends N,C,H,W
        return g.op("Pad", [x, g.const("pads", np.asarray(pads, np.int64))])

    x, shape = conv(x, shape)
    x = relu(affine(x))
    x, shape = pool("max_pool", x, shape)
    while pos < len(layers) and layers[pos].kind == "con":
        block_in, in_shape = x, shape
        y, yshape = conv(x, shape)
        y = relu(affine(y))
        y, yshape = conv(y, yshape)
        y = affine(y)
        short, sshape = block_in, in_shape
        if layers[pos].kind == "avg_pool":
            short, sshape = pool("avg_pool", block_in, in_shape)
        take("add_prev")
        target = [max(a, b) for a, b in zip(yshape, sshape)]
        if yshape != sshape:
            log.info("add_prev of %s and %s: zero-padded to %s", yshape, sshape, target)
        x = g.op("Add", [pad_to(y, yshape, target), pad_to(short, sshape, target)])
        x = relu(x)
        shape = target
    gp = take("avg_pool").params
    if gp["k"] != (0, 0):
        raise DlibFormatError(f"expected avg_pool_everything, found a {gp['k']} pool")
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    fc = take("fc").params
    if fc["w"].shape[0] != shape[0]:
        raise DlibFormatError(f"fc expects {fc['w'].shape[0]} inputs, network gives {shape[0]}")
    g.nodes.append(helper.make_node("MatMul", [x, g.const("fc_w", fc["w"])], ["embedding"], name="embedding"))
    if pos != len(layers):
        raise DlibFormatError(f"{len(layers) - pos} layer records left over")

    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, net.size[0], net.size[1]])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", fc["w"].shape[1]])
    graph = helper.make_graph(g.nodes, "dlib_resnet_v1", [inp], [out], initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="faceapp-build", producer_version="1")
    model.ir_version = 8
    model.doc_string = ("dlib_face_recognition_resnet_model_v1 (public domain) converted by "
                        "build/exporters/dlib_resnet.py; input RGB 0..255 NCHW 150x150, output raw 128-D descriptor")
    onnx.checker.check_model(model)
    return model


def export(dat_path: Path, out_path: Path) -> dict:
    """Parse the .dat, write the ONNX file (same bytes every run) and return its io spec."""
    net = parse(Path(dat_path))
    model = build_onnx(net)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(model.SerializeToString(deterministic=True))
    log.info("wrote %s (%d layers, means %s)", out_path, len(net.layers), net.means)
    return {
        "inputs": {"input": {"shape": [None, 3, net.size[0], net.size[1]], "dtype": "float32",
                             "layout": "NCHW", "colour": "RGB", "range": "0..255 (mean/256 normalisation in graph)"}},
        "outputs": {"embedding": {"shape": [None, 128], "dtype": "float32",
                                  "note": "raw dlib descriptor (not L2-normalised); same person if euclidean < 0.6"}},
    }

