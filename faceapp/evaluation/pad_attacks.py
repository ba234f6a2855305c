"""Synthetic presentation attacks: a real photo rendered as a printed card or a screen
held in front of the camera, moved along a 3-D trajectory, frame by frame.

Why: no anti-spoofing data set or model is available offline, but photo and screen
attacks are (almost) planar objects, so their images are exact perspective renderings
of a plane. Rendering them with a pinhole camera gives attack videos whose geometry is
right, which is what the liveness check (recognition/liveness.py) tests. The rendering adds
camera blur, noise and JPEG, and for screens moire, gamma and a dark bezel, so the
engine sees realistic-looking frames. A bent card (cylinder, facets) is included as
the honest hard case: it is not planar.

Pure numpy/cv2, deterministic for a given seed; used by tests and build/pad_harness.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

SPECIES = ("print_shift", "print_rotate", "print_tilt_yaw", "print_bent_yaw", "screen_replay")
# Added for passive liveness (issue 22): a print cut out round the face (no card edge, the room
# shows round it) and a replay on a monitor (finer, stronger moire, wide glare, thin bezel).
PASSIVE_SPECIES = SPECIES + ("print_cutout", "monitor_replay")


@dataclass(frozen=True)
class CardPose:
    """Card pose in the camera frame: angles in degrees, translation in card pixels
    (the card's own pixel is the length unit), depth z from the camera."""

    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    tx: float = 0.0
    ty: float = 0.0
    z: float = 1.0


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """R = Ry(yaw) Rx(pitch) Rz(roll), degrees."""
    y, p, r = (math.radians(v) for v in (yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def project(points3: np.ndarray, pose: CardPose, focal: float, centre: tuple[float, float]) -> np.ndarray:
    """(N, 3) card-frame points -> (N, 2) image pixels for a pinhole camera."""
    cam = points3 @ rotation(pose.yaw, pose.pitch, pose.roll).T + np.array([pose.tx, pose.ty, pose.z])
    return np.stack([focal * cam[:, 0] / cam[:, 2] + centre[0], focal * cam[:, 1] / cam[:, 2] + centre[1]], 1)


def render_card(card: np.ndarray, background: np.ndarray, pose: CardPose, focal: float,
                bend_radius: float | None = None, strips: int = 24, alpha: np.ndarray | None = None) -> np.ndarray:
    """Composite `card` (H, W, 3) over `background` at `pose`. bend_radius (card pixels)
    bends it round a vertical axis, centre nearest the camera (like a face); None = flat.
    alpha: (H, W) uint8, 0 where the card was cut away (a cut-out), None = the whole card."""
    ch, cw = card.shape[:2]
    out = background.copy()
    centre = (background.shape[1] / 2.0, background.shape[0] / 2.0)
    n = 1 if bend_radius is None else strips
    edges = np.linspace(0, cw, n + 1)
    for x0, x1 in zip(edges[:-1], edges[1:]):
        src = np.float32([[x0, 0], [x1, 0], [x1, ch], [x0, ch]])
        xs = np.array([x0, x1, x1, x0]) - cw / 2.0
        ys = np.array([0, 0, ch, ch]) - ch / 2.0
        if bend_radius is None:
            pts3 = np.stack([xs, ys, np.zeros(4)], 1)
        else:
            phi = xs / bend_radius
            pts3 = np.stack([bend_radius * np.sin(phi), ys, bend_radius * (1 - np.cos(phi))], 1)
        dst = project(pts3, pose, focal, centre).astype(np.float32)
        h = cv2.getPerspectiveTransform(src, dst)
        size = (background.shape[1], background.shape[0])
        mask = np.zeros((ch, cw), np.uint8)
        mask[:, int(math.floor(x0)):int(math.ceil(x1))] = 255
        if alpha is not None:
            mask &= alpha
        warped = cv2.warpPerspective(card, h, size, flags=cv2.INTER_LINEAR)
        wmask = cv2.warpPerspective(mask, h, size, flags=cv2.INTER_NEAREST)
        out[wmask > 0] = warped[wmask > 0]
    return out


def camera_degrade(frame: np.ndarray, rng: np.random.Generator, jpeg_quality: int = 80) -> np.ndarray:
    """What a webcam adds: defocus blur, sensor noise, JPEG."""
    sigma = float(rng.uniform(0.4, 1.2))
    img = cv2.GaussianBlur(frame, (0, 0), sigma).astype(np.float32)
    img += rng.normal(0, 2.5, img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].copy() if ok else img


def as_print(card: np.ndarray) -> np.ndarray:
    """Ink on paper: lower contrast, lifted blacks, slight warm tint."""
    c = card.astype(np.float32) * 0.85 + 20.0
    c *= np.array([1.0, 0.98, 0.93], np.float32)
    return np.clip(c, 0, 255).astype(np.uint8)


def as_screen(card: np.ndarray, rng: np.random.Generator, monitor: bool = False) -> np.ndarray:
    """A phone (or a monitor): gamma and blue cast, pixel-grid moire, a soft glare and a dark
    bezel; a monitor's moire is finer and stronger, its glare wider, its bezel thinner."""
    c = 255.0 * (card.astype(np.float32) / 255.0) ** 0.8 * np.array([0.92, 0.97, 1.05], np.float32)
    h, w = c.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = float(rng.uniform(0, math.pi))
    period = float(rng.uniform(1.8, 2.6) if monitor else rng.uniform(2.5, 4.0))
    depth = 0.12 if monitor else 0.08
    c *= (1.0 + depth * np.sin(2 * math.pi * (xx * math.cos(a) + yy * math.sin(a)) / period))[..., None]
    gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    spread, strength = ((0.45, 0.3), 80.0) if monitor else ((0.25, 0.15), 60.0)
    c += strength * np.exp(-(((xx - gx) / (spread[0] * w)) ** 2 + ((yy - gy) / (spread[1] * h)) ** 2))[..., None]
    c = np.clip(c, 0, 255).astype(np.uint8)
    b = max(2, int(0.02 * max(h, w))) if monitor else max(4, int(0.06 * max(h, w)))
    return cv2.copyMakeBorder(c, b, b, b, b, cv2.BORDER_CONSTANT, value=(12, 12, 14))


def card_from_photo(photo: np.ndarray, box: np.ndarray | None, margin: float = 0.8) -> np.ndarray:
    """The photo cropped round the face box (side = (1 + 2 margin) x box), the rest of the
    photo as the card's surroundings; the whole photo when box is None."""
    if box is None:
        return photo.copy()
    x1, y1, x2, y2 = (float(v) for v in box)
    s = max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    half = s * (0.5 + margin)
    h, w = photo.shape[:2]
    xa, ya = int(max(0, cx - half)), int(max(0, cy - half * 1.1))
    xb, yb = int(min(w, cx + half)), int(min(h, cy + half * 1.1))
    return photo[ya:yb, xa:xb].copy()


def trajectory(species: str, n: int, rng: np.random.Generator) -> list[CardPose]:
    """Card poses for n frames: the motion an attacker would use for each species."""
    t = np.linspace(0.0, 1.0, n)
    ph = float(rng.uniform(0, 2 * math.pi))
    amp = float(rng.uniform(0.7, 1.0))
    poses = []
    for ti in t:
        s = math.sin(2 * math.pi * ti + ph)
        c = math.cos(2 * math.pi * ti + ph)
        if species == "print_shift":
            poses.append(CardPose(tx=60 * amp * s, ty=25 * amp * c, z=1.0 + 0.15 * s))
        elif species == "print_rotate":
            poses.append(CardPose(roll=25 * amp * s, tx=10 * c))
        elif species == "monitor_replay":  # a monitor is held or set down: small moves
            poses.append(CardPose(yaw=8 * amp * s, tx=15 * amp * s, ty=6 * amp * c, z=1.0 + 0.05 * s))
        elif species in ("print_tilt_yaw", "screen_replay", "print_bent_yaw", "print_cutout"):
            poses.append(CardPose(yaw=40 * amp * s, pitch=12 * amp * c, roll=4 * s, tx=15 * s))
        else:
            raise ValueError(f"unknown attack species {species!r}")
    return poses


def attack_sequence(photo: np.ndarray, background: np.ndarray, species: str, n_frames: int = 30,
                    face_box: np.ndarray | None = None, face_px: float = 130.0, seed: int = 0) -> list[np.ndarray]:
    """n_frames RGB frames of `photo` presented as `species` over `background`.

    face_px: face box side in the output frame at the start (how close the attacker holds it).
    """
    rng = np.random.default_rng(seed)
    card = card_from_photo(photo, face_box)
    face_side = (max(face_box[2] - face_box[0], face_box[3] - face_box[1]) if face_box is not None
                 else 0.45 * max(card.shape[:2]))
    alpha = None
    if species in ("screen_replay", "monitor_replay"):
        card = as_screen(card, rng, monitor=species == "monitor_replay")
    else:
        card = as_print(card)
    if species == "print_cutout" and face_box is not None:
        alpha = cutout_mask(card.shape[:2], face_side)
    bg = np.ascontiguousarray(background)
    focal = 1.0 * bg.shape[1]
    z0 = focal * float(face_side) / face_px  # depth (card px) that makes the face face_px wide
    # a strong but holdable bend: the face half-way round a cylinder of radius ~ face width
    bend = max(0.8 * float(face_side), card.shape[1] / math.pi) if species == "print_bent_yaw" else None
    frames = []
    for pose in trajectory(species, n_frames, rng):
        p = CardPose(pose.yaw, pose.pitch, pose.roll, pose.tx * face_side / 100.0,
                     pose.ty * face_side / 100.0, z0 * pose.z)
        frame = render_card(card, bg, p, focal, bend, alpha=alpha)
        frames.append(camera_degrade(frame, rng, int(rng.integers(60, 90))))
    return frames


def cutout_mask(shape: tuple[int, int], face_side: float) -> np.ndarray:
    """An oval round the card's centre (the face), a little larger than the face box: the
    print cut out along the head, as attackers do to hide the paper's edge."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, int(h * 0.5)), (int(0.62 * face_side), int(0.8 * face_side)), 0, 0, 360, 255, -1)
    return mask


def plain_background(shape: tuple[int, int] = (480, 640), seed: int = 0) -> np.ndarray:
    """A blurred random office-ish backdrop when no real background frame is at hand."""
    rng = np.random.default_rng(seed)
    small = rng.integers(60, 200, (6, 8, 3)).astype(np.uint8)
    return cv2.GaussianBlur(cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC), (0, 0), 15)
