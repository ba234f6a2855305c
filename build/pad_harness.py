"""Presentation-attack detection harness for the head-turn liveness challenge.

Attack presentations: real photos rendered as a printed card or a screen held in front of
a webcam and moved (faceapp/evaluation/pad_attacks.py: shift, in-plane rotation, tilt/yaw like
a head turn, a bent card, a screen replay with moire/gamma/bezel), over a background
frame. Bona fide presentations: windows of real face tracks in the shared clip
video/short_hamilton_clip.mp4 (scene cuts split tracks). The bona fide material is ONE
9 s stage clip with few, small faces, so BPCER here is a sanity check, not a measurement
of the front desk; run it on your own recordings of staff doing the challenge.

Every sequence goes through the real engine (detect, landmarks) and a fresh
LivenessChallenge; the verdict at the end of the sequence is the decision. Reported in
the style of ISO/IEC 30107-3: APCER per PAI species = attack presentations classified as
bona fide / attack presentations of that species; BPCER = bona fide presentations
classified as attacks / bona fide presentations, with counts and the thresholds.

    PYTHONPATH=. python build/pad_harness.py --max-seq 10 [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from faceapp.vision.engine import FaceEngine  # noqa: E402
from faceapp.recognition.liveness import LivenessChallenge, LivenessResult  # noqa: E402
from faceapp.evaluation.pad_attacks import SPECIES, attack_sequence  # noqa: E402
from faceapp.settings import Settings  # noqa: E402
from faceapp.evaluation.pad import PadInputError, backgrounds, face_tracks, read_video  # noqa: E402

log = logging.getLogger("pad_harness")
SHARED = ROOT.parent / "shared" / "data" / "faces"
CLIP = SHARED / "video" / "short_hamilton_clip.mp4"


def packaged_photos() -> list[tuple[str, np.ndarray]]:
    from PIL import Image
    import matplotlib.cbook
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        hopper = np.asarray(Image.open(fh).convert("RGB"))
    return [("astronaut", np.ascontiguousarray(data.astronaut())), ("grace_hopper", hopper)]


def shared_photos(limit: int) -> list[tuple[str, np.ndarray]]:
    """face_recognition_examples (high resolution) then an even sample of LFW."""
    from PIL import Image

    if not SHARED.is_dir():
        return []
    paths = sorted((SHARED / "face_recognition_examples").glob("*/*.*"))
    paths = [p for p in paths if p.suffix.lower() in (".jpg", ".jpeg", ".png")]
    lfw = sorted((SHARED / "lfw" / "images").glob("*/*.jpg"))
    if lfw:
        step = max(1, len(lfw) // max(1, limit))
        paths += lfw[::step]
    return [(str(p.relative_to(SHARED)), np.asarray(Image.open(p).convert("RGB"))) for p in paths[:limit]]


def read_clip() -> list[np.ndarray]:
    """The shared clip's frames; none where it is missing or unreadable."""
    try:
        return read_video(CLIP)
    except PadInputError:
        return []


def clip_tracks(engine: FaceEngine, frames: list[np.ndarray], min_len: int) -> list[list]:
    """Face tracks (lists of Face) in the clip: the PAD evaluation's tracks (greedy IoU, split
    at scene cuts), so the harness and `faceapp evaluate pad` agree."""
    return [[f for f, _ in track] for track in face_tracks(engine, frames, min_len=min_len)]


def _lm(face) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - vision.types.Face
    """All the challenge needs of a face: its two landmark sets (small enough to cache)."""
    return np.asarray(face.landmarks, np.float32), np.asarray(face.shape5, np.float32)


def judge(faces: list[tuple[np.ndarray, np.ndarray]], settings: Settings) -> LivenessResult:
    ch = LivenessChallenge.from_settings(settings.liveness)
    res = ch.result()
    for lm, s5 in faces:
        res = ch.observe(lm, s5)
    return res


