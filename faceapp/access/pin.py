"""Admin PIN for kiosk mode: salted scrypt hash and lockout after repeated failures.

No Qt here, so the rules are unit-tested and the same check can guard the CLI later.
Only the hash is stored (settings table), never the PIN itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# scrypt cost: ~15 ms on a desk PC; a 4-8 digit PIN is weak anyway, the lockout is the defence.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
PREFIX = "scrypt"


class PinError(ValueError):
    """The PIN is not acceptable (too short, not digits)."""


def check_pin_format(pin: str) -> None:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise PinError("the PIN must be 4 to 12 digits")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """'scrypt$n$r$p$salt_hex$hash_hex' - self-describing so the cost can be raised later."""
    check_pin_format(pin)
    salt = salt if salt is not None else secrets.token_bytes(16)
    dk = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"{PREFIX}${_N}${_R}${_P}${salt.hex()}${dk.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    if not isinstance(stored, str) or not isinstance(pin, str):  # a hand-edited or damaged settings row
        log.warning("stored PIN hash is not text; no PIN can match it")
        return False
    try:
        prefix, n, r, p, salt_hex, hash_hex = stored.split("$")
        if prefix != PREFIX:
            return False
        expected = bytes.fromhex(hash_hex)
        dk = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p),
                            dklen=len(expected))
    except (ValueError, TypeError):
        log.warning("stored PIN hash is malformed")
        return False
    return hmac.compare_digest(dk, expected)


@dataclass
class PinGuard:
    """Verifies PIN attempts; after `max_failures` wrong ones, refuses all attempts for
    `lockout_s` seconds (doubling on each further lockout) so a PIN cannot be guessed at the kiosk."""

    stored_hash: str | None
    max_failures: int = 5
    lockout_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    lockouts: int = 0
    locked_until: float = field(default=0.0)

    @property
    def has_pin(self) -> bool:
        """A usable hash is stored (a damaged one must not lock a kiosk nobody can leave)."""
        return isinstance(self.stored_hash, str) and self.stored_hash.startswith(PREFIX + "$")

    def locked_for(self) -> float:
        """Seconds left in the current lockout (0 when attempts are allowed)."""
        return max(0.0, self.locked_until - self.clock())

    def attempt(self, pin: str) -> bool:
        if self.locked_for() > 0:
            return False
        if self.stored_hash and verify_pin(pin, self.stored_hash):
            self.failures = 0
            self.lockouts = 0
            return True
        self.failures += 1
        log.warning("wrong admin PIN (%d of %d)", self.failures, self.max_failures)
        if self.failures >= self.max_failures:
            self.locked_until = self.clock() + self.lockout_s * (2 ** self.lockouts)
            self.lockouts += 1
            self.failures = 0
        return False
