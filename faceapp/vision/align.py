"""dlib's 150 px face chip (padding 0.25) from 5 landmarks, the alignment the encoder expects.

Follows dlib's get_face_chip_details + extract_image_chip (dlib/image_transforms/interpolation.h)
so our chips match dlib.get_face_chip closely:

* least-squares similarity transform (Umeyama, closed form in 2-D) from the 5-point
  template (scaled by (padding + T) / (1 + 2 padding) * size) to the landmarks, turned into
  dlib's chip rectangle (centre, angle, width = size * scale, inclusive corners);
* the chip maps its corner pixels (0, 0), (size-1, 0), (0, size-1) onto the rotated
  rectangle's corners, so its scale is (size*scale - 1)/(size - 1), not exactly `scale`;
* when the face is more than ~2x the chip, dlib first halves the image with its 5x5
  pyramid (ported exactly below, integer maths) until the rectangle fits, then samples;
* bilinear sampling with cv2.warpAffine on float32, truncated to uint8 as dlib's
  vector_to_pixel does; chip pixels whose 2x2 neighbourhood leaves the image are 0.

Remaining difference: cv2 quantises sample positions to 1/32 px (dlib uses doubles), so a
few pixels differ by one grey level; the descriptor moves by ~1e-3 (see tests/vision/test_align.py).
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

log = logging.getLogger(__name__)

# dlib's template for the 5-point predictor's points, in a unit face square
# (image-right eye outer, inner; image-left eye outer, inner; nose base).
TEMPLATE_5 = np.array([
    [0.8595674595992, 0.2134981538014],
    [0.6460604764104, 0.2289674387677],
    [0.1205750620789, 0.2137274526848],
    [0.3340850613712, 0.2290642403242],
    [0.4901123135679, 0.6277975316475],
], np.float64)


def _chip_details(shapes5: np.ndarray, size: int, padding: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dlib chip_details per face: centre (N, 2), angle (N,), scale (N,) in double."""
    src = (padding + TEMPLATE_5) / (2 * padding + 1) * size  # chip points
    dst = np.asarray(shapes5, np.float64).reshape(-1, 5, 2)  # image points
    sm = src.mean(0)
    dm = dst.mean(1)
    s = src - sm
    d = dst - dm[:, None]
    var = (s ** 2).sum(1).mean()
    a = (s[None, :, 0] * d[..., 0] + s[None, :, 1] * d[..., 1]).mean(1) / var
    b = (s[None, :, 0] * d[..., 1] - s[None, :, 1] * d[..., 0]).mean(1) / var
    angle = np.arctan2(b, a)
    scale = np.hypot(a, b)
    # tform(point(size, size) / 2): centre of the chip in the image
    c = np.full(2, size / 2.0) - sm
    cx = a * c[0] - b * c[1] + dm[:, 0]
    cy = b * c[0] + a * c[1] + dm[:, 1]
    return np.stack([cx, cy], 1), angle, scale


def _rect_to_chip_map(l: float, t: float, r: float, b: float, angle: float, size: int) -> np.ndarray:
    """(2, 3) affine chip pixel -> source pixel: chip corners onto the rotated rect corners."""
    cx, cy = (l + r) / 2, (t + b) / 2
    cs, sn = np.cos(angle), np.sin(angle)

    def rot(x: float, y: float) -> np.ndarray:
        x, y = x - cx, y - cy
        return np.array([cs * x - sn * y + cx, sn * x + cs * y + cy])

    tl, tr, bl = rot(l, t), rot(r, t), rot(l, b)
    m = np.empty((2, 3), np.float64)
    m[:, 0] = (tr - tl) / (size - 1)
    m[:, 1] = (bl - tl) / (size - 1)
    m[:, 2] = tl
    return m