def run_attacks(engine, photos, bgs, species, frames, max_seq) -> list[dict]:  # noqa: ANN001
    """Render and analyse max_seq attack sequences per species (landmarks kept, not judged)."""
    rows = []
    for sp in species:
        n = 0
        for pi, (name, photo) in enumerate(photos):
            if n >= max_seq:
                break
            found = engine.analyze(photo, max_faces=1)
            if not found:
                continue
            rng = np.random.default_rng(1000 * SPECIES.index(sp) + pi)
            seq = attack_sequence(photo, bgs[pi % len(bgs)], sp, frames, found[0].box,
                                  face_px=float(rng.uniform(90, 170)), seed=pi)
            faces = [_lm(fs[0]) for fs in (engine.analyze(f, max_faces=1) for f in seq) if fs]
            rows.append({"kind": "attack", "species": sp, "source": name, "frames": frames,
                         "frames_with_face": len(faces), "_faces": faces})
            n += 1
    return rows


def run_bona_fide(engine, clip, window, stride, max_seq) -> list[dict]:  # noqa: ANN001
    """Windows of real face tracks in the clip (landmarks kept, not judged)."""
    rows = []
    for ti, track in enumerate(clip_tracks(engine, clip, window)):
        for s in range(0, len(track) - window + 1, stride):
            if len(rows) >= max_seq:
                return rows
            faces = [_lm(f) for f in track[s:s + window]]
            iod = float(np.median([np.linalg.norm(lm[1] - lm[0]) for lm, _ in faces]))
            rows.append({"kind": "bona_fide", "species": "bona_fide", "source": f"clip track {ti} +{s}",
                         "frames": window, "frames_with_face": len(faces), "eye_distance_px": round(iod, 1),
                         "_faces": faces})
    return rows


def judge_all(rows: list[dict], settings: Settings) -> list[dict]:
    """Each sequence's verdict under `settings` (landmarks are computed once, judged many times)."""
    out = []
    for r in rows:
        res = judge(r["_faces"], settings)
        out.append({k: v for k, v in r.items() if k != "_faces"} | {
            "live": res.live, "reason": res.reason, "score": round(res.score, 4),
            "yaw_range_deg": round(res.yaw_range_deg, 1)})
        log.info("%s %s: %s (score %.3f, yaw %.1f)", r["species"], r["source"], res.reason, res.score,
                 res.yaw_range_deg)
    return out


def sweep(rows: list[dict], settings: Settings, values: list[float]) -> list[dict]:
    """APCER (flat species, bent card) and BPCER of turned windows against liveness_min_parallax."""
    out = []
    for v in values:
        s = settings.replace(liveness_min_parallax=v)
        judged = judge_all(rows, s)
        flat = [r for r in judged if r["kind"] == "attack" and r["species"] != "print_bent_yaw"]
        bent = [r for r in judged if r["species"] == "print_bent_yaw"]
        bf = [r for r in judged if r["kind"] == "bona_fide"]
        out.append({"min_parallax": v, "flat_accepted": sum(r["live"] for r in flat), "flat": len(flat),
                    "bent_accepted": sum(r["live"] for r in bent), "bent": len(bent),
                    "bona_fide_rejected": sum(not r["live"] for r in bf), "bona_fide": len(bf)})
    return out


def summarise(rows: list[dict], settings: Settings) -> dict:
    out: dict = {"thresholds": {"liveness_min_yaw_change_deg": settings.liveness.min_yaw_change_deg,
                                "liveness_min_parallax": settings.liveness.min_parallax,
                                "liveness_min_frames": settings.liveness.min_frames},
                 "apcer": {}, "bpcer": None}
    for sp in sorted({r["species"] for r in rows if r["kind"] == "attack"}):
        rs = [r for r in rows if r["species"] == sp]
        acc = sum(r["live"] for r in rs)
        out["apcer"][sp] = {"presentations": len(rs), "accepted": acc, "apcer": acc / len(rs),
                            "reasons": dict(Counter(r["reason"] for r in rs)),
                            "max_score": max(r["score"] for r in rs)}
    bf = [r for r in rows if r["kind"] == "bona_fide"]
    if bf:
        rej = sum(not r["live"] for r in bf)
        turned = [r for r in bf if r["yaw_range_deg"] >= settings.liveness.min_yaw_change_deg]
        out["bpcer"] = {"presentations": len(bf), "rejected": rej, "bpcer": rej / len(bf),
                        "reasons": dict(Counter(r["reason"] for r in bf)),
                        "turned": len(turned), "turned_rejected": sum(not r["live"] for r in turned),
                        "min_score_turned": min((r["score"] for r in turned), default=None)}
    if out["apcer"]:
        out["apcer_max_species"] = max(out["apcer"], key=lambda k: out["apcer"][k]["apcer"])
    return out


