"""The relay command protocol: serial command templates and the checks of relay settings.

Serial boards take a few bytes per command. The default family is the common LCUS/CH340
board: A0 <channel> <state> <sum8>, i.e. A0 01 01 A2 on, A0 01 00 A1 off. HTTP relays take
one URL per command. No I/O here: the settings validate with these checks, the backends
in relays.py send what they build.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import urllib.parse

from .door import DoorConfigError

LCUS_ON = "A0 {ch} 01 {sum}"
LCUS_OFF = "A0 {ch} 00 {sum}"
CHECKSUMS = ("sum8", "xor8", "none")


# -- serial command templates ------------------------------------------------------------

def build_command(template: str, channel: int, checksum: str = "sum8") -> bytes:
    """Bytes of a hex template: hex bytes separated by spaces or commas, `{ch}` for the
    channel byte and `{sum}` for the checksum of all bytes before it (sum8 = sum mod 256,
    xor8 = XOR). Raises DoorConfigError naming the bad token."""
    if checksum not in CHECKSUMS:
        raise DoorConfigError(f"relay checksum {checksum!r}: choose one of {', '.join(CHECKSUMS)}")
    if not 0 <= int(channel) <= 255:
        raise DoorConfigError(f"relay channel {channel} does not fit in one byte (0..255)")
    out = bytearray()
    tokens = template.replace(",", " ").split()
    if not tokens:
        raise DoorConfigError("relay command template is empty")
    for token in tokens:
        low = token.lower()
        if low == "{ch}":
            out.append(int(channel))
        elif low == "{sum}":
            if checksum == "none":
                raise DoorConfigError(f"relay command {template!r} has {{sum}} but the checksum is 'none'")
            value = 0
            for b in out:
                value = (value + b) & 0xFF if checksum == "sum8" else value ^ b
            out.append(value)
        elif len(token) == 2 and all(c in "0123456789abcdefABCDEF" for c in token):
            out.append(int(token, 16))
        else:
            raise DoorConfigError(f"relay command {template!r}: {token!r} is not a hex byte, {{ch}} or {{sum}}")
    return bytes(out)


def check_hex_template(template: str) -> None:
    """Settings check: ValueError with the reason unless the template builds."""
    try:
        build_command(template, 1, "sum8")
    except DoorConfigError as exc:
        raise ValueError(str(exc)) from None


# door_serial_port: a device, never one of pyserial's URL handlers (spy://...?file= writes a
# file, socket:// and rfc2217:// open network connections, hwgrep:// picks any port).
_COM_PORT = re.compile(r"(\\\\\.\\)?COM[1-9][0-9]{0,2}", re.IGNORECASE)  # COM3, \\.\COM10
_DEVICE_PATH = re.compile(r"/dev/[A-Za-z0-9._+@:-]+(/[A-Za-z0-9._+@:-]+)*")  # /dev/ttyUSB0, /dev/serial/by-id/...
TEST_PORT_URLS = ("loop://",)  # pyserial's in-memory loopback: the only URL form, for tests and demos


def check_serial_port(port: str) -> None:
    """Settings and relay check: ValueError unless `port` is empty, a Windows COM name, a
    /dev device path (no '..') or one of TEST_PORT_URLS."""
    if port == "" or port in TEST_PORT_URLS or _COM_PORT.fullmatch(port):
        return
    if _DEVICE_PATH.fullmatch(port) and ".." not in port.split("/"):
        return
    raise ValueError(f"{port!r} is not a serial device: use a COM name (COM3) or a /dev path "
                     "(/dev/ttyUSB0, /dev/serial/by-id/...)")


# A host name (labels of letters, digits, '-' and, as Windows names have them, '_'), an IPv4
# address, or an IPv6 one in [brackets].
_HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
                        r"(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?")


def check_http_url(url: str) -> None:
    """Settings check: empty, or an http(s) URL with a valid host and, if any, a port 1..65535
    (a relay that can never be reached must be refused when it is typed, not at the first visitor)."""
    if url == "":
        return
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # a malformed [IPv6] part; the message does not repeat the URL
        raise ValueError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{redact_url(url)!r} is not an http:// or https:// URL with a host")
    if not _valid_host(parts.hostname):
        raise ValueError(f"{redact_url(url)!r}: {parts.hostname!r} is not a valid host name or IP address")
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port == 0 or (port is None and _port_text(parts.netloc)):
        raise ValueError(f"{redact_url(url)!r}: the port must be a number from 1 to 65535, "
                         f"got {_port_text(parts.netloc)!r}")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST_NAME.fullmatch(host))


def _port_text(netloc: str) -> str:
    """What follows the host's ':' in the URL's netloc ('' when none)."""
    hostport = netloc.rsplit("@", 1)[-1]
    if hostport.startswith("["):  # [IPv6]:port
        hostport = hostport.partition("]")[2]
    return hostport.partition(":")[2]


def split_credentials(url: str) -> tuple[str, str | None]:
    """(the URL without user info, its "Basic ..." Authorization header or None).

    urllib cannot send http://user:pass@host/ (it takes "pass@host" for a port), so the
    credentials move into the header HTTP basic auth expects; %-escapes in them are decoded."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, hostport = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode("utf-8")
    clean = urllib.parse.urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, "Basic " + base64.b64encode(token).decode("ascii")


def redact_url(url: str) -> str:
    """URL without user info or query: Tasmota/Shelly put passwords there; logs must not."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(malformed URL)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = _port_text(parts.netloc)
    if port:  # as typed, even when out of range: the error is about it
        host += f":{port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
