"""Settings section of the door: which relay, how long a pulse, and how to talk to it."""

from __future__ import annotations

from dataclasses import dataclass

from ..shared.options import SettingsSection, option
from .relay_protocol import CHECKSUMS, LCUS_OFF, LCUS_ON, check_hex_template, check_http_url, check_serial_port

BACKENDS: tuple[str, ...] = ("none", "simulated", "serial", "http")
# How this door checks that the face is a live person (recognition/passive.py decide()).
LIVENESS_POLICIES: tuple[str, ...] = ("off", "passive", "passive_then_challenge", "challenge")


@dataclass(frozen=True)
class DoorSettings(SettingsSection):
    NAME = "door"
    TITLE = "Door"
    PREFIX = "door_"

    backend: str = option(
        "none", None, None,
        "What opens the door. Your installer knows which relay is fitted; \"Simulated\" only "
        "writes to the log (for trying the app out).",
        label="Door relay", choices=BACKENDS,
        choice_labels=("None (attendance only)", "Simulated (no door, for testing)", "USB relay board",
                       "Network relay (Shelly, Tasmota)"),
    )
    liveness: str = option(
        "passive_then_challenge", None, None,
        "How this door makes sure a real person stands there and not a photo or a phone screen. "
        "\"Automatic\" looks at the face in the camera image without asking anything; \"Automatic, "
        "head turn when unsure\" asks for a head turn only when the automatic check is unsure; "
        "\"Head turn for everyone\" asks everyone. Applies while \"Check for a live person before "
        "opening the door\" (Head-turn check section) is on.",
        label="Liveness check at this door", choices=LIVENESS_POLICIES,
        choice_labels=("Off", "Automatic", "Automatic, head turn when unsure", "Head turn for everyone"),
    )
    pulse_s: float = option(3.0, 0.5, 30.0, "How long the door stays unlocked after someone is let in.",
                            label="Door stays unlocked for (seconds)")
    stale_site_hours: int = option(
        0, 0, 720,
        "On a kiosk of a site (several kiosks, one server): after this many hours without reaching the "
        "site server the door no longer opens, since someone erased or deactivated at another PC would "
        "still be let in here. 0: keep opening, and log how old the data is.",
        label="Refuse the door when the site data is older than (hours)", advanced=True,
    )
    serial_port: str = option("", None, None, "Port of the USB relay board, for example COM3 on Windows or "
                                              "/dev/ttyUSB0 (or /dev/serial/by-id/...) on Linux; other kinds of "
                                              "address are refused.", label="USB relay port",
                              check=check_serial_port)
    serial_baudrate: int = option(9600, 1200, 115200, "Speed of the USB relay board; most boards use 9600.",
                                  label="USB relay speed (baud)", advanced=True)
    serial_channel: int = option(1, 0, 255, "Which relay on the board switches the door (1 on single-relay "
                                            "boards).", label="Relay number on the board", advanced=True)
    serial_on_hex: str = option(
        LCUS_ON, None, None,
        "Bytes sent to unlock, in hex; {ch} is the relay number and {sum} a checksum. The "
        "default suits common LCUS boards (A0 01 01 A2); change it only if your installer says so.",
        label="USB relay unlock command", check=check_hex_template, advanced=True,
    )
    serial_off_hex: str = option(LCUS_OFF, None, None, "Bytes sent to lock again (LCUS boards: A0 01 00 A1).",
                                 label="USB relay lock command", check=check_hex_template, advanced=True)
    serial_checksum: str = option("sum8", None, None, "How {sum} in the commands is worked out: sum8 (sum of "
                                                      "the bytes), xor8 or none.",
                                  label="USB relay checksum", choices=CHECKSUMS, advanced=True)
    http_on_url: str = option(
        "", None, None,
        "Web address that unlocks, for example http://192.168.1.50/relay/0?turn=on&timer={seconds} "
        "({seconds} becomes the unlock time). Prefer a relay that locks again by itself, so a "
        "crashed PC cannot leave the door open. A relay with a password: "
        "http://USER:PASSWORD@HOST/... (sent as HTTP basic auth).",
        label="Network relay: unlock address", check=check_http_url, secret=True,
    )
    http_off_url: str = option("", None, None, "Web address that locks again, for example "
                               "http://192.168.1.50/relay/0?turn=off (Tasmota: http://HOST/cm?cmnd=Power%20Off).",
                               label="Network relay: lock address", check=check_http_url, secret=True)
    http_method: str = option("GET", None, None, "How the addresses are called; most relays use GET.",
                              label="Network relay: request type", choices=("GET", "POST", "PUT"), advanced=True)
    http_on_body: str = option("", None, None, "Only for POST or PUT: text sent with the unlock request; "
                                               "{seconds} becomes the unlock time.",
                               label="Network relay: unlock message", advanced=True, secret=True)
    http_off_body: str = option("", None, None, "Only for POST or PUT: text sent with the lock request.",
                                label="Network relay: lock message", advanced=True, secret=True)
    http_timeout_s: float = option(
        2.0, 0.2, 10.0, "How long to wait for the network relay before reporting it unreachable.",
        label="Network relay: wait for an answer (seconds)", advanced=True)
