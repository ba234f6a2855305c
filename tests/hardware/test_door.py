"""Door relay: exact bytes on a real serial port (pyserial loop:// and a pseudo-terminal),
real HTTP requests to a local server, and the fail-secure paths (watchdog, close, atexit
in a crashing subprocess, restart after SIGKILL)."""

from __future__ import annotations

import http.server
import json
import logging
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from faceapp.hardware.door import DoorClosedError, DoorConfigError, DoorController, DoorError
from faceapp.hardware.relay_protocol import build_command
from faceapp.hardware.relays import HttpRelay, HttpRelayConfig, SerialRelay, SerialRelayConfig, SimulatedRelay
from faceapp.services.access import door_from_settings
from faceapp.settings import Settings, SettingsError

ON = bytes.fromhex("A0 01 01 A2")
OFF = bytes.fromhex("A0 01 00 A1")
ROOT = Path(__file__).resolve().parents[2]


def wait_for(cond, timeout: float = 3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


# -- command templates ---------------------------------------------------------------------

def test_lcus_default_commands_and_other_channels():
    assert build_command("A0 {ch} 01 {sum}", 1) == ON
    assert build_command("A0 {ch} 00 {sum}", 1) == OFF
    assert build_command("A0 {ch} 01 {sum}", 2) == bytes.fromhex("A0 02 01 A3")
    assert build_command("A0,FF,01,{sum}", 0xFF) == bytes([0xA0, 0xFF, 0x01, (0xA0 + 0xFF + 0x01) & 0xFF])
    assert build_command("55 {ch} 01 {sum}", 3, "xor8") == bytes([0x55, 3, 1, 0x55 ^ 3 ^ 1])
    assert build_command("FF 01 01", 1, "none") == bytes.fromhex("FF 01 01")


@pytest.mark.parametrize("template,checksum,msg", [
    ("A0 {ch} 01 ZZ", "sum8", "'ZZ' is not a hex byte"),
    ("", "sum8", "empty"),
    ("A0 {sum}", "none", "checksum is 'none'"),
    ("A0 {ch}", "crc16", "choose one of"),
])
def test_bad_templates_are_refused(template, checksum, msg):
    with pytest.raises(DoorConfigError, match=msg):
        build_command(template, 1, checksum)


def test_door_settings_are_validated():
    s = Settings().validate()
    assert (s.door.backend, s.door.pulse_s, s.door.serial_on_hex) == ("none", 3.0, "A0 {ch} 01 {sum}")
    for bad, msg in [({"door_serial_on_hex": "A0 XY"}, "not a hex byte"),
                     ({"door_http_on_url": "ftp://x/relay"}, "not an http"),
                     ({"door_backend": "zigbee"}, "choose one of"),
                     ({"door_pulse_s": 120}, "allowed range")]:
        with pytest.raises(SettingsError, match=msg):
            Settings.from_dict(bad)
    assert door_from_settings(s.door) is None
    for url in ("http://relay.local:99999/on", "http://relay.local:0/on", "http://relay.local:x/on"):
        with pytest.raises(DoorConfigError, match="port must be a number from 1 to 65535"):
            HttpRelay(HttpRelayConfig(url, "http://relay.local/off"))
    for url in ("http://relay.local:8080/on", "http://[::1]:80/on", "https://192.168.1.50/on", "http://relay-1/"):
        HttpRelay(HttpRelayConfig(url, url))
    with pytest.raises(DoorConfigError, match="no serial port"):
        door_from_settings(Settings().replace(door_backend="serial").door)


# -- serial --------------------------------------------------------------------------------------

def test_serial_loop_port_gets_exact_bytes():
    relay = SerialRelay(SerialRelayConfig("loop://"))
    door = DoorController(relay, 0.2)
    try:
        door.pulse()
        assert door.wait_idle(3)
        got = relay.port.read(64)
        assert got == OFF + ON + OFF  # released at start-up, then one pulse
    finally:
        door.close()
    assert relay.port is None


def _read_pty(master: int, n: int, timeout: float = 5.0) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                out += os.read(master, 64)
            except OSError:  # EIO: no process has the slave open any more
                break
    return out


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_pty_gets_exact_bytes_and_pulse_does_not_block(pty_pair):
    master, path = pty_pair
    door = DoorController(SerialRelay(SerialRelayConfig(path, channel=2)), 0.3, name="pty")
    try:
        t0 = time.perf_counter()
        door.pulse()
        assert time.perf_counter() - t0 < 0.05
        on2, off2 = bytes.fromhex("A0 02 01 A3"), bytes.fromhex("A0 02 00 A2")
        assert _read_pty(master, 12) == off2 + on2 + off2
        assert door.wait_idle(2) and door.errors == 0
    finally:
        door.close()


def test_missing_serial_port_is_a_clear_error():
    with pytest.raises(DoorError, match="cannot open the door relay port .*ttyNO-SUCH-PORT"):
        SerialRelay(SerialRelayConfig("/dev/ttyNO-SUCH-PORT"))


@pytest.mark.parametrize("port", ["spy://loop://?file={victim}", "socket://127.0.0.1:{port}",
                                  "rfc2217://127.0.0.1:{port}", "hwgrep://.*", "alt://loop://", "loop://?logging=debug",
                                  "{victim}", "/dev/../{victim}", "relay.txt", "COM0", "COM3; rm"])
def test_serial_port_must_be_a_device_not_a_pyserial_url(tmp_path, port):
    """pyserial's URL handlers turned door_serial_port into a file writer (spy://...?file=)
    and a network client (socket://): only device paths, COM names and, for tests, the
    in-memory loop:// are accepted, by the settings and by the relay itself."""
    import socket

    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.3)
    value = port.format(victim=victim, port=listener.getsockname()[1])
    try:
        with pytest.raises(DoorConfigError, match="door_serial_port"):
            SerialRelay(SerialRelayConfig(value))
        with pytest.raises(SettingsError, match="door_serial_port"):
            Settings.from_dict({"door_serial_port": value})
        with pytest.raises(socket.timeout):
            listener.accept()  # nobody connected
    finally:
        listener.close()
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("port", ["COM3", "com12", r"\\.\COM10", "/dev/ttyUSB0", "/dev/serial/by-id/usb-1a86_USB2.0-Ser_-if00-port0",
                                  "/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0", "/dev/cu.usbserial-1420",
                                  "loop://", ""])
