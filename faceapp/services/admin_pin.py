"""The kiosk's admin PIN guard, with its lock-out kept in the database.

access.pin decides (scrypt check, five failures, doubling lock-outs); this glue gives it
the repository as its store, so restarting the app does not hand out fresh guesses."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from ..access.pin import AuditRule, PinGuard, PinState

if TYPE_CHECKING:
    from ..storage.repository import Repository

KIOSK_SCOPE = "kiosk"


class RepositoryPinStore:
    """PinStore over the pin_guard table."""

    def __init__(self, repo: "Repository", scope: str = KIOSK_SCOPE) -> None:
        self.repo = repo
        self.scope = scope

    def load(self) -> PinState:
        return self.repo.pin_state(self.scope)

    def record(self, rule: Callable[[PinState], PinState], audit: AuditRule) -> PinState:
        return self.repo.update_pin_state(self.scope, rule, audit)


def admin_pin_guard(repo: "Repository", stored_hash: str | None,
                    clock: Callable[[], float] = time.time) -> PinGuard:
    return PinGuard(stored_hash, clock=clock, store=RepositoryPinStore(repo))
