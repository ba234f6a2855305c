"""Presentation-attack detection (PAD) evaluation in ISO/IEC 30107-3 terms, for the door's
liveness policies: passive alone, head-turn challenge alone, and passive then challenge.

Presentations (each one a short sequence of frames, judged as the door would judge a track):
- real captures: the upstream MiniFASNet repository's sample images (images/sample/image_F*.jpg
  attacks, image_T1.jpg bona fide), read from a folder given at run time (never shipped);
- rendered attacks (evaluation/pad_attacks.py) of LFW development photos (people of
  people_official_set1), several face sizes, every PASSIVE_SPECIES;
- bona fide: face-track windows of the shared Hamilton clip, and single LFW development photos.

Splits: tune (even-numbered LFW people, even clip tracks) and test (odd ones, and the upstream
samples). The operating point is chosen on tune only (choose_operating_point) and the table is
reported on test. APCER per PAI species = attacks accepted as live / attacks of that species;
BPCER = bona fide refused / bona fide presentations; 95% intervals are Clopper-Pearson (exact
binomial). A single photo cannot answer a head-turn prompt, so for photos the challenge counts
as refused and the combined policy's "prompted" rate says how many were asked.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..recognition import passive as policy
from ..recognition.liveness import LivenessChallenge
from ..recognition.passive import Fused
from ..recognition.settings import LivenessSettings
from ..recognition.tracker import greedy_assign, iou_matrix
from ..shared.errors import InputFileError
from .pad_attacks import PASSIVE_SPECIES, attack_sequence, plain_background

log = logging.getLogger(__name__)

UPSTREAM_ATTACKS = ("image_F1.jpg", "image_F2.jpg")
UPSTREAM_BONA_FIDE = ("image_T1.jpg",)
SIZES = (70.0, 110.0, 160.0)  # face box side in the rendered frame (px): far, middle, near


class PadInputError(InputFileError):
    """An input of the PAD evaluation is missing or unreadable (the CLI: exit 3)."""


@dataclass
class Presentation:
    """One presentation: per-frame passive scores and landmarks of the face the door sees."""

    kind: str  # "attack" or "bona_fide"
    species: str  # PAI species, or bona fide source ("clip", "photo")
    source: str
    split: str  # "tune" or "test"
    capture: str  # "real" (a camera saw it) or "rendered"
    scores: list[float] = field(default_factory=list)
    marks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)

    @property
    def single(self) -> bool:
        return len(self.marks) <= 1


def clopper_pearson(k: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact binomial 95% interval of k / n."""
    from scipy.stats import beta

    if n == 0:
        return float("nan"), float("nan")
    lo = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lo, hi


# -- collecting presentations ---------------------------------------------------------------

def observe(engine, passive, frames: Iterable[np.ndarray]) -> tuple[list[float], list]:  # noqa: ANN001
    """Per frame: the largest face's passive "real" score and its two landmark sets (frames
    without a face are skipped, as the tracker would). Detection and landmarks only: the door's
    liveness verdict does not read the descriptor."""
    scores, marks = [], []
    for frame in frames:
        dets = engine.detect(frame)
        if not len(dets):
            continue
        side = (dets.boxes[:, 2] - dets.boxes[:, 0]) * (dets.boxes[:, 3] - dets.boxes[:, 1])
        one = dets.select([int(np.argmax(side))])
        shapes5, _ = engine.align(frame, one)
        scores.append(passive.score(frame, one.boxes)[0].real)
        marks.append((np.asarray(one.landmarks[0], np.float32), np.asarray(shapes5[0], np.float32)))
    return scores, marks