def print_table(summary: dict) -> None:
    t = summary["thresholds"]
    print(f"\nOperating point: yaw change >= {t['liveness_min_yaw_change_deg']} deg, "
          f"nose parallax >= {t['liveness_min_parallax']}, >= {t['liveness_min_frames']} frames")
    print(f"{'PAI species':<16}{'n':>4}{'accepted':>10}{'APCER':>8}{'max score':>11}  reasons")
    for sp, a in summary["apcer"].items():
        print(f"{sp:<16}{a['presentations']:>4}{a['accepted']:>10}{a['apcer']:>8.1%}"
              f"{a['max_score']:>11.3f}  {a['reasons']}")
    b = summary["bpcer"]
    if b:
        print(f"{'bona fide':<16}{b['presentations']:>4}{'rejected':>10}{'BPCER':>8}")
        print(f"{'all windows':<16}{b['presentations']:>4}{b['rejected']:>10}{b['bpcer']:>8.1%}  {b['reasons']}")
        if b["turned"]:
            print(f"{'turned >= thr':<16}{b['turned']:>4}{b['turned_rejected']:>10}"
                  f"{b['turned_rejected'] / b['turned']:>8.1%}  min score {b['min_score_turned']:.3f}")
    else:
        print("bona fide: shared clip not found, BPCER not measured")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-seq", type=int, default=8, help="attack sequences per species and bona fide windows")
    ap.add_argument("--frames", type=int, default=24, help="frames per attack sequence (~1 s at 25 fps)")
    ap.add_argument("--window", type=int, default=45, help="frames per bona fide window")
    ap.add_argument("--stride", type=int, default=15, help="step between bona fide windows")
    ap.add_argument("--species", nargs="*", default=list(SPECIES), choices=SPECIES)
    ap.add_argument("--json", type=Path, help="also write every sequence and the summary here")
    ap.add_argument("--sweep", type=float, nargs="*", help="also report APCER/BPCER at these min_parallax values")
    ap.add_argument("--cache", type=Path, help="landmarks pickle: reused when it exists (re-judge without the engine)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    t0 = time.perf_counter()
    settings = Settings()
    if args.cache and args.cache.is_file():
        rows = pickle.loads(args.cache.read_bytes())
    else:
        engine = FaceEngine.load(provider="cpu")
        clip = read_clip() if CLIP.is_file() else []
        photos = packaged_photos() + shared_photos(args.max_seq * 2)
        bgs = backgrounds(engine, clip, 8)
        rows = run_attacks(engine, photos, bgs, args.species, args.frames, args.max_seq)
        rows += run_bona_fide(engine, clip, args.window, args.stride, args.max_seq * 4) if clip else []
        if args.cache:
            args.cache.write_bytes(pickle.dumps(rows))
    raw, rows = rows, judge_all(rows, settings)
    summary = summarise(rows, settings)
    print_table(summary)
    if args.sweep:
        summary["sweep"] = sweep(raw, settings, args.sweep)
        print("\nmin_parallax  flat attacks accepted  bent accepted  bona fide rejected")
        for r in summary["sweep"]:
            print(f"{r['min_parallax']:>12.3f}  {r['flat_accepted']:>12}/{r['flat']:<9}"
                  f"{r['bent_accepted']:>6}/{r['bent']:<8}{r['bona_fide_rejected']:>10}/{r['bona_fide']}")
    print(f"({len(rows)} sequences, {time.perf_counter() - t0:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "sequences": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
