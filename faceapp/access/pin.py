"""Admin PIN for kiosk mode: salted scrypt hash and lockout after repeated failures.

No Qt here, so the rules are unit-tested and the same check can guard the CLI later.
Only the hash is stored (settings table), never the PIN itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..shared.errors import FaceAppError

log = logging.getLogger(__name__)

# scrypt cost: ~15 ms on a desk PC; a 4-8 digit PIN is weak anyway, the lockout is the defence.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
PREFIX = "scrypt"


class PinError(ValueError):
    """The PIN is not acceptable (too short, not digits)."""


_PIN = re.compile(r"[0-9]{4,12}")


def check_pin_format(pin: str) -> None:
    """4 to 12 ASCII digits: str.isdigit() also takes Arabic-Indic, full-width or
    superscript digits, which a keypad never types, so such a PIN could never be entered."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise PinError("the PIN must be 4 to 12 digits (0-9)")


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


@dataclass(frozen=True)
class PinState:
    """Failures since the last success or lock-out, lock-outs so far (each one doubles the
    next), and until when attempts are refused (wall-clock seconds: it outlives restarts)."""

    failures: int = 0
    lockouts: int = 0
    locked_until: float = 0.0


# (old state, new state) -> (audit action, details) of one attempt
AuditRule = Callable[[PinState, PinState], tuple[str, dict]]


class PinStore(Protocol):
    """Where a PinGuard keeps its state (the database, so a restart keeps the lock-out)."""

    def load(self) -> PinState: ...

    def record(self, rule: Callable[[PinState], PinState], audit: AuditRule) -> PinState:
        """Apply `rule` to the stored state and write it with its audit entry in one
        transaction; returns the new state."""


@dataclass
class PinGuard:
    """Verifies PIN attempts; after `max_failures` wrong ones, refuses all attempts for
    `lockout_s` seconds (doubling on each further lockout) so a PIN cannot be guessed at the
    kiosk. With a `store` the counts and the lock-out are read before and written after
    every attempt, so neither a restart nor a second window resets them."""

    stored_hash: str | None
    max_failures: int = 5
    lockout_s: float = 60.0
    clock: Callable[[], float] = time.time
    store: PinStore | None = None
    state: PinState = field(default_factory=PinState)

    def __post_init__(self) -> None:
        self._refresh()

    @property
    def has_pin(self) -> bool:
        """A usable hash is stored (a damaged one must not lock a kiosk nobody can leave)."""
        return isinstance(self.stored_hash, str) and self.stored_hash.startswith(PREFIX + "$")

    @property
    def failures(self) -> int:
        return self.state.failures

    def locked_for(self) -> float:
        """Seconds left in the current lockout (0 when attempts are allowed)."""
        self._refresh()
        return max(0.0, self.state.locked_until - self.clock())

    def attempt(self, pin: str) -> bool:
        if self.locked_for() > 0:
            return False
        ok = bool(self.stored_hash) and verify_pin(pin, self.stored_hash)  # type: ignore[arg-type]
        rule = lambda s: self._after(s, ok)  # noqa: E731
        if self.store is None:
            self.state = rule(self.state)
        else:
            try:
                self.state = self.store.record(rule, lambda old, new: self._audit(old, new, ok))
            except FaceAppError as exc:  # the database is locked or full: the lock-out goes on in memory
                log.error("cannot record the admin PIN attempt: %s", exc)
                self.state = rule(self.state)
        if not ok:
            log.warning("wrong admin PIN (%d of %d)%s", self.state.failures or self.max_failures, self.max_failures,
                        f"; locked for {self.locked_for():.0f} s" if self.state.failures == 0 else "")
        return ok

    def _after(self, s: PinState, ok: bool) -> PinState:
        if ok:
            return PinState()
        if s.failures + 1 >= self.max_failures:
            return PinState(0, s.lockouts + 1, self.clock() + self.lockout_s * (2 ** s.lockouts))
        return PinState(s.failures + 1, s.lockouts, s.locked_until)

    def _audit(self, old: PinState, new: PinState, ok: bool) -> tuple[str, dict]:
        """Never the PIN itself: who failed how often, and whether that locked the kiosk."""
        if ok:
            return "admin_pin.unlock", {"failures_before": old.failures}
        locked = max(0.0, new.locked_until - self.clock()) if new.failures == 0 else 0.0
        return "admin_pin.wrong", {"failure": old.failures + 1, "of": self.max_failures, "locked_for_s": round(locked)}

    def _refresh(self) -> None:
        if self.store is None:
            return
        try:
            stored = self.store.load()
        except FaceAppError as exc:  # keep what is known in memory
            log.error("cannot read the admin PIN lock-out: %s", exc)
            return
        # The stricter of the two: attempts counted in memory while the database could not
        # take them (locked, full) must not be forgotten when it answers again.
        mine = self.state
        self.state = PinState(max(stored.failures, mine.failures), max(stored.lockouts, mine.lockouts),
                              max(stored.locked_until, mine.locked_until))