def read_rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise PadInputError(f"cannot read image {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def upstream_samples(engine, passive, folder: Path) -> list[Presentation]:  # noqa: ANN001
    """The upstream repository's sample photos (real captures), one frame each; test split."""
    out = []
    for name in UPSTREAM_ATTACKS + UPSTREAM_BONA_FIDE:
        path = folder / name
        if not path.is_file():
            raise PadInputError(f"{path} not found (give the upstream images/sample folder)")
        scores, marks = observe(engine, passive, [read_rgb(path)])
        attack = name in UPSTREAM_ATTACKS
        out.append(Presentation("attack" if attack else "bona_fide", "upstream_sample" if attack else "photo",
                                f"upstream {name}", "test", "real", scores, marks))
    return out


def dev_people(shared: Path) -> list[tuple[int, Path]]:
    """(person index, first photo) of LFW development people (people_official_set1.txt order)."""
    lfw = shared / "lfw"
    listing = lfw / "people_official_set1.txt"
    if not listing.is_file():
        raise PadInputError(f"{listing} not found (set FACEAPP_SHARED_FACES to the shared face data)")
    names = [line.split("\t")[0] for line in listing.read_text(encoding="utf-8").splitlines()[2:] if "\t" in line]
    out = []
    for i, name in enumerate(names):
        photo = lfw / "images" / name / f"{name}_0001.jpg"
        if photo.is_file():
            out.append((i, photo))
    return out


def split_of(index: int) -> str:
    return "tune" if index % 2 == 0 else "test"


def rendered_attacks(engine, passive, people: list[tuple[int, Path]], per_split: int, frames: int,  # noqa: ANN001
                     backgrounds: list[np.ndarray], species: Iterable[str] = PASSIVE_SPECIES,
                     progress: Callable[[str], None] | None = None) -> list[Presentation]:
    """per_split rendered sequences per species and split, each from another dev person,
    sizes cycling through SIZES."""
    out = []
    for si, sp in enumerate(species):
        for split in ("tune", "test"):
            chosen = [p for p in people if split_of(p[0]) == split]
            n = 0
            for k, (idx, path) in enumerate(chosen[si * 3:] + chosen[:si * 3]):  # other people per species
                if n >= per_split:
                    break
                photo = read_rgb(path)
                found = engine.analyze(photo, max_faces=1)
                if not found:
                    continue
                size = SIZES[n % len(SIZES)]
                seq = attack_sequence(photo, backgrounds[(idx + si) % len(backgrounds)], sp, frames, found[0].box,
                                      face_px=size, seed=1000 * si + idx)
                scores, marks = observe(engine, passive, seq)
                out.append(Presentation("attack", sp, f"{path.parent.name} {int(size)}px", split, "rendered",
                                        scores, marks))
                n += 1
            if progress:
                progress(f"{sp} {split}: {n}")
    return out


def photo_bona_fide(engine, passive, people: list[tuple[int, Path]], per_split: int) -> list[Presentation]:  # noqa: ANN001
    """Single LFW development photos as bona fide presentations (different people from the attacks'
    first ones are not required: a genuine photo and a print of it are different presentations)."""
    out = []
    for split in ("tune", "test"):
        chosen = [p for p in people if split_of(p[0]) == split][-per_split:]
        for idx, path in chosen:
            scores, marks = observe(engine, passive, [read_rgb(path)])
            out.append(Presentation("bona_fide", "photo", path.parent.name, split, "real", scores, marks))
    return out


def read_video(path: Path, limit: int = 100000) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < limit:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    if not frames:
        raise PadInputError(f"cannot read video {path}")
    return frames


def scene_cuts(frames: list[np.ndarray], thresh: float = 0.3) -> set[int]:
    """Frames that start a new shot (HSV histogram jump): a track never spans one."""
    cuts, prev = {0}, None
    for i, f in enumerate(frames):
        h = cv2.calcHist([cv2.cvtColor(f, cv2.COLOR_RGB2HSV)], [0, 1], None, [16, 16], [0, 180, 0, 256])
        h = cv2.normalize(h, h).flatten()
        if prev is not None and cv2.compareHist(prev, h, cv2.HISTCMP_BHATTACHARYYA) > thresh:
            cuts.add(i)
        prev = h
    return cuts


def face_tracks(engine, frames: list[np.ndarray],  # noqa: ANN001
                extra: Callable[[np.ndarray, np.ndarray], list] | None = None,
                min_len: int = 1) -> list[list[tuple]]:
    """Face tracks in a clip, each a list of (Face, extra value): greedy IoU tracks split at
    scene cuts, ended after 5 frames unseen. extra(frame, boxes) gives one value per detected
    face (e.g. a passive liveness score); it is only called on frames with faces. Shared by
    the PAD evaluation and build/pad_harness.py so both see the same tracks."""
    cuts = scene_cuts(frames)
    done: list[list] = []
    active: list[dict] = []
    for i, frame in enumerate(frames):
        if i in cuts:
            done += [t["obs"] for t in active]
            active = []
        faces = engine.analyze(frame)
        boxes = np.stack([f.box for f in faces]) if faces else np.zeros((0, 4), np.float32)
        prev = np.stack([t["box"] for t in active]) if active else np.zeros((0, 4), np.float32)
        pairs = greedy_assign(iou_matrix(prev, boxes), 0.3) if len(prev) and len(boxes) else []
        values = (extra(frame, boxes) if extra is not None else [None] * len(faces)) if len(boxes) else []
        taken = set()
        for ti, fi in pairs:
            active[ti]["obs"].append((faces[fi], values[fi]))
            active[ti]["box"], active[ti]["last"] = faces[fi].box, i
            taken.add(fi)
        for fi, f in enumerate(faces):
            if fi not in taken:
                active.append({"obs": [(f, values[fi])], "box": f.box, "last": i})
        done += [t["obs"] for t in active if i - t["last"] > 5]
        active = [t for t in active if i - t["last"] <= 5]
    done += [t["obs"] for t in active]
    return [t for t in done if len(t) >= min_len]


def clip_bona_fide(engine, passive, frames: list[np.ndarray], window: int, stride: int,  # noqa: ANN001
                   min_eye_px: float = 0.0) -> list[Presentation]:
    """Windows of real face tracks in a video (face_tracks); each window is one bona fide
    presentation, its track's parity its split."""
    tracks = face_tracks(engine, frames, lambda frame, boxes: [s.real for s in passive.score(frame, boxes)],
                         min_len=window)
    out = []
    for ti, track in enumerate(tracks):
        for s in range(0, len(track) - window + 1, stride):
            part = track[s:s + window]
            eye = float(np.median([np.linalg.norm(f.landmarks[1] - f.landmarks[0]) for f, _ in part]))
            if eye < min_eye_px:
                continue
            out.append(Presentation("bona_fide", "clip", f"clip track {ti} +{s}", split_of(ti), "real",
                                    [sc for _, sc in part],
                                    [(np.asarray(f.landmarks, np.float32), np.asarray(f.shape5, np.float32))
                                     for f, _ in part]))
    return out


def backgrounds(engine, frames: list[np.ndarray], n: int) -> list[np.ndarray]:  # noqa: ANN001
    """Blurred 640x480 video frames without a face (a room behind the attacker), plain backdrops
    to fill up."""
    out = []
    for i in np.linspace(0, len(frames) - 1, 4 * n).astype(int) if frames else []:
        bg = cv2.GaussianBlur(cv2.resize(frames[i], (640, 480)), (0, 0), 5)
        if not len(engine.detect(bg)):
            out.append(bg)
        if len(out) >= n:
            break
    return out + [plain_background(seed=i) for i in range(n - len(out))]


# -- verdicts ----------------------------------------------------------------------------------

def fused(p: Presentation, frames: int) -> Fused:
    s = p.scores[:frames]
    return Fused(float(np.mean(s)) if s else float("nan"), len(s))


def challenge_live(p: Presentation, settings: LivenessSettings) -> bool:
    """The head-turn verdict at the end of the presentation (a single photo cannot turn)."""
    if p.single:
        return False
    ch = LivenessChallenge.from_settings(settings)
    res = ch.result()
    for lm, s5 in p.marks:
        res = ch.observe(lm, s5)
    return res.live


@dataclass(frozen=True)
class Outcome:
    live: bool
    prompted: bool  # the head turn was asked


def judge(p: Presentation, mode: str, accept: float, reject: float, settings: LivenessSettings) -> Outcome:
    """What the door decides for p under `mode` (off counts as live)."""
    f = fused(p, settings.passive_frames)
    if mode == policy.OFF:
        return Outcome(True, False)
    if mode in (policy.PASSIVE, policy.PASSIVE_THEN_CHALLENGE) and f.frames == 0:
        return Outcome(False, False)  # no face: not let in
    v = policy.decide(mode, f, accept, reject, 1, None)
    if v.state == policy.ASK:
        return Outcome(challenge_live(p, settings), True)
    return Outcome(v.state == policy.LIVE, False)


MODES = (policy.PASSIVE, policy.CHALLENGE, policy.PASSIVE_THEN_CHALLENGE)


def table(presentations: list[Presentation], accept: float, reject: float, settings: LivenessSettings,
          split: str = "test") -> dict:
    """Per mode: APCER per PAI species and BPCER per bona fide source, counts and 95% bounds."""
    rows = [p for p in presentations if p.split == split]
    out: dict = {}
    for mode in MODES:
        res: dict = {"apcer": {}, "bpcer": {}}
        groups: dict[tuple[str, str, str], list[Presentation]] = {}
        for p in rows:
            groups.setdefault((p.kind, p.species, p.capture), []).append(p)
        for (kind, species, capture), ps in sorted(groups.items()):
            outcomes = [judge(p, mode, accept, reject, settings) for p in ps]
            if kind == "attack":
                k = sum(o.live for o in outcomes)
                key = "apcer"
            else:
                k = sum(not o.live for o in outcomes)
                key = "bpcer"
            lo, hi = clopper_pearson(k, len(ps))
            res[key][species] = {"capture": capture, "n": len(ps), "errors": k, "rate": k / len(ps),
                                 "ci95": [lo, hi], "prompted": sum(o.prompted for o in outcomes)}
        out[mode] = res
    return out


def choose_operating_point(presentations: list[Presentation], settings: LivenessSettings,
                           max_refused: float = 0.02) -> dict:
    """On the tune split only, for the combined policy (passive, head turn when unsure).
    accept: the lowest pass score (0.01 steps, at most 0.99) at which the worst species'
    combined APCER is at its minimum over all pass scores: as safe as the data allows, then as
    few prompts as possible. reject: the highest score, not above accept, that refuses at most
    max_refused of the bona fide presentations outright (the others in the band are asked to
    turn their head). The worst species decides, as ISO/IEC 30107-3 reports max over PAIS."""
    tune = [p for p in presentations if p.split == "tune"]
    attacks = [p for p in tune if p.kind == "attack"]
    bona = [p for p in tune if p.kind == "bona_fide"]
    if not attacks or not bona:
        raise PadInputError("the tuning split has no attacks or no bona fide presentations")
    grid = [round(float(t), 2) for t in np.arange(0.01, 1.0, 0.01)]
    b_scores = np.nan_to_num(np.array([fused(p, settings.passive_frames).score for p in bona]), nan=-1.0)

    def reject_for(accept: float) -> float:
        ok = [t for t in grid if t <= accept and float(np.mean(b_scores < t)) <= max_refused]
        return max(ok) if ok else 0.0

    species = sorted({p.species for p in attacks})
    live = {id(p): challenge_live(p, settings) for p in attacks}  # the head turn, once per attack

    def worst(accept: float) -> float:
        reject = reject_for(accept)
        rates = []
        for sp in species:
            ps = [p for p in attacks if p.species == sp]
            passed = 0
            for p in ps:
                f = fused(p, settings.passive_frames).score
                passed += f == f and (f >= accept or (f >= reject and live[id(p)]))
            rates.append(passed / len(ps))
        return max(rates)

    worst_at = {t: worst(t) for t in grid}
    best = min(worst_at.values())
    accept = next(t for t in grid if worst_at[t] <= best)
    reject = reject_for(accept)
    return {"accept": accept, "reject": reject, "rule": {
        "accept": "lowest pass score at which the combined policy's worst-species APCER on the tuning split is "
                  "at its minimum over all pass scores",
        "reject": f"highest score <= accept refusing <= {max_refused:.0%} of bona fide outright (tuning split)"},
        "tune": {"worst_combined_apcer_at_accept": best,
                 "bona_fide_prompted_or_refused": float(np.mean(b_scores < accept)),
                 "bona_fide_refused_outright": float(np.mean(b_scores < reject)),
                 "attacks": len(attacks), "bona_fide": len(bona)}}


# What each presentation key means, in the words of the README's table (the report is handed
# to a customer: no internal names).
PLAIN = {"upstream_sample": "MiniFASNet sample attacks", "print_shift": "print, moved",
         "print_rotate": "print, rotated", "print_tilt_yaw": "print, tilted/turned",
         "print_bent_yaw": "print, bent and turned", "print_cutout": "print, cut out round head",
         "screen_replay": "phone replay", "monitor_replay": "monitor replay",
         "clip": "video of real people", "photo": "single photos of people"}
SETTING_WORDS = {
    "door_liveness": "the door's liveness policy: passive score, head turn only when unsure",
    "liveness_passive_accept": "mean passive score at or above which the door opens with no prompt",
    "liveness_passive_reject": "mean passive score below which the door refuses ('photo or screen')",
    "liveness_passive_frames": "frames of a person's track whose passive scores are averaged",
    "liveness_min_yaw_change_deg": "head turn asked for, degrees",
    "liveness_min_parallax": "nose movement against the face that counts as a real head",
    "liveness_window_frames": "frames the head turn may take",
}
MEASUREMENT = {"rendered_frames": "{} frames per rendered attack", "min_face_px": "faces from {} px searched"}


def format_table(report: dict) -> str:
    """The customer-facing text: when and by which version, the settings in plain words, the
    operating point, one block per mode with plain presentation names."""
    names = {policy.PASSIVE: "Passive alone", policy.CHALLENGE: "Head-turn challenge alone",
             policy.PASSIVE_THEN_CHALLENGE: "Passive, head turn when unsure (combined)"}
    op = report["operating_point"]
    settings = report["settings"]
    lines = ["faceapp presentation-attack detection report (ISO/IEC 30107-3 terms)", ""]
    if report.get("written_at") or report.get("version"):
        lines.append(f"Written {report.get('written_at', '?')} by faceapp {report.get('version', '?')} "
                     "(faceapp pad-report)")
    lines += [f"Models: {report['models']}", "",
              "Settings used (names as in File > Settings and `faceapp settings`; a door uses these "
              "values once they are set there):"]
    lines += [f"  {k} = {v}" + (f"  ({SETTING_WORDS[k]})" if k in SETTING_WORDS else "")
              for k, v in settings.items() if k not in MEASUREMENT]
    measured = [MEASUREMENT[k].format(settings[k]) for k in MEASUREMENT if k in settings]
    if measured:
        lines.append("Measured with: " + "; ".join(measured))
    lines += ["",
              f"Operating point: accept >= {op['accept']:.2f}, refuse < {op['reject']:.2f} "
              f"(chosen on the tuning split; rules: {op['rule']['accept']}; {op['rule']['reject']})",
              "Reported on the test split (never tuned on). 95% intervals: Clopper-Pearson (exact binomial).",
              "APCER: attacks accepted as live / attacks of that kind. BPCER: real people refused / real "
              "people presented. 'prompted': how many were asked to turn their head.",
              "Capture 'real': a camera captured the presentation; 'rendered': synthesised by "
              "faceapp/evaluation/pad_attacks.py from a real photo (not a physical print or screen "
              "in front of a camera).", ""]
    for mode, res in report["table"].items():
        lines.append(names.get(mode, mode))
        lines.append(f"  {'metric':<7}{'presentation':<27}{'capture':<10}{'n':>5}{'errors':>8}{'rate':>8}"
                     f"{'95% CI':>17}{'prompted':>10}")
        for key in ("apcer", "bpcer"):
            for sp, r in res[key].items():
                lo, hi = r["ci95"]
                lines.append(f"  {key.upper():<7}{PLAIN.get(sp, sp):<27}{r['capture']:<10}{r['n']:>5}"
                             f"{r['errors']:>8}{r['rate']:>8.1%}   [{lo:5.1%}, {hi:5.1%}]{r['prompted']:>10}")
        lines.append("")
    if report.get("notes"):
        lines += [f"Note: {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def pct(x: float) -> str:
    return "n/a" if x != x or math.isinf(x) else f"{x:.1%}"
