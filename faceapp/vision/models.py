"""Shipped-model manifest and the one contract every ONNX model wrapper follows.

A wrapper declares the input and output shapes it was written for; loading checks them
against the file so a swapped or re-exported model fails at start-up with expected vs
actual shapes, not later with a confusing numpy error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..shared.errors import ModelMismatchError, ModelMissingError
from .runtime import Runtime

log = logging.getLogger(__name__)

Shape = tuple[int | None, ...]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelEntry:
    key: str
    path: Path
    sha256: str
    info: dict[str, Any]

    @property
    def model_id(self) -> str:
        """Stable id stored beside templates: name plus a short hash of the exact weights, plus
        "+flip" when the pack averages each chip with its mirror (other descriptors, so templates
        made without it are not mixed with probes made with it). A graph rewritten for speed
        whose outputs are bit for bit an earlier file's names that file ("same_outputs_as" in
        the manifest) and keeps its id, so the templates made with it stay valid."""
        flip = "+flip" if self.info.get("preprocess", {}).get("flip_average") else ""
        sha = str(self.info.get("same_outputs_as") or self.sha256)
        return f"{self.info.get('id', self.key)}@{sha[:12]}{flip}"


def encoder_of(model_id: str) -> str:
    """The encoder id of a stored template's model id ("mobilefacenet_v1@8862f7ade710" ->
    "mobilefacenet_v1")."""
    return str(model_id).split("@", 1)[0]


class Manifest:
    """models/manifest.json: file, sha256, source package, licence and io spec per model."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        mpath = self.directory / "manifest.json"
        if not mpath.is_file():
            raise ModelMissingError(f"model manifest not found: {mpath}")
        try:
            self.data = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelMismatchError(f"model manifest {mpath} is unreadable: {exc}") from exc
        self._verified: set[str] = set()

    def keys(self) -> list[str]:
        return list(self.data["models"])

    # -- encoders (model packs) -------------------------------------------------------------

    def encoder_keys(self) -> dict[str, str]:
        """Encoder id -> manifest key, for every entry with "role": "encoder" (the entry under
        the old key "encoder" counts as one even without a role: manifests before packs)."""
        out = {}
        for key, info in self.data["models"].items():
            if info.get("role") == "encoder" or key == "encoder":
                out[str(info.get("id", key))] = key
        return out

    @property
    def default_encoder(self) -> str:
        """The encoder a new database uses: the manifest's "default_encoder", else the entry
        under the key "encoder"."""
        ids = self.encoder_keys()
        chosen = self.data.get("default_encoder")
        if chosen in ids:
            return str(chosen)
        return str(self.data["models"].get("encoder", {}).get("id", next(iter(ids), "encoder")))

    def encoder_entry(self, encoder_id: str | None = None, verify: bool = True) -> ModelEntry:
        """The encoder pack with this id (None: the entry under the key "encoder", dlib's)."""
        if encoder_id is None:
            return self.entry("encoder", verify)
        keys = self.encoder_keys()
        if encoder_id not in keys:
            raise ModelMissingError(f"encoder {encoder_id!r} is not listed in {self.directory / 'manifest.json'} "
                                    f"(listed: {', '.join(sorted(keys)) or 'none'})")
        return self.entry(keys[encoder_id], verify)

    def entry(self, key: str, verify: bool = True) -> ModelEntry:
        try:
            info = self.data["models"][key]
        except KeyError:
            raise ModelMissingError(f"model {key!r} is not listed in {self.directory / 'manifest.json'}") from None
        entry = ModelEntry(key, self.directory / info["file"], info["sha256"], info)
        if not entry.path.is_file():
            raise ModelMissingError(f"model file missing: {entry.path} (listed as {key!r} in the manifest)")
        if verify and key not in self._verified:
            actual = sha256_file(entry.path)
            if actual != entry.sha256:
                raise ModelMismatchError(
                    f"{entry.path.name}: sha256 expected {entry.sha256[:16]}..., actual {actual[:16]}...; "
                    "the file was changed or damaged, reinstall faceapp"
                )
            self._verified.add(key)
        return entry


