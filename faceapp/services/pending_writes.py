"""Writes that must not be lost when the database is busy or the disk is full.

A recognition decision is final: the person was seen at that moment. If the database is
locked by another program for longer than its busy timeout (5 s), or the disk is full,
the attendance row, the access-log row or the unknown-face sighting waits here, in
memory and in order, and a background thread retries with back-off (0.5 s doubling to
30 s) until it is written; then the next one goes. While anything waits, new writes queue
behind it, so the order (and with it in/out and the cooldown, decided when the row is
finally written) is kept. `state()` and listeners tell the desktop's status bar
("database busy, 3 events waiting"); `drain()` lets the CLI wait before it exits.

Errors that no retry can fix (the person was deleted meanwhile, a damaged row) are logged
and the write is dropped; anything else from storage is retried.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from ..shared.errors import FaceAppError, loggable
from ..storage.errors import (AccessGroupNotFoundError, CorruptRowError, DuplicateAccessGroupError,
                              DuplicateEmployeeError, EmployeeNotFoundError, StorageError)

log = logging.getLogger(__name__)

T = TypeVar("T")

_UNFIXABLE = (EmployeeNotFoundError, AccessGroupNotFoundError, DuplicateEmployeeError, DuplicateAccessGroupError,
              CorruptRowError)


@dataclass(frozen=True)
class WritesState:
    """What the status bar shows: how many writes wait, since when, and why."""

    waiting: int = 0
    last_error: str = ""
    since: float | None = None  # time.monotonic() of the first failed attempt

    @property
    def busy(self) -> bool:
        return self.waiting > 0


@dataclass
class Submitted(Generic[T]):
    """One write handed to PendingWrites: `written` with its `result`, or waiting."""

    description: str
    write: Callable[[], T]
    on_done: Callable[[T], None] | None = None
    written: bool = False
    result: T | None = None
    dropped: bool = False


class PendingWrites:
    def __init__(self, first_delay_s: float = 0.5, max_delay_s: float = 30.0) -> None:
        self.first_delay_s = float(first_delay_s)
        self.max_delay_s = float(max_delay_s)
        self._queue: deque[Submitted[Any]] = deque()
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._state = WritesState()
        self._listeners: list[Callable[[WritesState], None]] = []
        self._closed = False

    # -- submitting ---------------------------------------------------------------------

    def submit(self, description: str, write: Callable[[], T],
               on_done: Callable[[T], None] | None = None) -> Submitted[T]:
        """Write now if nothing waits (on the caller's thread), else queue behind the rest.
        `on_done(result)` runs once the write succeeded (at once, or later on the retry
        thread). Never raises for a storage failure: the write waits instead."""
        item: Submitted[T] = Submitted(description, write, on_done)
        with self._cond:
            queued = bool(self._queue)
            if queued:
                self._queue.append(item)
        if queued:
            log.info("database busy: %s waits behind %d other write(s)", description, self.state().waiting - 1)
            self._changed()
            return item
        error = self._attempt(item)
        if error is not None:
            with self._cond:
                self._queue.append(item)
                if self._state.since is None:
                    self._state = WritesState(len(self._queue), error, time.monotonic())
            log.error("could not save %s now (%s); kept in memory and retried until it is written",
                      description, error)
            self._start_worker()
            self._changed()
        return item

    # -- state ---------------------------------------------------------------------------

    def state(self) -> WritesState:
        with self._cond:
            return WritesState(len(self._queue), self._state.last_error if self._queue else "",
                               self._state.since if self._queue else None)

    def add_listener(self, listener: Callable[[WritesState], None]) -> None:
        """`listener(state)` after every change, on the thread that made it."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[WritesState], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def waiting(self) -> list[str]:
        """Descriptions of the writes still waiting, oldest first."""
        with self._cond:
            return [i.description for i in self._queue]

    def drain(self, timeout: float | None = None) -> bool:
        """Block until every waiting write is written (True) or `timeout` passed (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue, timeout)

    def close(self) -> None:
        """Stop retrying (what still waits is reported by waiting())."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- retrying ------------------------------------------------------------------------

    def _attempt(self, item: Submitted[Any]) -> str | None:
        """Run the write: None when done (or dropped as unfixable), else why it must wait."""
        try:
            item.result = item.write()
        except _UNFIXABLE as exc:
            item.dropped = True
            log.error("dropped %s: %s (no retry can fix this)", item.description, loggable(exc))
            return None
        except StorageError as exc:
            if "closed database" in str(exc):  # the repository was closed: the app is shutting down
                item.dropped = True
                log.error("could not save %s: the database was closed before it was free", item.description)
                return None
            return str(exc)
        item.written = True
        if item.on_done is not None:
            try:
                item.on_done(item.result)
            except FaceAppError:
                log.exception("after saving %s", item.description)
        return None

    def _start_worker(self) -> None:
        with self._cond:
            if self._worker is not None and self._worker.is_alive():
                self._cond.notify_all()
                return
            self._worker = threading.Thread(target=self._retry, name="faceapp-db-retry", daemon=True)
            self._worker.start()

    def _retry(self) -> None:
        delay = self.first_delay_s
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed, delay)
                if self._closed or not self._queue:
                    return
                item = self._queue[0]
            error = self._attempt(item)
            if error is None:
                with self._cond:
                    self._queue.popleft()
                    left = len(self._queue)
                    if not left:
                        self._state = WritesState()
                    self._cond.notify_all()
                if item.written:
                    log.info("saved %s after a database delay (%d still waiting)", item.description, left)
                self._changed()
                delay = 0.0 if left else self.first_delay_s  # the next one at once: the database is back
                if not left:
                    return
            else:
                with self._cond:
                    self._state = WritesState(len(self._queue), error, self._state.since)
                delay = min(max(delay * 2, self.first_delay_s), self.max_delay_s)
                log.warning("database still unavailable (%s); %d write(s) waiting, next try in %.1f s",
                            error, self.state().waiting, delay)
                self._changed()

    def _changed(self) -> None:
        state = self.state()
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:  # noqa: BLE001 - a UI callback must not stop the writes
                log.exception("pending-writes listener failed")
