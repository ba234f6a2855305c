"""Where the shipped models and resources live: source checkout, wheel or PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_config_dir, user_state_dir

_PKG = Path(__file__).resolve().parent.parent  # the faceapp package


def _candidates(name: str) -> list[Path]:
    out: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        out.append(Path(bundle) / name)
    out.append(_PKG / name)  # wheel: data copied into the package
    out.append(_PKG.parent / name)  # source checkout / editable install
    return out


def models_dir() -> Path:
    """FACEAPP_MODELS_DIR wins; otherwise the first folder holding a manifest."""
    env = os.environ.get("FACEAPP_MODELS_DIR")
    if env:
        return Path(env)
    for cand in _candidates("models"):
        if (cand / "manifest.json").is_file():
            return cand
    return _candidates("models")[-1]


def resources_dir() -> Path:
    for cand in _candidates("resources"):
        if cand.is_dir():
            return cand
    return _candidates("resources")[-1]


def state_dir() -> Path:
    """Per-user state kept outside the database (e.g. which database was used before):
    $FACEAPP_STATE_DIR, else ~/.local/state/faceapp, %LOCALAPPDATA%\\faceapp, ..."""
    env = os.environ.get("FACEAPP_STATE_DIR")
    return Path(env) if env else Path(user_state_dir("faceapp", appauthor=False))


def config_dir() -> Path:
    """Per-user, per-PC preferences (the window's size and place): $FACEAPP_CONFIG_DIR, else
    ~/.config/faceapp, %LOCALAPPDATA%\\faceapp, ~/Library/Application Support/faceapp."""
    env = os.environ.get("FACEAPP_CONFIG_DIR")
    return Path(env) if env else Path(user_config_dir("faceapp", appauthor=False))
