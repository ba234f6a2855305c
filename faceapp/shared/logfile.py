"""The desktop app's log file: a double-clicked or kiosk app has no console to read.

Rotating, in the per-user log folder (e.g. ~/.local/state/faceapp/log/ or
%LOCALAPPDATA%\\faceapp\\Logs\\), or $FACEAPP_LOG_DIR. Failing to open it only costs the file.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

from platformdirs import user_log_dir

log = logging.getLogger(__name__)

MAX_BYTES = 1_000_000
BACKUPS = 5


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A RotatingFileHandler whose files are 0600 (names, doors and decisions are personal
    data), whatever the umask; rotation renames keep the mode, new files get it at open."""

    def _open(self):  # noqa: ANN202 - logging's own hook
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.name == "posix":
            os.fchmod(fd, 0o600)  # a file an older version created 0644
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)  # noqa: SIM115


def log_dir() -> Path:
    env = os.environ.get("FACEAPP_LOG_DIR")
    return Path(env) if env else Path(user_log_dir("faceapp", appauthor=False))


def install_log_file(level: int = logging.INFO) -> Path | None:
    """Add a rotating faceapp.log handler to the root logger (once); its path, or None."""
    root = logging.getLogger()
    for h in root.handlers:
        if isinstance(h, RotatingFileHandler) and getattr(h, "_faceapp", False):
            return Path(h.baseFilename)
    path = log_dir() / "faceapp.log"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        own = path.parent == Path(user_log_dir("faceapp", appauthor=False))  # never chmod a folder given to us
        if os.name == "posix" and own and path.parent.stat().st_mode & 0o077:
            os.chmod(path.parent, 0o700)  # left 0755 by an older version
        handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as exc:
        log.warning("no log file (%s): %s", path, exc)
        return None
    handler._faceapp = True  # type: ignore[attr-defined]
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
        for h in root.handlers:  # the console keeps the verbosity the user asked for
            if h is not handler and h.level == logging.NOTSET:
                h.setLevel(logging.WARNING)
    log.info("log file %s", path)
    return path


def remove_log_file() -> None:
    """Detach and close the handler install_log_file() added (tests, a second start in one process)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_faceapp", False):
            root.removeHandler(h)
            h.close()
