"""Find local cameras without a GUI: what `faceapp doctor` and the camera picker list."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CameraInfo:
    index: int
    name: str
    opens: bool
    width: int = 0
    height: int = 0


def _linux_nodes() -> list[tuple[int, str]]:
    root = Path("/sys/class/video4linux")
    out = []
    for node in sorted(root.glob("video*")) if root.is_dir() else []:
        try:
            idx = int(node.name[5:])
        except ValueError:
            continue
        name = (node / "name").read_text(errors="replace").strip() if (node / "name").exists() else node.name
        out.append((idx, name))
    return out


def list_cameras(max_probe: int = 4, probe: bool = True) -> list[CameraInfo]:
    """Cameras by OpenCV index. On Linux only existing /dev/video nodes are tried; elsewhere
    indices 0..max_probe-1 are opened, since OpenCV has no portable enumeration."""
    import cv2

    from .capture import _quiet_opencv

    _quiet_opencv()
    candidates = _linux_nodes() if sys.platform.startswith("linux") else [(i, f"camera {i}") for i in range(max_probe)]
    found = []
    for idx, name in candidates:
        if not probe:
            found.append(CameraInfo(idx, name, False))
            continue
        cap = cv2.VideoCapture(idx)
        try:
            ok = cap.isOpened()
            w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) if ok else 0
            h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) if ok else 0
        finally:
            cap.release()
        if ok or sys.platform.startswith("linux"):
            found.append(CameraInfo(idx, name, ok, w, h))
    return found
