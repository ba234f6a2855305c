"""The door strike: timed relay pulses that never block the caller and fail secure.

A recognition decision must not wait for a USB or network relay, so pulse() only sets a
deadline; a named worker thread switches the relay on, waits, and switches it off. The
relay is "possibly on" from the moment the on-command is sent until an off-command has
succeeded, and every path that can end that state releases it:

* the worker releases in a `finally` when it dies (a bug, an unexpected exception);
* a watchdog thread releases when the worker is gone, or the relay is on longer than
  the pulse plus `max_overrun_s` (a hung worker), and retries failed releases;
* close() and an atexit hook release on normal exit and on an uncaught exception;
* the controller releases once when it is created, so a restart after a crash locks.

A slow relay must not hold the door open either: an on-command still waiting for its answer
when the pulse is over (or release()/close() is called) is abandoned through the backend's
optional abort(on), so the off-command is not queued behind it; close(timeout) is bounded
the same way, and says so when the off-command was never confirmed.

A process killed outright (SIGKILL, power loss) runs none of this: there the hardware
must fail secure (a timed on-command such as Shelly's `timer=`, Tasmota `PulseTime`, a
relay board in self-resetting "jog/delay" mode, and a fail-secure strike). See README.

Backends live in door_backends; they implement RelayBackend and raise DoorError.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from typing import Callable, Protocol

from ..shared.errors import FaceAppError

log = logging.getLogger(__name__)

MAX_PULSE_S = 60.0  # a longer "pulse" is a door held open, not an access grant


class DoorError(FaceAppError):
    """The door relay could not be switched; `message` says which relay and why."""


class DoorConfigError(DoorError):
    """The door settings are incomplete or malformed (port, URL, command template)."""


class DoorConnectionError(DoorError):
    """The relay cannot be reached: serial port missing or busy, host down, timeout."""


class DoorCommandError(DoorError):
    """The relay was reached but refused the command (HTTP error status, short write)."""


class DoorClosedError(DoorError):
    """pulse() after close(): the controller no longer drives the relay."""


class RelayBackend(Protocol):
    """One relay channel. switch() blocks until the command was delivered or failed."""

    name: str

    def switch(self, on: bool, seconds: float) -> None:
        """on=True: energise for about `seconds` (timed relays use it as auto-off)."""

    def close(self) -> None:
        """Free the port/connection; must not raise."""

    # Optional: abort(on: bool) -> None ends the on- (or off-) command in flight from another
    # thread (its switch() then raises DoorError soon). Backends whose commands can block long
    # (network relays) have it; the door uses it to lock on time and to bound close().


# on_result of pulse(): (switched on, the error if not); called on the door's worker thread.
PulseResult = Callable[[bool, "DoorError | None"], None]

_CONTROLLERS: "weakref.WeakSet[DoorController]" = weakref.WeakSet()


def close_all_doors(timeout: float = 1.0) -> list[str]:
    """Release and close every door of the process (exit paths); the relays (by name) that
    never confirmed the off-command: their door may still be unlocked."""
    controllers = list(_CONTROLLERS)
    for controller in controllers:
        try:
            controller.close(timeout=timeout)
        except Exception:  # noqa: BLE001 - exit must go on for the other controllers
            log.exception("releasing door %s at exit failed", controller.name)
    return [c.backend.name for c in controllers if c.is_on]


def release_all_doors() -> None:
    """End every running pulse now, without waiting (a stop signal arrived): each door's
    worker sends the off-command at once; the exit path closes them afterwards."""
    for controller in list(_CONTROLLERS):
        try:
            controller.release()
        except Exception:  # noqa: BLE001
            log.exception("releasing door %s failed", controller.name)


def _release_all_at_exit() -> None:
    """atexit: the interpreter is ending (normally or on an uncaught exception)."""
    close_all_doors(timeout=1.0)


atexit.register(_release_all_at_exit)


class DoorController:
    """Drives one RelayBackend with non-blocking, extendable pulses.

    pulse(s) while a pulse runs extends it to the later deadline (two people in a row).
    Failures never propagate to the caller of pulse(): each is logged, kept in
    `last_error`, counted in `errors` and passed to `on_error` (called on the worker or
    watchdog thread)."""

    def __init__(self, backend: RelayBackend, pulse_s: float = 3.0, *, name: str = "door",
                 on_error: Callable[[DoorError], None] | None = None, max_overrun_s: float = 2.0,
                 watchdog_interval_s: float = 0.2, retry_s: float = 1.0) -> None:
        self.backend = backend
        self.pulse_s = _check_seconds(pulse_s)
        self.name = name
        self.on_error = on_error
        self.max_overrun_s = float(max_overrun_s)
        self.retry_s = float(retry_s)
        self.last_error: DoorError | None = None
        self.errors = 0
        self._cond = threading.Condition()
        self._io = threading.Lock()  # one backend command at a time
        self._until = 0.0  # monotonic deadline of the current pulse
        self._maybe_on = False  # on-command sent and no off-command succeeded since
        self._on_confirmed = False  # the last on-command succeeded and no off-command since
        self._in_flight: bool | None = None  # the command being sent (True: on), for abandoning an on
        self._abandoning = False  # the on-command in flight is being abandoned (said once)
        self._waiters: list[PulseResult] = []  # pulse() callers waiting to hear whether it switched on
        self._closed = False
        self._worker: threading.Thread | None = None
        # Test hook: called on the worker before each switch (tests raise in it to kill the worker).
        self._before_switch: Callable[[bool], None] | None = None
        self._stop_watch = threading.Event()
        _CONTROLLERS.add(self)
        self._release_now("start-up (a previous run may have left it on)")
        self._watchdog = threading.Thread(target=self._watch, args=(float(watchdog_interval_s),),
                                          name=f"faceapp-{name}-watchdog", daemon=True)
        self._watchdog.start()

    # -- public -----------------------------------------------------------------------

    @property
    def is_on(self) -> bool:
        """True while the relay may be energised."""
        return self._maybe_on

    def pulse(self, seconds: float | None = None, on_result: PulseResult | None = None) -> None:
        """Unlock for `seconds` (default pulse_s); returns at once. `on_result(ok, error)`
        hears whether the relay switched on (at once when a pulse already holds it on),
        so the access log can say whether the door really opened."""
        s = self.pulse_s if seconds is None else _check_seconds(seconds)
        already_on = False
        with self._cond:
            if self._closed:
                raise DoorClosedError(f"door {self.name} is closed; it no longer drives {self.backend.name}")
            self._until = max(self._until, time.monotonic() + s)
            if on_result is not None:
                already_on = self._on_confirmed
                if not already_on:
                    self._waiters.append(on_result)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name=f"faceapp-{self.name}-pulse", daemon=True)
                self._worker.start()
            self._cond.notify_all()
        if already_on:
            self._tell([on_result], True, None)  # type: ignore[list-item]
        log.debug("door %s: pulse %.1f s requested", self.name, s)

    def release(self) -> None:
        """End the current pulse now (the worker switches off); returns at once."""
        with self._cond:
            self._until = 0.0
            self._cond.notify_all()
            worker_alive = self._worker is not None and self._worker.is_alive()
        self._abandon_on("released")
        if not worker_alive and self._maybe_on:
            self._release_now("release() without a pulse thread")

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no pulse is pending and the relay is released (tests, shutdown)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._cond:
                if self._until <= time.monotonic() and not self._maybe_on:
                    return True
            time.sleep(0.01)
        return False

    def close(self, timeout: float = 3.0) -> None:
        """Release the relay, stop the threads and free the backend, within about `timeout`
        seconds (a command still in flight then is abandoned where the backend can abort);
        idempotent. `is_on` afterwards: the off-command was never confirmed."""
        end = time.monotonic() + timeout
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._until = 0.0
            self._cond.notify_all()
            worker = self._worker
        self._stop_watch.set()
        self._abandon_on("closing")
        if worker is not None and worker is not threading.current_thread():
            worker.join(max(0.0, end - time.monotonic()))
            in_flight = self._in_flight
            if worker.is_alive() and in_flight is not None:  # still in a command: out of time
                self._abort(in_flight)
                worker.join(0.5)
        left = end - time.monotonic()
        if (self._maybe_on or (worker is not None and worker.is_alive())) and left > 0:
            # the worker did not manage it (dead, hung or failing): one more try, within the time left
            self._release_now("close", lock_timeout=left, deadline=end)
        with self._cond:
            waiters, self._waiters = self._waiters, []
        self._tell(waiters, False, DoorClosedError(f"door {self.name} closed before the relay switched on"))
        try:
            self.backend.close()
        except Exception:  # noqa: BLE001 - backends should not raise here; closing goes on
            log.exception("door %s: closing %s failed", self.name, self.backend.name)
        _CONTROLLERS.discard(self)
        if self._maybe_on:  # the off-command failed: say so, never "released"
            log.error("door %s closed, but the relay may still be ON: the off-command failed (%s); only the "
                      "relay's own timer or a fail-secure strike locks it now", self.name, self.last_error)
        else:
            log.info("door %s closed (relay released)", self.name)

    # -- worker and watchdog ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while True:
                        if self._closed:
                            return
                        remaining = self._until - time.monotonic()
                        if remaining > 0 and not self._maybe_on:
                            action = True
                            break
                        if remaining <= 0 and self._maybe_on:
                            action = False
                            break
                        if remaining <= 0:
                            return  # idle: the thread ends, pulse() starts a new one
                        self._cond.wait(timeout=remaining)
                if self._before_switch is not None:
                    self._before_switch(action)
                if action:
                    ok = self._switch(True, remaining, "pulse")
                    with self._cond:
                        self._on_confirmed = ok
                        if not ok:
                            self._until = 0.0  # abandon the pulse; the next pass releases
                        waiters, self._waiters = self._waiters, []
                    self._tell(waiters, ok, None if ok else self.last_error)
                elif not self._switch(False, 0.0, "end of pulse"):
                    with self._cond:
                        if not self._closed:  # close() takes over at once
                            self._cond.wait(timeout=self.retry_s)  # relay unreachable: retry, do not spin
        finally:
            if self._maybe_on and not self._closed:  # closed: close() tries within its time
                log.error("door %s: pulse thread ended with the relay on; releasing", self.name)
                self._release_now("pulse thread ended")

    def _watch(self, interval: float) -> None:
        next_try = 0.0
        while not self._stop_watch.wait(interval):
            with self._cond:
                worker_alive = self._worker is not None and self._worker.is_alive()
                pulse_over = time.monotonic() >= self._until
                overdue = time.monotonic() > self._until + self.max_overrun_s
            if pulse_over:
                self._abandon_on("the pulse is over")  # a relay slow to answer must not hold the door
            if self._maybe_on and (not worker_alive or overdue) and time.monotonic() >= next_try:
                why = "pulse thread died" if not worker_alive else "pulse overran its deadline"
                log.error("door %s: watchdog: %s with the relay on; releasing", self.name, why)
                if not self._release_now(f"watchdog: {why}", lock_timeout=interval):
                    next_try = time.monotonic() + self.retry_s  # do not hammer a dead relay

    # -- switching -------------------------------------------------------------------------

    def _switch(self, on: bool, seconds: float, why: str, lock_timeout: float = -1,
                deadline: float | None = None) -> bool:
        """Send one command; False when it failed (reported) or the I/O lock stayed taken.
        `deadline` (monotonic): the command is aborted then, where the backend can abort."""
        if not self._io.acquire(timeout=lock_timeout):
            return False  # another thread is mid-command (a hung backend); try again later
        timer = None
        if deadline is not None and getattr(self.backend, "abort", None) is not None:
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._abort, args=(on,))
            timer.daemon = True
            timer.start()
        self._in_flight, self._abandoning = on, False
        try:
            if on:
                self._maybe_on = True  # before sending: a failed send may still have switched it
            if not on:
                self._on_confirmed = False  # whatever the off-command's fate, the pulse is over
            self.backend.switch(on, max(seconds, 0.0))
            if not on:
                self._maybe_on = False
            log.info("door %s: relay %s (%s)", self.name, "ON" if on else "off", why)
            return True
        except DoorError as exc:
            self._report(exc)
        except Exception as exc:  # noqa: BLE001 - a backend bug must not kill fail-secure handling
            self._report(DoorError(f"door {self.name}: {self.backend.name} failed: {exc!r}"))
        finally:
            self._in_flight = None
            if timer is not None:
                timer.cancel()
            self._io.release()
        return False

    def _release_now(self, why: str, lock_timeout: float = -1, deadline: float | None = None) -> bool:
        return self._switch(False, 0.0, why, lock_timeout, deadline)

    def _abandon_on(self, why: str) -> None:
        """An on-command still waiting for its answer when the door should be locked is
        abandoned, so the off-command is not held up behind it."""
        if self._in_flight is True and getattr(self.backend, "abort", None) is not None:
            if not self._abandoning:
                self._abandoning = True
                log.warning("door %s: %s while the relay had not answered the on-command; abandoning it to lock",
                            self.name, why)
            self._abort(True)  # again at each watchdog tick: the request may not have started yet

    def _abort(self, on: bool) -> None:
        try:
            self.backend.abort(on)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a backend bug must not stop the locking
            log.exception("door %s: aborting the %s-command failed", self.name, "on" if on else "off")

    def _tell(self, waiters: list[PulseResult], ok: bool, error: DoorError | None) -> None:
        for cb in waiters:
            try:
                cb(ok, error)
            except Exception:  # noqa: BLE001 - a logging callback must not stop the relay logic
                log.exception("door %s: pulse result callback failed", self.name)

    def _report(self, exc: DoorError) -> None:
        self.last_error = exc
        self.errors += 1
        log.error("door %s: %s", self.name, exc)
        if self.on_error is not None:
            try:
                self.on_error(exc)
            except Exception:  # noqa: BLE001 - a UI callback must not stop the relay logic
                log.exception("door %s: on_error callback failed", self.name)


def _check_seconds(seconds: float) -> float:
    s = float(seconds)
    if not 0 < s <= MAX_PULSE_S:
        raise DoorConfigError(f"door pulse must be between 0 and {MAX_PULSE_S:g} seconds, got {seconds}")
    return s