def _dims(value_info) -> Shape:
    out: list[int | None] = []
    for d in value_info.shape:
        out.append(d if isinstance(d, int) else None)
    return tuple(out)


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def check_io(name: str, kind: str, expected: dict[str, Shape], actual: dict[str, Shape]) -> None:
    """Raise ModelMismatchError unless every expected tensor exists with a compatible shape.

    None in `expected` means any size; a symbolic dimension in the file matches any size.
    """
    if list(expected) != list(actual):
        raise ModelMismatchError(
            f"{name}: {kind} expected {{{', '.join(f'{k}: {_fmt(v)}' for k, v in expected.items())}}}, "
            f"actual {{{', '.join(f'{k}: {_fmt(v)}' for k, v in actual.items())}}}"
        )
    for key, exp in expected.items():
        act = actual[key]
        ok = len(exp) == len(act) and all(e is None or a is None or e == a for e, a in zip(exp, act))
        if not ok:
            raise ModelMismatchError(f"{name}: {kind} '{key}' expected shape {_fmt(exp)}, actual {_fmt(act)}")


class OnnxModel:
    """Base wrapper: load through the Runtime, check io shapes, run, warm up."""

    key: ClassVar[str]
    inputs: ClassVar[dict[str, Shape]]
    outputs: ClassVar[dict[str, Shape]]

    def __init__(self, path: Path, runtime: Runtime):
        self.path = Path(path)
        if not self.path.is_file():
            raise ModelMissingError(f"model file missing: {self.path}")
        self.session = runtime.session(self.path)
        self.provider = self.session.get_providers()[0]
        check_io(self.path.name, "inputs", self.inputs, {i.name: _dims(i) for i in self.session.get_inputs()})
        check_io(self.path.name, "outputs", self.outputs, {o.name: _dims(o) for o in self.session.get_outputs()})
        self._output_names = list(self.outputs)

    @classmethod
    def from_manifest(cls, manifest: Manifest, runtime: Runtime, verify: bool = True):
        return cls(manifest.entry(cls.key, verify=verify).path, runtime)

    def run(self, **feeds: np.ndarray) -> list[np.ndarray]:
        return self.session.run(self._output_names, feeds)

    def warmup_inputs(self) -> dict[str, np.ndarray]:
        """Smallest valid inputs: dynamic dims become 1 (subclasses override when that is too small)."""
        return {k: np.zeros([1 if d is None else d for d in s], np.float32) for k, s in self.inputs.items()}

    def warmup(self) -> None:
        self.run(**self.warmup_inputs())


@dataclass(frozen=True)
class ModelNotice:
    """What About and the README say of one shipped weight file: licence, where it came
    from (package + version + path, or repository), what it was trained on."""

    id: str
    file: str
    licence: str
    source: str
    training_data: str


def _source_text(info: dict[str, Any]) -> str:
    src, prov = info.get("source", {}), info.get("provenance", {})
    where = " ".join(str(src[k]) for k in ("package", "version") if src.get(k))
    if not where and src.get("repository"):  # weights committed in a git repository
        where = f"{src['repository']} @ {str(src.get('commit', ''))[:12]}"
    text = f"{where}, {src['file']}" if src.get("file") else where
    upstream = prov.get("upstream") if isinstance(prov, dict) else None
    return f"{text} (upstream: {upstream})" if upstream else text


def model_notices(manifest: "Manifest") -> list[ModelNotice]:
    """One notice per shipped model, in manifest order."""
    out = []
    for key in manifest.keys():
        info = manifest.data["models"][key]
        prov = info.get("provenance", {})
        training = info.get("training_data") or (prov.get("training_data", "") if isinstance(prov, dict) else "")
        out.append(ModelNotice(str(info.get("id", key)), str(info.get("file", "")), str(info.get("licence", "")),
                               _source_text(info), str(training or "not stated by the upstream project")))
    return out
