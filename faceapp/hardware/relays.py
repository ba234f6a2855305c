"""Relay backends for DoorController: USB/serial boards, HTTP relays, and a simulation.

Serial: pyserial (the maintained serial-port library on Windows, Linux and macOS). Only
device names reach it (relay_protocol.check_serial_port): its URL handlers would write
files (spy://) or open network connections (socket://); loop:// is allowed for tests.
The default command family is the common LCUS/CH340 board: A0 <channel> <state> <sum8>,
i.e. A0 01 01 A2 on, A0 01 00 A1 off.
HTTP: urllib only, a total deadline on every request, e.g. Shelly Gen1
`http://host/relay/0?turn=on&timer={seconds}` (the relay switches itself off) or Tasmota
`http://host/cm?cmnd=Power%20On`.
"""

from __future__ import annotations

import http.client
import logging
import math
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .door import DoorCommandError, DoorConfigError, DoorConnectionError, RelayBackend
from .relay_protocol import (LCUS_OFF, LCUS_ON, TEST_PORT_URLS, build_command, check_http_url, check_serial_port,
                             redact_url, split_credentials)

log = logging.getLogger(__name__)


# -- backends -----------------------------------------------------------------------------

class SimulatedRelay:
    """Records every switch, for tests, demos and a PC without a relay. `fail_next`
    makes the next N commands raise DoorConnectionError (failure-path tests)."""

    def __init__(self, name: str = "simulated relay") -> None:
        self.name = name
        self.events: list[tuple[float, bool, float]] = []  # (monotonic, on, seconds)
        self.fail_next = 0
        self.closed = False
        self._lock = threading.Lock()

    @property
    def is_on(self) -> bool:
        with self._lock:
            return bool(self.events) and self.events[-1][1]

    @property
    def pulses(self) -> int:
        with self._lock:
            return sum(1 for e in self.events if e[1])

    def switch(self, on: bool, seconds: float) -> None:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise DoorConnectionError(f"{self.name}: simulated failure switching {'on' if on else 'off'}")
            self.events.append((time.monotonic(), on, seconds))

    def close(self) -> None:
        self.closed = True


@dataclass(frozen=True)
class SerialRelayConfig:
    port: str  # COM3, /dev/ttyUSB0, or loop:// (tests); see relay_protocol.check_serial_port
    baudrate: int = 9600
    channel: int = 1
    on_hex: str = LCUS_ON
    off_hex: str = LCUS_OFF
    checksum: str = "sum8"
    write_timeout_s: float = 1.0


class SerialRelay:
    """A USB/serial relay board. The port is opened at construction (a wrong port fails
    at start-up, not at the first visitor) and reopened once after a write error."""

    def __init__(self, config: SerialRelayConfig) -> None:
        if not config.port.strip():
            raise DoorConfigError("door relay: no serial port set (door_serial_port, e.g. COM3 or /dev/ttyUSB0)")
        try:
            check_serial_port(config.port)
        except ValueError as exc:
            raise DoorConfigError(f"door_serial_port: {exc}") from None
        self.config = config
        self.name = f"serial relay {config.port} channel {config.channel}"
        self.on_bytes = build_command(config.on_hex, config.channel, config.checksum)
        self.off_bytes = build_command(config.off_hex, config.channel, config.checksum)
        self.port: Any = None
        self._open()

    def _open(self) -> None:
        try:
            import serial  # pyserial
        except ImportError as exc:
            raise DoorConfigError("the serial relay needs the pyserial package (pip install pyserial)") from exc
        settings = {"baudrate": self.config.baudrate, "timeout": 0.5, "write_timeout": self.config.write_timeout_s}
        try:
            if self.config.port in TEST_PORT_URLS:
                self.port = serial.serial_for_url(self.config.port, **settings)
            else:  # a device: serial.Serial never interprets the name as a URL
                self.port = serial.Serial(self.config.port, **settings)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DoorConnectionError(f"cannot open the door relay port {self.config.port}: {exc}. Check the "
                                      "cable and that no other program uses the port.") from exc

    def switch(self, on: bool, seconds: float) -> None:
        import serial

        data = self.on_bytes if on else self.off_bytes
        for attempt in (1, 2):
            try:
                if self.port is None:
                    self._open()
                written = self.port.write(data)
                self.port.flush()
                if written is not None and written != len(data):
                    raise DoorCommandError(f"{self.name}: wrote {written} of {len(data)} bytes")
                return
            except (serial.SerialException, OSError) as exc:
                self._drop()
                if attempt == 2:
                    raise DoorConnectionError(f"{self.name}: cannot send {'on' if on else 'off'} "
                                              f"({data.hex(' ').upper()}): {exc}") from exc
                log.warning("%s: write failed (%s); reopening the port", self.name, exc)

    def _drop(self) -> None:
        port, self.port = self.port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001 - the port is already broken
                log.debug("%s: close after error failed", self.name, exc_info=True)

    def close(self) -> None:
        self._drop()


@dataclass(frozen=True)
class HttpRelayConfig:
    on_url: str  # `{seconds}` is replaced by the pulse length rounded up
    off_url: str
    method: str = "GET"
    on_body: str = ""
    off_body: str = ""
    content_type: str = "application/json"
    timeout_s: float = 2.0


