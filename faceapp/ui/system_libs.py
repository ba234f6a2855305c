"""Before Qt starts on Linux/X11: are the system libraries its xcb plugin links against there?

Qt's xcb platform plugin needs libraries that a fresh Debian/Ubuntu desktop may lack
(libxcb-cursor0 above all). Without them QApplication() prints a page about plugins and
aborts the process (exit 134); this check names the Debian packages and the apt-get line
instead, in one line, before any Qt object is made. No Qt import here.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Iterable, Mapping

# soname the plugin (libqxcb.so, libQt6XcbQpa.so.6, libQt6Gui.so.6) loads -> Debian/Ubuntu package
XCB_LIBRARIES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def uses_xcb(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """Whether Qt will start its xcb (X11) plugin: Linux, and QT_QPA_PLATFORM unset (outside
    a Wayland session) or naming xcb first. offscreen, wayland, minimal, eglfs... need none of it."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";", 1)[0].split(":", 1)[0].strip() == "xcb"
    return not (env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"))


def missing_libraries(libraries: Iterable[str] = XCB_LIBRARIES) -> list[str]:
    """The sonames the dynamic loader cannot load (the same search Qt's loader makes:
    LD_LIBRARY_PATH, the ld.so cache, the system folders)."""
    missing = []
    for soname in libraries:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def missing_message(missing: Iterable[str], packages: Mapping[str, str] = XCB_LIBRARIES) -> str:
    """One line: what is missing, and the command that installs it on Debian/Ubuntu."""
    missing = list(missing)
    names = sorted({packages.get(m, m) for m in missing})
    return (f"error: the desktop window needs system libraries that are missing ({', '.join(missing)}); "
            f"on Debian/Ubuntu install them with: sudo apt-get install {' '.join(names)}")


def xcb_problem(libraries: Mapping[str, str] = XCB_LIBRARIES) -> str | None:
    """The one-line message when Qt's xcb plugin would not load here, else None."""
    if not uses_xcb():
        return None
    missing = missing_libraries(libraries)
    return missing_message(missing, libraries) if missing else None