def test_device_names_are_accepted(port):
    assert Settings.from_dict({"door_serial_port": port}).door.serial_port == port


# -- HTTP ----------------------------------------------------------------------------------

class _Relay(http.server.BaseHTTPRequestHandler):
    requests: list = []
    status = 200
    delay = 0.0

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        type(self).requests.append((self.command, self.path, body, self.headers.get("Content-Type")))
        time.sleep(type(self).delay)
        try:
            self.send_response(type(self).status)
            self.end_headers()
            self.wfile.write(b'{"ison": true}')
        except OSError:
            pass  # the client gave up (timeout test)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def relay_server():
    handler = type("Handler", (_Relay,), {"requests": [], "status": 200, "delay": 0.0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-relay-http", daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_shelly_style_get_with_timer(relay_server):
    handler, base = relay_server
    relay = HttpRelay(HttpRelayConfig(f"{base}/relay/0?turn=on&timer={{seconds}}", f"{base}/relay/0?turn=off"))
    door = DoorController(relay, 2.2)
    try:
        door.release()
        door.pulse(0.3)
        assert door.wait_idle(3)
    finally:
        door.close()
    paths = [(m, p) for m, p, _, _ in handler.requests]
    # start-up release, the pulse (timer rounded up: the relay itself switches off even if
    # this PC dies), its end, and the release at close.
    assert paths[:3] == [("GET", "/relay/0?turn=off"), ("GET", "/relay/0?turn=on&timer=1"),
                         ("GET", "/relay/0?turn=off")]
    assert paths[-1] == ("GET", "/relay/0?turn=off")


def test_http_post_body_and_content_type(relay_server):
    handler, base = relay_server
    relay = HttpRelay(HttpRelayConfig(f"{base}/rpc/Switch.Set", f"{base}/rpc/Switch.Set", "POST",
                                      '{"id": 0, "on": true, "toggle_after": {seconds}}', '{"id": 0, "on": false}'))
    relay.switch(True, 2.5)
    relay.switch(False, 0)
    (m1, p1, b1, t1), (m2, _, b2, _) = handler.requests
    assert (m1, p1, t1) == ("POST", "/rpc/Switch.Set", "application/json")
    assert json.loads(b1) == {"id": 0, "on": True, "toggle_after": 3}
    assert m2 == "POST" and json.loads(b2) == {"id": 0, "on": False}


def test_http_timeout_is_a_connection_error_and_pulse_never_blocks(relay_server):
    handler, base = relay_server
    handler.delay = 1.5
    relay = HttpRelay(HttpRelayConfig(f"{base}/on", f"{base}/off", timeout_s=0.3))
    t0 = time.perf_counter()
    with pytest.raises(DoorError, match=r"cannot switch on .*timeout 0.3 s") as info:
        relay.switch(True, 1)
    assert time.perf_counter() - t0 < 1.2
    assert type(info.value).__name__ == "DoorConnectionError"
    errors: list[DoorError] = []
    door = DoorController(relay, 0.5, on_error=errors.append, retry_s=0.2)
    try:
        t0 = time.perf_counter()
        door.pulse()
        assert time.perf_counter() - t0 < 0.05  # the caller (inference thread) never waits for the relay
        assert wait_for(lambda: len(errors) >= 2, 3)
    finally:
        door.close(timeout=1)
    assert all(type(e).__name__ == "DoorConnectionError" for e in errors)


def test_http_error_status_and_refused_connection(relay_server):
    handler, base = relay_server
    handler.status = 401
    relay = HttpRelay(HttpRelayConfig(f"{base}/cm?cmnd=Power%20On&user=admin&password=s3cret", f"{base}/off"))
    with pytest.raises(DoorError, match="refused with HTTP 401") as info:
        relay.switch(True, 1)
    assert type(info.value).__name__ == "DoorCommandError"
    assert "s3cret" not in str(info.value)
    dead = HttpRelay(HttpRelayConfig("http://127.0.0.1:9/on?password=s3cret", "http://127.0.0.1:9/off",
                                     timeout_s=0.5))
    with pytest.raises(DoorError, match="cannot switch off") as info:
        dead.switch(False, 0)
    assert type(info.value).__name__ == "DoorConnectionError" and "s3cret" not in str(info.value)


class _AuthRelay(_Relay):
    """A relay that wants HTTP basic auth, as Shelly and Tasmota can be set up."""

    expected = ""

    def _handle(self) -> None:
        type(self).requests.append((self.command, self.path, "", self.headers.get("Authorization")))
        ok = self.headers.get("Authorization") == type(self).expected
        self.send_response(200 if ok else 401)
        if not ok:
            self.send_header("WWW-Authenticate", 'Basic realm="relay"')
        self.end_headers()
        self.wfile.write(b'{"ison": true}' if ok else b"unauthorized")

    do_GET = do_POST = do_PUT = _handle


@pytest.fixture
def auth_relay():
    import base64

    handler = type("AuthHandler", (_AuthRelay,), {"requests": [],
                                                  "expected": "Basic " + base64.b64encode(b"admin:s3cr#t").decode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-auth-relay", daemon=True)
    thread.start()
    yield handler, server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http_relay_credentials_in_the_url_are_sent_as_basic_auth(auth_relay, caplog):
    """user:pass@ in the URL never worked (urllib takes it for a port) and the redacted
    error hid why: the credentials become an Authorization header, the URL loses them."""
    handler, port = auth_relay
    relay = HttpRelay(HttpRelayConfig(f"http://admin:s3cr%23t@127.0.0.1:{port}/relay/0?turn=on",
                                      f"http://admin:s3cr%23t@127.0.0.1:{port}/relay/0?turn=off"))
    with caplog.at_level(logging.DEBUG):
        door = DoorController(relay, 0.3)
        try:
            door.pulse()
            assert door.wait_idle(3) and door.errors == 0
        finally:
            door.close()
    assert [(p, auth) for _, p, _, auth in handler.requests][:3] == [
        ("/relay/0?turn=off", handler.expected), ("/relay/0?turn=on", handler.expected),
        ("/relay/0?turn=off", handler.expected)]
    assert "s3cr" not in caplog.text and "admin" not in caplog.text and "s3cr" not in relay.name


def test_http_relay_wrong_credentials_say_so_without_the_password(auth_relay):
    handler, port = auth_relay
    relay = HttpRelay(HttpRelayConfig(f"http://admin:wrong-s3cret@127.0.0.1:{port}/on", f"http://127.0.0.1:{port}/off"))
    with pytest.raises(DoorError, match="HTTP 401.*user name and password") as info:
        relay.switch(True, 1)
    assert "wrong-s3cret" not in str(info.value)


# -- fail-secure ---------------------------------------------------------------------------

def test_close_releases_mid_pulse_and_pulse_after_close_is_refused():
    relay = SimulatedRelay()
    door = DoorController(relay, 30)
    door.pulse()
    assert wait_for(lambda: relay.is_on)
    door.close()
    assert not relay.is_on and relay.closed
    with pytest.raises(DoorClosedError):
        door.pulse()


def test_pulses_extend_and_failed_release_is_retried():
    relay = SimulatedRelay()
    door = DoorController(relay, 0.3, retry_s=0.1)
    try:
        door.pulse()
        assert wait_for(lambda: relay.is_on)
        door.pulse(0.6)  # a second person: one longer pulse, not two
        relay.fail_next = 2  # the relay is unreachable for the first two off-commands
        assert door.wait_idle(4)
        assert not relay.is_on and relay.pulses == 1 and door.errors == 2
        on_t = next(t for t, on, _ in relay.events if on)
        assert relay.events[-1][0] - on_t >= 0.55
    finally:
        door.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_watchdog_releases_when_the_pulse_thread_dies():
    relay = SimulatedRelay()
    door = DoorController(relay, 0.3, watchdog_interval_s=0.05)

    def die(on: bool) -> None:
        if not on:
            relay.fail_next = 1  # and the worker's own last-ditch release fails too
            raise RuntimeError("pulse thread crashed")

    door._before_switch = die
    try:
        door.pulse()
        assert wait_for(lambda: relay.is_on)
        assert wait_for(lambda: door._worker is not None and not door._worker.is_alive(), 3)
        assert wait_for(lambda: not relay.is_on, 2)  # only the watchdog is left to do it
        assert door.errors == 1 and not door.is_on
    finally:
        door.close()


def test_watchdog_releases_when_the_pulse_thread_hangs():
    relay = SimulatedRelay()
    door = DoorController(relay, 0.2, max_overrun_s=0.3, watchdog_interval_s=0.05)
    hang = threading.Event()
    door._before_switch = lambda on: None if on else hang.wait(5)
    try:
        door.pulse()
        assert wait_for(lambda: relay.is_on)
        t_on = time.monotonic()
        assert wait_for(lambda: not relay.is_on, 2)
        assert time.monotonic() - t_on < 1.5 and door._worker.is_alive()  # released while the worker hangs
    finally:
        hang.set()
        door.close()


_CHILD = textwrap.dedent("""
    import sys, time
    from faceapp.hardware.door import DoorController
    from faceapp.hardware.relays import SerialRelay, SerialRelayConfig
    door = DoorController(SerialRelay(SerialRelayConfig(sys.argv[1])), 30)
    door.pulse()
    while not door.is_on:
        time.sleep(0.01)
    time.sleep(0.2)
    print("ON", flush=True)
    if sys.argv[2] == "raise":
        raise RuntimeError("crash in the middle of a door pulse")
    time.sleep(60)
""")


def _child(path: str, mode: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", _CHILD, path, mode], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_uncaught_exception_mid_pulse_releases_the_serial_relay(pty_pair):
    master, path = pty_pair
    proc = _child(path, "raise")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "ON" in out and "crash in the middle" in err
    assert _read_pty(master, 12, 3) == OFF + ON + OFF  # atexit released the 30 s pulse


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_sigkill_mid_pulse_leaves_release_to_the_next_start(pty_pair):
    """SIGKILL runs no code: an LCUS relay stays latched (hence the README advice: timed
    relays and fail-secure strikes). What software can do: release at the next start."""
    master, path = pty_pair
    proc = _child(path, "sleep")
    assert proc.stdout.readline().strip() == "ON"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert _read_pty(master, 12, 1) == OFF + ON  # no off: the process had no chance
    door = DoorController(SerialRelay(SerialRelayConfig(path)), 3)
    try:
        assert _read_pty(master, 4, 3) == OFF  # the restarted app locks first thing
    finally:
        door.close()


def test_close_does_not_claim_the_relay_is_released_when_the_off_command_failed(caplog):
    relay = SimulatedRelay()
    door = DoorController(relay, 30, retry_s=0.05)
    door.pulse()
    assert wait_for(lambda: relay.is_on)
    relay.fail_next = 100  # the relay stops answering
    with caplog.at_level(logging.INFO, logger="faceapp.hardware.door"):
        door.close(timeout=0.5)
    assert relay.is_on and door.is_on
    assert "relay released" not in caplog.text
    assert "may still be ON" in caplog.text


def test_pulse_reports_whether_the_relay_switched_on():
    relay = SimulatedRelay()
    door = DoorController(relay, 0.3)
    outcomes: list = []
    try:
        door.pulse(on_result=lambda ok, err: outcomes.append((ok, err)))
        assert wait_for(lambda: len(outcomes) == 1)
        door.pulse(on_result=lambda ok, err: outcomes.append((ok, err)))  # extends a pulse already on
        assert wait_for(lambda: len(outcomes) == 2)
        assert door.wait_idle(3)
        relay.fail_next = 1
        door.pulse(on_result=lambda ok, err: outcomes.append((ok, err)))
        assert wait_for(lambda: len(outcomes) == 3)
    finally:
        door.close()
    assert [o[0] for o in outcomes] == [True, True, False] and isinstance(outcomes[2][1], DoorError)


# -- a slow network relay (MAJOR 4 of issue 18) ----------------------------------------------

def test_http_request_has_a_total_deadline_not_one_per_read(slow_relay):
    """urllib's timeout is per read: an answer trickling one byte per second never timed out
    (40 s for 40 bytes). The relay's timeout is the whole request's deadline."""
    slow_relay.modes["on"] = "trickle"
    relay = HttpRelay(HttpRelayConfig(f"{slow_relay.url}/on", f"{slow_relay.url}/off", timeout_s=1.5))
    t0 = time.monotonic()
    with pytest.raises(DoorError, match="cannot switch on") as info:
        relay.switch(True, 3)
    assert time.monotonic() - t0 < 2.1
    assert type(info.value).__name__ == "DoorConnectionError"


def test_slow_on_answer_keeps_the_door_open_no_longer_than_the_pulse(slow_relay):
    """The on-command held the one I/O lock while its answer trickled in, so nothing could
    send the off-command: a 1 s pulse kept the door open 40 s. An on-command still waiting
    for its answer when the pulse is over is abandoned and the door locked."""
    slow_relay.modes["on"] = "trickle"
    relay = HttpRelay(HttpRelayConfig(f"{slow_relay.url}/on", f"{slow_relay.url}/off", timeout_s=10.0))
    door = DoorController(relay, 1.0)
    try:
        door.pulse()
        assert wait_for(lambda: slow_relay.times("off")[1:], 5), slow_relay.requests
        assert door.wait_idle(2) and not door.is_on
    finally:
        t0 = time.monotonic()
        door.close(timeout=1)
        close_s = time.monotonic() - t0
    on_t, off_t = slow_relay.times("on")[0], slow_relay.times("off")[1]
    assert off_t - on_t < 1.6, f"door open {off_t - on_t:.1f} s for a 1 s pulse"
    assert close_s < 1.5


def test_release_pre_empts_a_hung_on_command(slow_relay):
    """A stop signal calls release(): the off-command must not wait for the on-command's
    answer (that took as long as the relay liked: SIGTERM needed 38 s)."""
    slow_relay.modes["on"] = "silent"
    relay = HttpRelay(HttpRelayConfig(f"{slow_relay.url}/on", f"{slow_relay.url}/off", timeout_s=10.0))
    outcomes: list = []
    door = DoorController(relay, 30.0)
    try:
        door.pulse(on_result=lambda ok, err: outcomes.append(ok))
        assert wait_for(lambda: slow_relay.times("on"), 3)
        t_release = time.monotonic()
        door.release()
        assert wait_for(lambda: slow_relay.times("off")[1:], 3)
        assert slow_relay.times("off")[1] - t_release < 0.5
        assert door.wait_idle(2) and not door.is_on
        assert outcomes == [False]  # never confirmed on: the access log must not say "door opened"
    finally:
        door.close(timeout=1)


@pytest.mark.parametrize("off_mode", ["trickle", "silent"])
def test_close_is_bounded_when_the_relay_never_confirms_off(slow_relay, caplog, off_mode):
    """close() waited on the I/O lock for as long as the hung command took, then sent its own
    off-command with a full timeout: it must end within its timeout and say the door may be on."""
    relay = HttpRelay(HttpRelayConfig(f"{slow_relay.url}/on", f"{slow_relay.url}/off", timeout_s=10.0))
    door = DoorController(relay, 30.0)
    slow_relay.modes.update(on="trickle", off=off_mode)  # after the start-up release
    door.pulse()
    assert wait_for(lambda: slow_relay.times("on"), 3)
    with caplog.at_level(logging.INFO, logger="faceapp.hardware.door"):
        t0 = time.monotonic()
        door.close(timeout=1.0)
        close_s = time.monotonic() - t0
    assert close_s < 1.5, f"close() took {close_s:.1f} s"
    assert slow_relay.times("off")[1:], "no off-command was sent"
    assert door.is_on and "may still be ON" in caplog.text
