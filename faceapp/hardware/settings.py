"""Settings section of the door: which relay, how long a pulse, and how to talk to it."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.options import SettingsSection, option
from .relay_protocol import CHECKSUMS, LCUS_OFF, LCUS_ON, check_hex_template, check_http_url, check_serial_port

BACKENDS: tuple[str, ...] = ("none", "simulated", "serial", "http")


@dataclass(frozen=True)
class DoorSettings(SettingsSection):
    NAME = "door"
    TITLE = "Door"
    PREFIX = "door_"

    backend: str = option(
        "none", None, None,
        "Door relay: none (attendance only), simulated (logs pulses; demo), serial (USB relay "
        "board) or http (network relay such as Shelly or Tasmota).",
        choices=BACKENDS,
    )
    pulse_s: float = option(3.0, 0.5, 30.0, "Seconds the door strike stays unlocked after an access grant.")
    serial_port: str = option("", None, None, "Serial port of the relay board: a COM name (COM3) or a /dev path "
                              "(/dev/ttyUSB0, /dev/serial/by-id/...); pyserial URLs are refused.",
                              check=check_serial_port)
    serial_baudrate: int = option(9600, 1200, 115200, "Baud rate of the relay board (LCUS boards: 9600).")
    serial_channel: int = option(1, 0, 255, "Relay channel on the board; the {ch} byte of the commands.")
    serial_on_hex: str = option(
        LCUS_ON, None, None,
        "Bytes that switch the relay on: hex bytes, {ch} for the channel and {sum} for the "
        "checksum of the bytes before it. Default: LCUS boards (A0 01 01 A2).",
        check=check_hex_template,
    )
    serial_off_hex: str = option(LCUS_OFF, None, None, "Bytes that switch the relay off (LCUS: A0 01 00 A1).",
                                 check=check_hex_template)
    serial_checksum: str = option("sum8", None, None, "How {sum} is computed: sum8 (sum mod 256), xor8 or none.",
                                  choices=CHECKSUMS)
    http_on_url: str = option(
        "", None, None,
        "URL that unlocks; {seconds} becomes the pulse length. Prefer a relay that switches "
        "itself off (Shelly: http://HOST/relay/0?turn=on&timer={seconds}) so a crashed PC "
        "cannot leave the door open. A relay with a password: http://USER:PASSWORD@HOST/... "
        "(sent as HTTP basic auth).",
        check=check_http_url, secret=True,
    )
    http_off_url: str = option("", None, None, "URL that locks (Shelly: http://HOST/relay/0?turn=off; "
                               "Tasmota: http://HOST/cm?cmnd=Power%20Off).", check=check_http_url, secret=True)
    http_method: str = option("GET", None, None, "HTTP method of the relay requests.", choices=("GET", "POST", "PUT"))
    http_on_body: str = option("", None, None, "Request body for 'on' (POST/PUT); {seconds} is replaced.",
                               secret=True)
    http_off_body: str = option("", None, None, "Request body for 'off' (POST/PUT).", secret=True)
    http_timeout_s: float = option(
        2.0, 0.2, 10.0, "Seconds to wait for the network relay before reporting it unreachable.")