class _Flight:
    """One HTTP request under way and its connections; abort() shuts their sockets, which
    ends a blocked connect/read at once (urllib's timeout only bounds each single read)."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.why: str | None = None  # set when aborted: what to tell the user
        self._conns: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def track(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if conn not in self._conns:
                self._conns.append(conn)
            if self.why is not None:
                _shut(conn)

    def abort(self, why: str) -> None:
        with self._lock:
            if self.why is None:
                self.why = why
            for conn in self._conns:
                _shut(conn)


def _shut(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is None:
        return
    try:  # the plain socket's shutdown, also under TLS: wakes the thread blocked on it
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # not connected yet, or already closed


def _tracked(http_class: type, flight: _Flight) -> type:
    """http_class whose connections join `flight` as they connect (and are shut at once if
    the flight was aborted meanwhile)."""

    class Tracked(http_class):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            flight.track(self)
            super().connect()
            flight.track(self)  # again, now with a socket: an abort during connect takes effect

    return Tracked


class _TrackedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, flight: _Flight) -> None:
        super().__init__()
        self._flight = flight

    def do_open(self, http_class, req, **kwargs):  # noqa: ANN001, ANN003, ANN201
        return super().do_open(_tracked(http_class, self._flight), req, **kwargs)


class _TrackedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, flight: _Flight) -> None:
        super().__init__()
        self._flight = flight

    def do_open(self, http_class, req, **kwargs):  # noqa: ANN001, ANN003, ANN201
        return super().do_open(_tracked(http_class, self._flight), req, **kwargs)


class HttpRelay:
    """A network relay switched by one HTTP request per command. `timeout_s` bounds each
    whole request (connect, send, answer), not each read: a relay trickling its answer
    cannot hold a command, and with it the door, for longer."""

    METHODS = ("GET", "POST", "PUT")

    def __init__(self, config: HttpRelayConfig) -> None:
        for what, url in (("on", config.on_url), ("off", config.off_url)):
            if not url:
                raise DoorConfigError(f"door relay: no HTTP URL set for switching {what}")
            try:
                check_http_url(url)
            except ValueError as exc:
                raise DoorConfigError(f"door relay {what} URL: {exc}") from None
        if config.method.upper() not in self.METHODS:
            raise DoorConfigError(f"door relay HTTP method {config.method!r}: choose one of {', '.join(self.METHODS)}")
        if not 0 < config.timeout_s <= 30:
            raise DoorConfigError(f"door relay HTTP timeout must be 0..30 s, got {config.timeout_s}")
        self.config = config
        self.name = f"HTTP relay {redact_url(config.on_url)}"  # never the user info or the query
        # (URL without user info, Authorization header) per command: basic auth from user:pass@
        self._targets = {True: split_credentials(config.on_url), False: split_credentials(config.off_url)}
        self._lock = threading.Lock()
        self._flights: set[_Flight] = set()  # requests under way, for abort()

    def switch(self, on: bool, seconds: float) -> None:
        cfg = self.config
        secs = str(max(1, math.ceil(seconds))) if on else "0"
        target, auth = self._targets[on]
        url = target.replace("{seconds}", secs)
        body = (cfg.on_body if on else cfg.off_body).replace("{seconds}", secs)
        method = cfg.method.upper()
        data = body.encode("utf-8") if (body or method != "GET") else None
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", cfg.content_type)
        if auth is not None:
            req.add_header("Authorization", auth)
        what = "on" if on else "off"
        flight = _Flight(on)
        with self._lock:
            self._flights.add(flight)
        deadline = threading.Timer(cfg.timeout_s, flight.abort, args=(f"no complete answer within {cfg.timeout_s:g} s",))
        deadline.daemon = True
        deadline.start()
        try:
            opener = urllib.request.build_opener(_TrackedHTTPHandler(flight), _TrackedHTTPSHandler(flight))
            with opener.open(req, timeout=cfg.timeout_s) as resp:
                try:  # the status line was the answer; the rest is courtesy, within the deadline
                    resp.read(4096)
                except (OSError, http.client.HTTPException):
                    log.debug("%s: the body of the %s answer was cut short", self.name, what, exc_info=True)
        except urllib.error.HTTPError as exc:
            hint = ""
            if exc.code in (401, 403):
                hint = (": check the user name and password in the relay URL (http://USER:PASSWORD@HOST/...)"
                        if auth else ": the relay wants credentials: http://USER:PASSWORD@HOST/...")
            raise DoorCommandError(f"{self.name}: switching {what} was refused with HTTP {exc.code} "
                                   f"{exc.reason}{hint}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError, http.client.HTTPException) as exc:
            reason = flight.why or getattr(exc, "reason", exc)
            raise DoorConnectionError(f"{self.name}: cannot switch {what} at {redact_url(url)}: {reason} "
                                      f"(timeout {cfg.timeout_s:g} s)") from exc
        finally:
            deadline.cancel()
            with self._lock:
                self._flights.discard(flight)

    def abort(self, on: bool) -> None:
        """End the on- (on=True) or off-command in flight now, from another thread: its
        switch() raises DoorConnectionError at once (the door must lock on time, not when a
        slow relay gets round to answering the on-command)."""
        with self._lock:
            flights = [f for f in self._flights if f.on == on]
        for flight in flights:
            flight.abort("no answer yet; abandoned to lock the door" if on else "no answer yet; out of time")

    def close(self) -> None:
        pass


__all__ = ["HttpRelay", "HttpRelayConfig", "RelayBackend", "SerialRelay", "SerialRelayConfig", "SimulatedRelay"]
