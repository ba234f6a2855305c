"""What the recognition loop publishes per processed frame: the UI draws it, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

# closer: too small/poor to decide yet; turn_head: recognised, waiting for the head-turn challenge;
# refused: recognised, but refused as a photo/screen or by the head turn (neither is drawn as that
# person: the view shows a name only when a decision let them through)
TrackState = Literal["identifying", "known", "unknown", "closer", "turn_head", "refused"]


@dataclass(frozen=True)
class TrackView:
    track_id: int
    box: np.ndarray  # (4,) x1, y1, x2, y2 in frame pixels
    state: TrackState
    label: str  # employee name, "Unknown", "Identifying…", "Please come closer", "Please turn your head"
    # or "Not let in"
    distance: float = float("nan")


@dataclass(frozen=True)
class DoorResult:
    """What the door did for one decision, carried to the kiosk as data (never parsed back
    from a message): granted or not, and the access rules' reason code (access/rules.py)."""

    granted: bool
    reason: str  # "granted", "outside schedule", "no access group", "liveness failed", ...


@dataclass(frozen=True)
class Announcement:
    """A decision that had a side effect, worded for the result banner."""

    ts: datetime
    employee_id: int | None
    name: str
    kind: str  # attendance: "in", "out", "repeat" (inside cooldown), "unknown", "challenge", ...
    message: str  # e.g. "Welcome, Ana - checked in 08:59"
    reason: str = ""  # "come_closer": an unknown whose faces were too small to decide on
    door: DoorResult | None = None  # the door's decision, when a door is configured


@dataclass(frozen=True)
class FrameResult:
    index: int
    image: np.ndarray = field(repr=False)  # (H, W, 3) uint8 RGB, owned by the receiver
    tracks: list[TrackView]
    announcements: list[Announcement]
    fps: float  # processed frames per second over the last second or so
    dropped: int  # camera frames dropped because inference was busy
    latency_ms: float  # analyse + match time of this frame
