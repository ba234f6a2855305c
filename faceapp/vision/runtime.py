"""ONNX Runtime session factory: CUDA when present, CPU otherwise, and say which is in use."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..shared.errors import ModelError, ProviderError

log = logging.getLogger(__name__)

ProviderPreference = Literal["auto", "cuda", "cpu"]

_NAMES = {"cuda": "CUDAExecutionProvider", "cpu": "CPUExecutionProvider"}
_SEVERITY = 3  # ONNX Runtime's own log lines on stderr from this level up (0 verbose .. 4 fatal)


def set_native_logging(verbose: bool) -> None:
    """Whether ONNX Runtime's own lines reach stderr. The CLI reports an unusable model in
    one line of its own, so it turns them off (fatal only), and on again at -vv (warnings)."""
    global _SEVERITY
    _SEVERITY = 2 if verbose else 4


def _onnxruntime():
    """onnxruntime with its telemetry events off (faceapp/__init__ already kept it from
    creating its local telemetry store at import)."""
    import onnxruntime as ort

    if hasattr(ort, "disable_telemetry_events"):
        ort.disable_telemetry_events()
    return ort


def available_providers() -> list[str]:
    return list(_onnxruntime().get_available_providers())


def resolve_providers(preference: ProviderPreference = "auto") -> list[str]:
    """Providers to ask ONNX Runtime for, best first.

    "auto" takes CUDA when the installed onnxruntime build offers it; "cuda" insists on it
    (a clear error instead of a silent slow CPU run); "cpu" forces the CPU.
    """
    avail = available_providers()
    if preference == "cpu":
        return [_NAMES["cpu"]]
    if preference == "cuda":
        if _NAMES["cuda"] not in avail:
            raise ProviderError(
                "CUDA was requested but this onnxruntime build offers only "
                f"{', '.join(avail)}; install onnxruntime-gpu with a matching CUDA runtime"
            )
        return [_NAMES["cuda"], _NAMES["cpu"]]
    if preference != "auto":
        raise ProviderError(f"unknown provider preference {preference!r}; use auto, cuda or cpu")
    return [_NAMES["cuda"], _NAMES["cpu"]] if _NAMES["cuda"] in avail else [_NAMES["cpu"]]


def _preload_cuda_wheels() -> None:
    """Load CUDA/cuDNN from the nvidia-* wheels (the `gpu` extra) when they are installed,
    so no LD_LIBRARY_PATH set-up is needed; without them ONNX Runtime uses system CUDA."""
    import importlib.util

    if importlib.util.find_spec("nvidia") is None:
        return
    ort = _onnxruntime()

    if hasattr(ort, "preload_dlls"):
        try:
            ort.preload_dlls()
        except Exception as exc:  # best effort: the session start reports the real outcome
            log.info("preloading CUDA libraries failed: %s", exc)


@dataclass
class Runtime:
    """Creates sessions with one provider policy and thread budget for the whole app."""

    preference: ProviderPreference | None = None  # None: $FACEAPP_PROVIDER, else "auto"
    intra_op_threads: int = 0  # 0 lets ONNX Runtime choose (one per physical core)

    def __post_init__(self) -> None:
        if self.preference is None:
            self.preference = os.environ.get("FACEAPP_PROVIDER", "auto").lower()  # type: ignore[assignment]
        self.providers = resolve_providers(self.preference)
        self._in_use: set[str] = set()
        if self.providers[0] == _NAMES["cuda"]:
            _preload_cuda_wheels()

    def session(self, path: Path):
        ort = _onnxruntime()

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = _SEVERITY
        if self.intra_op_threads:
            opts.intra_op_num_threads = self.intra_op_threads
        # Spinning worker threads burn the cores the capture and GUI threads need; on the
        # 2-core test machine under load, turning it off took a frame from 73 to 43 ms.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        probing = self.preference == "auto" and self.providers[0] == _NAMES["cuda"]
        # a missing CUDA is expected in auto mode: we log the fallback ourselves
        ort.set_default_logger_severity(4 if probing else _SEVERITY)
        try:
            sess = self._create(ort, path, opts)
        finally:
            ort.set_default_logger_severity(_SEVERITY)
        used = sess.get_providers()[0]
        if used != self.providers[0]:
            # onnxruntime-gpu lists CUDA even where the CUDA libraries are missing; the
            # session then quietly runs on the CPU. Say so once and stop asking for CUDA.
            if self.preference == "cuda":
                raise ProviderError(f"{path.name}: CUDA was requested but ONNX Runtime could not use it "
                                    "(CUDA/cuDNN libraries missing or no GPU)")
            # Only "auto" gets here, and nobody asked for CUDA: one INFO line, not a warning
            # on every command of every CPU-only PC.
            log.info("%s: %s not usable here, running on %s", path.name, self.providers[0], used)
            self.providers = [used]
        self._in_use.add(used)
        return sess

    def _create(self, ort, path: Path, opts):  # noqa: ANN001, ANN202
        """The session on self.providers; when that fails and CUDA was first, once more on the
        CPU (ONNX Runtime's own fallback does the same, but prints a banner on stdout)."""
        try:
            return ort.InferenceSession(str(path), sess_options=opts, providers=self.providers, enable_fallback=0)
        except Exception as exc:  # onnxruntime raises its own non-public exception types
            if self.providers[0] != _NAMES["cuda"]:
                raise ModelError(f"{path.name}: ONNX Runtime cannot load it: {exc}") from exc
            log.debug("%s on %s failed (%s); retrying on the CPU", path.name, self.providers, exc)
        try:  # the caller notices the CPU from sess.get_providers(), as after ONNX Runtime's fallback
            return ort.InferenceSession(str(path), sess_options=opts, providers=[_NAMES["cpu"]], enable_fallback=0)
        except Exception as exc:  # noqa: BLE001
            raise ModelError(f"{path.name}: ONNX Runtime cannot load it: {exc}") from exc

    @property
    def provider_in_use(self) -> str:
        """Short name shown to the user: "CUDA", "CPU" or "CUDA+CPU" if models differ."""
        if not self._in_use:
            return self.providers[0].replace("ExecutionProvider", "")
        return "+".join(sorted(p.replace("ExecutionProvider", "") for p in self._in_use))
