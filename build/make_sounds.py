"""Generate the kiosk's three sounds as small WAV files (pure numpy tones, no recorded audio).

    python build/make_sounds.py           # write resources/sounds/{granted,denied,unknown}.wav
    python build/make_sounds.py --check   # exit 1 when the committed files differ from these

granted: a rising three-note chime; denied: two low buzzes; unknown: one falling tone.
They differ in pitch and rhythm, so the person at the door hears the result without reading.
"""

from __future__ import annotations

import argparse
import io
import sys
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "sounds"
RATE = 22050


def _tone(freq_start: float, seconds: float, freq_end: float | None = None, square: bool = False) -> np.ndarray:
    """One note with a 10 ms fade in and out (no click); optionally gliding or buzzy."""
    n = int(RATE * seconds)
    f = np.linspace(freq_start, freq_end or freq_start, n)
    phase = 2 * np.pi * np.cumsum(f) / RATE
    wave_ = np.sign(np.sin(phase)) * 0.5 if square else np.sin(phase)
    fade = min(n // 2, int(RATE * 0.01))
    env = np.ones(n)
    env[:fade] = np.linspace(0, 1, fade)
    env[-fade:] = np.linspace(1, 0, fade)
    return wave_ * env


def _gap(seconds: float) -> np.ndarray:
    return np.zeros(int(RATE * seconds))


def sounds() -> dict[str, np.ndarray]:
    return {
        "granted": np.concatenate([_tone(523.25, 0.12), _tone(659.25, 0.12), _tone(783.99, 0.22)]),
        "denied": np.concatenate([_tone(196.0, 0.18, square=True), _gap(0.08), _tone(196.0, 0.18, square=True)]),
        "unknown": _tone(660.0, 0.45, 330.0),
    }


def wav_bytes(samples: np.ndarray, volume: float = 0.6) -> bytes:
    pcm = np.clip(samples * volume * 32767, -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only check the committed files are these")
    args = p.parse_args(argv)
    stale = []
    for name, samples in sounds().items():
        path, data = OUT / f"{name}.wav", wav_bytes(samples)
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path.name)
            continue
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if stale:
        print(f"out of date: {', '.join(stale)}; run python build/make_sounds.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
