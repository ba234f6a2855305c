"""Run blocking calls (engine load, DB queries, CSV export) off the GUI thread.

Results come back through a queued signal, so slots never wait on ONNX or SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..shared.errors import FaceAppError, loggable

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(False)  # we keep the reference until the signal is delivered

    def run(self) -> None:
        try:
            result = self.fn()
        except FaceAppError as exc:  # expected (no camera, locked database): a message, no trace
            log.warning("background task: %s", loggable(exc))
            self._emit(self.signals.failed, exc)
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI, never lost
            log.exception("background task failed")
            self._emit(self.signals.failed, exc)
        else:
            self._emit(self.signals.done, result)

    @staticmethod
    def _emit(signal, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the app is shutting down: nobody left to tell
            log.debug("result of a background task dropped at shutdown")


_live: set[_Task] = set()


def _deliver(callback: Callable[[Any], None], value: object) -> None:
    """Hand a result to its callback on the GUI thread. A closure outlives the widget it
    updates (a page closed while its query ran): Qt cannot disconnect it, so a call that hits
    a deleted widget drops the result instead of raising in the event loop."""
    try:
        callback(value)
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise
        log.debug("result of a background task dropped: its widget is gone (%s)", exc)


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                  on_error: Callable[[BaseException], None] | None = None) -> _Task:
    """Call fn() on the global thread pool; on_done/on_error run on the GUI thread."""
    task = _Task(fn)
    _live.add(task)

    def finish(_: object = None) -> None:
        _live.discard(task)

    if on_done is not None:
        task.signals.done.connect(lambda value: _deliver(on_done, value))
    if on_error is not None:
        task.signals.failed.connect(lambda exc: _deliver(on_error, exc))
    task.signals.done.connect(finish)
    task.signals.failed.connect(finish)
    QThreadPool.globalInstance().start(task)
    return task


def pending() -> int:
    """Tasks not yet reported back (tests wait for 0)."""
    return len(_live)
