"""The kiosk's three sounds (granted, denied, not recognised), behind the `sound` preference.

The WAV files come from build/make_sounds.py (resources/sounds/). PySide6-Essentials has no
QtMultimedia, so the first player that works is used: QSoundEffect when PySide6-Addons is
installed, winsound on Windows, aplay / paplay / afplay where one is on the PATH, and else
QApplication.beep() once, twice or three times by kind. Audio that fails (no sound card, a
CI machine) is logged once and falls back to the beeps: it never breaks the window.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from ..shared import paths

log = logging.getLogger(__name__)

KINDS = ("granted", "denied", "unknown")
BEEPS = {"granted": 1, "denied": 2, "unknown": 3}  # the fallback's pattern per kind
BEEP_GAP_MS = 180


def sound_file(kind: str) -> Path:
    return paths.resources_dir() / "sounds" / f"{kind}.wav"


def _qt_player(parent: QObject) -> Callable[[Path], None] | None:
    try:
        from PySide6.QtCore import QUrl
        from PySide6.QtMultimedia import QSoundEffect  # PySide6-Addons only
    except ImportError:
        return None
    effects: dict[Path, QSoundEffect] = {}

    def play(path: Path) -> None:
        effect = effects.get(path)
        if effect is None:
            effect = effects[path] = QSoundEffect(parent)
            effect.setSource(QUrl.fromLocalFile(str(path)))
        effect.play()

    return play


def _windows_player() -> Callable[[Path], None] | None:
    if sys.platform != "win32":
        return None
    import winsound

    return lambda path: winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC
                                           | winsound.SND_NODEFAULT)


def _command_player() -> Callable[[Path], None] | None:
    for name, args in (("aplay", ["-q"]), ("paplay", []), ("afplay", [])):
        exe = shutil.which(name)
        if exe:
            return lambda path, exe=exe, args=args: subprocess.Popen(  # noqa: S603 - fixed program, our file
                [exe, *args, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    return None


class SoundPlayer(QObject):
    """play(kind) returns at once; `played` records what was asked for (tests, logs)."""

    def __init__(self, parent: QObject | None = None,
                 player: Callable[[Path], None] | None = None, use_system: bool = True) -> None:
        super().__init__(parent)
        self.player = player
        if player is None and use_system:
            self.player = _qt_player(self) or _windows_player() or _command_player()
        self.played: list[str] = []
        self.beeped = 0  # fallback beeps given (tests)
        self._failed = False

    def play(self, kind: str) -> None:
        if kind not in KINDS:
            return
        self.played.append(kind)
        path = sound_file(kind)
        if self.player is not None and not self._failed and path.is_file():
            try:
                self.player(path)
                return
            except Exception as exc:  # noqa: BLE001 - no audio device, a broken driver: beep instead
                self._failed = True
                log.warning("sound could not be played (%s); beeping instead from now on", exc)
        self._beep(BEEPS[kind])

    def _beep(self, times: int) -> None:
        for i in range(times):
            QTimer.singleShot(i * BEEP_GAP_MS, self._one_beep)

    def _one_beep(self) -> None:
        self.beeped += 1
        QApplication.beep()
