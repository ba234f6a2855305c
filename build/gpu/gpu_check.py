#!/usr/bin/env python3
"""The CUDA check for a machine with an NVIDIA GPU: parity with the CPU and speed, side by side.

    python build/gpu/gpu_check.py --json OUT.json          # needs onnxruntime-gpu + CUDA 12/13 + cuDNN 9
    python build/gpu/gpu_check.py --provider cpu           # the same measurements on the CPU only

Uses only packaged photos (resources/selftest), so it runs where ../shared is absent (the
lent GPU machine). It fails (exit 1) unless the engine really runs on CUDA, then reports:
the descriptor difference CUDA vs CPU on the same chips; per-stage latency of a 640x480
frame on both, interleaved frame by frame; descriptor throughput at batch 1/8/32/128.
Ship the figures in the README with this command. build/gpu/prepare_wheels.sh packs what
the lent machine lacks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def chips_for_parity(chip: np.ndarray) -> np.ndarray:
    """The frame's face chip plus flipped, darker and brighter versions: 4 different inputs."""
    return np.stack([chip, chip[:, ::-1], (chip * 0.6).astype(np.uint8),
                     np.clip(chip.astype(np.int16) + 40, 0, 255).astype(np.uint8)])


def stage_latency(engines: dict, frame: np.ndarray, frames: int) -> dict:
    times = {name: {"detect": [], "align": [], "embed": [], "total": []} for name in engines}
    for name, e in engines.items():
        e.analyze(frame)
    for _ in range(frames):
        for name, e in engines.items():  # interleaved: machine noise hits both alike
            t0 = time.perf_counter()
            e.analyze(frame)
            times[name]["total"].append(time.perf_counter() - t0)
            for k, v in e.last_timings.items():
                times[name][k].append(v)
    return {name: {k: round(1000 * float(np.median(v)), 2) for k, v in st.items()} for name, st in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--provider", choices=["cuda", "cpu"], default="cuda")
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--batches", default="1,8,32,128")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    import onnxruntime as ort

    from faceapp.cli.bench import embed_throughput, letterbox
    from faceapp.vision.engine import FaceEngine
    from faceapp.vision.imageio import read_image

    report: dict = {"onnxruntime": ort.__version__, "available_providers": ort.get_available_providers()}
    frame = letterbox(read_image(ROOT / "resources" / "selftest" / "astronaut.jpg"), 640, 480)
    engines = {"cpu": FaceEngine.load(provider="cpu")}
    chip = engines["cpu"].analyze(frame)[0].chip
    if args.provider == "cuda":
        from faceapp.shared.errors import ProviderError

        t0 = time.perf_counter()
        try:
            engines["cuda"] = FaceEngine.load(provider="cuda")
        except ProviderError as exc:
            print(f"FAIL: {exc}\nGPU CHECK FAILED", file=sys.stderr)
            return 1
        report["cuda_load_s"] = round(time.perf_counter() - t0, 2)
        report["cuda_provider_in_use"] = engines["cuda"].provider
        if "CUDA" not in engines["cuda"].provider.upper():
            print(f"FAIL: engine runs on {engines['cuda'].provider}, not CUDA", file=sys.stderr)
            return 1
        chips = chips_for_parity(chip)
        a, b = engines["cpu"].embed(chips), engines["cuda"].embed(chips)
        report["descriptor_max_abs_diff_cuda_vs_cpu"] = float(np.abs(a - b).max())
        report["descriptor_max_distance_cuda_vs_cpu"] = float(np.linalg.norm(a - b, axis=1).max())
        da, db = engines["cpu"].detect(frame), engines["cuda"].detect(frame)
        report["faces_cpu_vs_cuda"] = [len(da), len(db)]
        if len(da) and len(da) == len(db):
            report["box_max_abs_diff_px"] = float(np.abs(da.boxes - db.boxes).max())
    report["latency_ms_640x480"] = stage_latency(engines, frame, args.frames)
    sizes = [int(s) for s in args.batches.split(",")]
    report["embed_batch"] = {name: embed_throughput(e, chip, sizes) for name, e in engines.items()}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    ok = args.provider == "cpu" or (report["descriptor_max_distance_cuda_vs_cpu"] < 0.01
                                    and report["faces_cpu_vs_cuda"][0] == report["faces_cpu_vs_cuda"][1])
    print("GPU CHECK PASSED" if ok else "GPU CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
