"""Stop requests from outside (SIGTERM, SIGHUP, Ctrl+Break, closing the console window,
logging off) get the same treatment as Ctrl+C: the door relay is released first, then the
program exits. By default SIGTERM ends a Python process on the spot, with no chance to
send the relay its off-command, so a service stop left the door open.

install_exit_signals(on_exit) must run on the main thread (Python's rule for signals).
On POSIX on_exit(signum) runs on the main thread between two bytecodes and may raise to
unwind it. On Windows the console close, log-off and shutdown events arrive on a thread of
their own and the process is ended as soon as the handler returns, so the relay is
released right there, synchronously, before on_exit is called.
"""

from __future__ import annotations

import logging
import signal
import sys
from typing import Callable

from .door import close_all_doors, release_all_doors

log = logging.getLogger(__name__)

# CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT (wincon.h)
_WINDOWS_END_EVENTS = {2: "console closed", 5: "log-off", 6: "shutdown"}
_installed: list = []  # keeps the ctypes callback alive while the process runs


def install_exit_signals(on_exit: Callable[[int], None]) -> Callable[[], None]:
    """Handle SIGTERM (and SIGHUP, SIGBREAK where they exist) like SIGINT until the returned
    function is called, which puts the previous handlers back (the CLI's main() is also
    called in-process, by tests and scripts)."""
    previous: dict[int, object] = {}
    for name in ("SIGTERM", "SIGHUP", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue

        def handler(num: int, _frame, name: str = name) -> None:  # noqa: ANN001
            log.warning("%s received: releasing the door relay and exiting", name)
            release_all_doors()  # the worker sends the off-command now, whatever the main thread does
            on_exit(num)

        previous[signum] = signal.signal(signum, handler)
    remove_console = _install_console_handler() if sys.platform == "win32" else (lambda: None)

    def restore() -> None:
        for num, old in previous.items():
            signal.signal(num, old)  # type: ignore[arg-type]
        remove_console()

    return restore


def _install_console_handler() -> Callable[[], None]:
    import ctypes
    from ctypes import wintypes

    routine = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)

    def on_console_event(event: int) -> bool:
        what = _WINDOWS_END_EVENTS.get(event)
        if what is None:
            return False  # Ctrl+C and Ctrl+Break arrive as SIGINT / SIGBREAK
        log.warning("%s: releasing the door relay before Windows ends the process", what)
        close_all_doors(timeout=2.0)  # synchronously: the process ends when this returns
        return False

    callback = routine(on_console_event)
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    if not kernel32.SetConsoleCtrlHandler(callback, True):
        log.warning("cannot watch for the console being closed; close the app with Ctrl+C")
        return lambda: None
    _installed.append(callback)

    def remove() -> None:
        kernel32.SetConsoleCtrlHandler(callback, False)
        _installed.remove(callback)

    return remove