def _chip_rects(shapes5: np.ndarray, size: int, padding: float) -> tuple[np.ndarray, np.ndarray]:
    """dlib's chip rectangles (N, 4) l, t, r, b (double, inclusive) and angles (N,)."""
    centre, angle, scale = _chip_details(shapes5, size, padding)
    half = (size * scale - 1) / 2  # centered_drect: width-- then +-width/2
    rects = np.stack([centre[:, 0] - half, centre[:, 1] - half, centre[:, 0] + half, centre[:, 1] + half], 1)
    return rects, angle


def chip_matrices(shapes5: np.ndarray, size: int = 150, padding: float = 0.25) -> np.ndarray:
    """(N, 5, 2) landmarks -> (N, 2, 3) float64 affine image -> chip (for mapping points)."""
    shapes5 = np.asarray(shapes5, np.float64).reshape(-1, 5, 2)
    out = np.zeros((len(shapes5), 2, 3), np.float64)
    if len(shapes5) == 0:
        return out
    rects, angles = _chip_rects(shapes5, size, padding)
    for i, (rect, ang) in enumerate(zip(rects, angles)):
        out[i] = cv2.invertAffineTransform(_rect_to_chip_map(*rect, ang, size))
    return out


def pyramid_down(img: np.ndarray) -> np.ndarray:
    """dlib's pyramid_down<2> for RGB: 5x5 [1 4 6 4 1]^2 filter, keep every other pixel,
    integer division by 256 (output (H-3)//2 x (W-3)//2)."""
    H, W = img.shape[:2]
    if H <= 8 or W <= 8:
        return np.zeros((0, 0, 3), np.uint8)
    o = img.astype(np.uint32)
    nc, nr = (W - 3) // 2, (H - 3) // 2
    t = (o[:, 0:2 * nc:2] + 4 * o[:, 1:2 * nc + 1:2] + 6 * o[:, 2:2 * nc + 2:2]
         + 4 * o[:, 3:2 * nc + 3:2] + o[:, 4:2 * nc + 4:2])
    d = (t[0:2 * nr:2] + 4 * t[1:2 * nr + 1:2] + 6 * t[2:2 * nr + 2:2] + 4 * t[3:2 * nr + 3:2] + t[4:2 * nr + 4:2])
    return (d // 256).astype(np.uint8)


def _point_down(x: np.ndarray) -> np.ndarray:
    """dlib pyramid_down<2>::point_down for a rect's (l, t, r, b)."""
    return x / 2.0 - np.array([1.25, 0.75, 1.25, 0.75])


def _area(rect: np.ndarray) -> float:
    w, h = rect[2] - rect[0] + 1, rect[3] - rect[1] + 1
    return 0.0 if w <= 0 or h <= 0 else float(w * h)


def _extract_one(image: np.ndarray, rect: np.ndarray, angle: float, size: int) -> np.ndarray:
    H, W = image.shape[:2]
    # region of the image the chip reads from, grown as dlib grows it for the pyramid
    depth, grow = 0, 2.0
    r = _point_down(rect)
    while _area(r) > size * size:
        r = _point_down(r)
        depth += 1
        grow = grow * 2 + 2
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    cs, sn = np.cos(angle), np.sin(angle)
    xs = np.array([rect[0], rect[2], rect[0], rect[2]]) - cx
    ys = np.array([rect[1], rect[1], rect[3], rect[3]]) - cy
    rx, ry = cs * xs - sn * ys + cx, sn * xs + cs * ys + cy
    bl = max(rx.min() - grow, 0.0)
    bt = max(ry.min() - grow, 0.0)
    br = min(rx.max() + grow, W - 1.0)
    bb = min(ry.max() + grow, H - 1.0)
    if br < bl or bb < bt:
        return np.zeros((size, size, 3), np.uint8)
    # drectangle -> rectangle uses lround (half away from zero; all values >= 0 here)
    bx0, by0, bx1, by1 = (int(np.floor(v + 0.5)) for v in (bl, bt, br, bb))
    src = image[by0:by1 + 1, bx0:bx1 + 1]
    rect = rect - np.array([bx0, by0, bx0, by0], np.float64)
    level = -1
    while _area(_point_down(rect)) > size * size:
        level += 1
        rect = _point_down(rect)
    for _ in range(level + 1):
        src = pyramid_down(src)
    m = _rect_to_chip_map(*rect, angle, size)
    if src.shape[0] < 2 or src.shape[1] < 2:
        return np.zeros((size, size, 3), np.uint8)
    out = cv2.warpAffine(src.astype(np.float32), m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # dlib leaves a chip pixel black unless all four bilinear neighbours are in the image
    g = np.arange(size, dtype=np.float64)
    sx = m[0, 0] * g[None, :] + m[0, 1] * g[:, None] + m[0, 2]
    sy = m[1, 0] * g[None, :] + m[1, 1] * g[:, None] + m[1, 2]
    fx, fy = np.floor(sx), np.floor(sy)
    ok = (fx >= 0) & (fy >= 0) & (fx + 1 < src.shape[1]) & (fy + 1 < src.shape[0])
    out = np.floor(out + 1e-3)  # dlib truncates the interpolated value
    out[~ok] = 0
    return np.clip(out, 0, 255).astype(np.uint8)


def extract_chips(image: np.ndarray, shapes5: np.ndarray, size: int = 150, padding: float = 0.25) -> np.ndarray:
    """(H, W, 3) uint8 RGB image, (N, 5, 2) dlib 5-point landmarks -> (N, size, size, 3) uint8 chips."""
    shapes5 = np.asarray(shapes5, np.float64).reshape(-1, 5, 2)
    if len(shapes5) == 0:
        return np.zeros((0, size, size, 3), np.uint8)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    rects, angles = _chip_rects(shapes5, size, padding)
    return np.stack([_extract_one(image, rects[i], float(angles[i]), size) for i in range(len(shapes5))])


# ArcFace's 112 px template for MTCNN-style points (image-left eye centre, image-right eye
# centre, nose tip, image-left mouth corner, image-right mouth corner); insightface's
# `arcface_dst`. Only used to fit the positions of dlib's 5 points in that frame
# (build/fit_alignment_template.py); the app aligns from dlib's points.
ARCFACE_112_MTCNN5 = np.array([
    [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
], np.float64)

# dlib's 5 points (TEMPLATE_5's order) in that frame, fitted on LFW person set 1 (1,232 of
# 1,369 faces; build/fit_alignment_template.py). The manifest's MobileFaceNet pack carries
# the same numbers; the wrapper uses the pack's.
DLIB5_ARCFACE_112 = np.array([
    [79.0736, 52.0023], [65.5076, 52.3618], [30.6855, 52.4269], [44.4209, 52.5315], [55.1176, 78.8651],
], np.float64)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(2, 3) least-squares similarity (rotation, uniform scale, shift) taking the (K, 2) points
    src onto dst: closed-form Umeyama in 2-D, no reflection, deterministic."""
    src = np.asarray(src, np.float64).reshape(-1, 2)
    dst = np.asarray(dst, np.float64).reshape(-1, 2)
    sm, dm = src.mean(0), dst.mean(0)
    s, d = src - sm, dst - dm
    var = (s ** 2).sum()
    if var <= 0:
        raise ValueError("degenerate points: all at one place")
    a = (s[:, 0] * d[:, 0] + s[:, 1] * d[:, 1]).sum() / var
    b = (s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum() / var
    m = np.array([[a, -b, 0.0], [b, a, 0.0]])
    m[:, 2] = dm - m[:, :2] @ sm
    return m


def template_chips(image: np.ndarray, shapes5: np.ndarray, template: np.ndarray, size: int) -> np.ndarray:
    """(N, size, size, 3) uint8 chips: each face's 5 points mapped by a least-squares
    similarity onto `template` (pixel positions of the same 5 points in the chip), bilinear."""
    shapes5 = np.asarray(shapes5, np.float64).reshape(-1, 5, 2)
    if len(shapes5) == 0:
        return np.zeros((0, size, size, 3), np.uint8)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    return np.stack([cv2.warpAffine(image, similarity(p, template), (size, size), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_CONSTANT, borderValue=0) for p in shapes5])
