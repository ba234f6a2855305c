"""Manifest and model-contract checks: damaged or swapped files fail loudly at load."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from faceapp.shared.errors import ModelMismatchError, ModelMissingError, ProviderError
from faceapp.vision.models import Manifest, OnnxModel, check_io, sha256_file
from faceapp.vision.runtime import Runtime, resolve_providers
from faceapp.shared.paths import models_dir


def _identity_model(path, shape):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, shape)
    graph = helper.make_graph([helper.make_node("Identity", ["input"], ["output"])], "g", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9  # what every supported onnxruntime reads
    onnx.save(model, path)


class Toy(OnnxModel):
    key = "toy"
    inputs = {"input": (None, 3, 8, 8)}
    outputs = {"output": (None, 3, 8, 8)}


def test_contract_accepts_matching_model_and_runs(tmp_path):
    p = tmp_path / "toy.onnx"
    _identity_model(p, ["batch", 3, 8, 8])
    m = Toy(p, Runtime("cpu"))
    x = np.ones((2, 3, 8, 8), np.float32)
    assert np.array_equal(m.run(input=x)[0], x)
    m.warmup()
    assert m.provider == "CPUExecutionProvider"


def test_contract_names_expected_and_actual_shapes(tmp_path):
    p = tmp_path / "wrong.onnx"
    _identity_model(p, ["batch", 3, 16, 16])
    with pytest.raises(ModelMismatchError, match=r"wrong.onnx: inputs 'input' expected shape \(\?, 3, 8, 8\), actual \(\?, 3, 16, 16\)"):
        Toy(p, Runtime("cpu"))


def test_contract_names_missing_tensors():
    with pytest.raises(ModelMismatchError, match=r"expected \{input: \(\?, 3\)\}, actual \{data: \(\?, 3\)\}"):
        check_io("m.onnx", "inputs", {"input": (None, 3)}, {"data": (None, 3)})


def test_not_an_onnx_file_is_a_model_error(tmp_path):
    p = tmp_path / "junk.onnx"
    p.write_bytes(b"this is not a protobuf")
    with pytest.raises(Exception, match="junk.onnx: ONNX Runtime cannot load it"):
        Toy(p, Runtime("cpu"))


def test_missing_file(tmp_path):
    with pytest.raises(ModelMissingError, match="model file missing"):
        Toy(tmp_path / "nope.onnx", Runtime("cpu"))


def _copy_manifest(tmp_path):
    src = models_dir()
    data = json.loads((src / "manifest.json").read_text())
    key = "encoder"
    f = data["models"][key]["file"]
    (tmp_path / f).write_bytes((src / f).read_bytes())
    data["models"] = {key: data["models"][key]}
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    return tmp_path / f


def test_shipped_manifest_lists_hashes_that_match_the_files():
    man = Manifest(models_dir())
    assert {"encoder", "shape_predictor_5", "mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet"} <= set(man.keys())
    for key in man.keys():
        e = man.entry(key)
        assert sha256_file(e.path) == e.sha256
        src = e.info["source"]
        # a package and its version, or (weights committed in a repository) the repository and commit
        assert e.info["licence"] and ((src.get("package") and src.get("version"))
                                      or (src.get("repository") and len(src.get("commit", "")) == 40)), key


def test_damaged_model_file_is_refused(tmp_path):
    f = _copy_manifest(tmp_path)
    data = bytearray(f.read_bytes())
    data[-10] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ModelMismatchError, match="sha256 expected .* actual"):
        Manifest(tmp_path).entry("encoder")


def test_missing_model_file_and_manifest(tmp_path):
    f = _copy_manifest(tmp_path)
    f.unlink()
    with pytest.raises(ModelMissingError, match="model file missing"):
        Manifest(tmp_path).entry("encoder")
    with pytest.raises(ModelMissingError, match="manifest not found"):
        Manifest(tmp_path / "empty")


def test_provider_selection():
    assert resolve_providers("cpu") == ["CPUExecutionProvider"]
    assert resolve_providers("auto")[-1] == "CPUExecutionProvider"
    with pytest.raises(ProviderError, match="unknown provider"):
        resolve_providers("tpu")


def test_cuda_request_without_cuda_is_a_clear_error(tmp_path):
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        with pytest.raises(ProviderError, match="CUDA was requested"):
            Runtime("cuda")
        return
    # onnxruntime-gpu lists CUDA even without a GPU: creating a session must then fail clearly
    p = tmp_path / "toy.onnx"
    _identity_model(p, ["batch", 3, 8, 8])
    rt = Runtime("cuda")
    try:
        m = Toy(p, rt)
    except ProviderError as exc:
        assert "CUDA was requested" in str(exc)
    else:
        assert m.provider == "CUDAExecutionProvider" and rt.provider_in_use == "CUDA"


def test_auto_falls_back_to_cpu_and_reports_it(tmp_path):
    p = tmp_path / "toy.onnx"
    _identity_model(p, ["batch", 3, 8, 8])
    rt = Runtime("auto")
    m = Toy(p, rt)
    assert rt.provider_in_use == m.provider.replace("ExecutionProvider", "")
